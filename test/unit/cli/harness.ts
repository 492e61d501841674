/** Drive `runCli` in-process over the in-memory demo runtime and a fake dead-letter queue. */
import type { SyncConfig } from '../../../lib/config/schema.js';
import type { CliRuntime, RuntimeFactory } from '../../../lib/cli/connect.js';
import { runCli } from '../../../lib/cli/main.js';
import type { DeadLetter } from '../../../lib/sync/ports.js';
import type { WorkMessage } from '../../../lib/domain/messages.js';
import { demoConfig, demoRuntime } from '../../support/runtime.js';

export interface MemoryDeadLetters {
  letters: (DeadLetter & { hidden: boolean })[];
  sentBack: DeadLetter[];
  depthFails: boolean;
  receive(max: number): Promise<DeadLetter[]>;
  sendBack(messages: readonly DeadLetter[], replayId: string): Promise<void>;
  delete(receiptHandles: readonly string[]): Promise<void>;
  release(receiptHandles: readonly string[]): Promise<void>;
  depth(): Promise<{ queue: { visible: number; inFlight: number }; deadLetter: { visible: number; inFlight: number } }>;
}

export function memoryDeadLetters(queued: () => number): MemoryDeadLetters {
  const dlq: MemoryDeadLetters = {
    letters: [],
    sentBack: [],
    depthFails: false,
    async receive(max) {
      const visible = dlq.letters.filter((l) => !l.hidden).slice(0, max);
      for (const letter of visible) letter.hidden = true;
      return visible.map(({ hidden: _hidden, ...letter }) => letter);
    },
    async sendBack(messages) {
      dlq.sentBack.push(...messages);
    },
    async delete(handles) {
      dlq.letters = dlq.letters.filter((l) => !handles.includes(l.receiptHandle));
    },
    async release(handles) {
      for (const letter of dlq.letters) if (handles.includes(letter.receiptHandle)) letter.hidden = false;
    },
    async depth() {
      if (dlq.depthFails) throw new Error('SQS GetQueueAttributes (work queue) failed: connect ECONNREFUSED');
      return { queue: { visible: queued(), inFlight: 0 }, deadLetter: { visible: dlq.letters.filter((l) => !l.hidden).length, inFlight: dlq.letters.filter((l) => l.hidden).length } };
    },
  };
  return dlq;
}

export function deadLetter(message: WorkMessage): DeadLetter {
  return { messageId: `m-${message.id}`, receiptHandle: `r-${message.id}`, body: JSON.stringify(message), receiveCount: 3 };
}

export function cliWorld(options: { config?: SyncConfig } = {}) {
  const world = demoRuntime(options.config ? { config: options.config } : {});
  const dlq = memoryDeadLetters(() => world.queue.sent.length);
  let closed = 0;
  const cli: CliRuntime = { sync: world.runtime, deadLetters: () => dlq, close: async () => void (closed += 1) };
  const seenEnv: Record<string, string | undefined>[] = [];
  // The CLI's own log and metrics, as the real factory uses them (`--debug` echoes the log).
  const factory: RuntimeFactory = async (env, { log, metrics }) => {
    seenEnv.push({ ...env });
    return { ...cli, sync: { ...cli.sync, log, metrics } };
  };
  return { ...world, dlq, factory, seenEnv, closedCount: () => closed };
}

export type CliWorld = ReturnType<typeof cliWorld>;

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let ids = 0;

export async function cli(
  argv: string[],
  world: CliWorld | undefined,
  io: { env?: Record<string, string>; isTTY?: boolean; cwd?: string; ask?: (question: string) => Promise<string> } = {},
): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    argv,
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: io.env ?? {},
      isTTY: io.isTTY ?? false,
      // An empty directory: no .local-state/stack.env is found by accident.
      cwd: io.cwd ?? '/nonexistent-ims-sync-cwd',
      ...(io.ask ? { ask: io.ask } : {}),
    },
    world ? { runtime: world.factory, newId: (prefix) => `${prefix}-${(ids += 1)}` } : {},
  );
  return { code, stdout, stderr };
}

/** The demo config with a guard that holds any removal. */
export function strictGuardConfig(): SyncConfig {
  const config = demoConfig();
  return { ...config, guard: { maxRemovals: 0, maxRemovalPercent: 100 } };
}
