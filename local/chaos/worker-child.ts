/**
 * The worker as a child process (local/worker-process.ts), which the chaos run kills with SIGKILL
 * in the middle of a batch and starts again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../worker-process.ts', import.meta.url));

export interface WorkerChild {
  /** Batches begun and not (yet) ended in the current process. */
  readonly inBatch: () => boolean;
  readonly batches: () => number;
  /** Resolves when the current process reports a batch start (at once if one is running). */
  nextBatchStart(): Promise<void>;
  /** SIGKILL now; true when a batch was running. */
  kill(): boolean;
  /** A new worker process (after `kill`). */
  restart(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export interface WorkerChildOptions {
  readonly envFile: string;
  readonly visibilityTimeoutSeconds: number;
  readonly retryDelaySeconds: number;
  readonly logFile: string;
}

export async function startWorkerChild(options: WorkerChildOptions): Promise<WorkerChild> {
  let child: ChildProcess | undefined;
  let open = 0;
  let batches = 0;
  let waiters: (() => void)[] = [];

  const launch = async (): Promise<void> => {
    open = 0;
    const process_ = spawn(
      process.execPath,
      ['--import', 'tsx', SCRIPT, '--env-file', options.envFile, '--visibility-timeout', String(options.visibilityTimeoutSeconds), '--retry-delay', String(options.retryDelaySeconds), '--log', options.logFile],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    child = process_;
    const lines = createInterface({ input: process_.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      process_.once('exit', (code) => reject(new Error(`chaos: the worker process exited (${code}) before it was ready`)));
      lines.on('line', (line) => {
        let event: { event?: string };
        try {
          event = JSON.parse(line) as { event?: string };
        } catch {
          return;
        }
        if (event.event === 'ready') resolve();
        if (event.event === 'batch-start' && process_ === child) {
          open += 1;
          batches += 1;
          for (const wake of waiters) wake();
          waiters = [];
        }
        if (event.event === 'batch-end' && process_ === child) open = Math.max(0, open - 1);
      });
    });
  };
  await launch();

  return {
    inBatch: () => open > 0,
    batches: () => batches,
    nextBatchStart: () => (open > 0 ? Promise.resolve() : new Promise<void>((resolve) => waiters.push(resolve))),
    kill: () => {
      const wasInBatch = open > 0;
      child?.kill('SIGKILL');
      child = undefined;
      open = 0;
      return wasInBatch;
    },
    restart: launch,
    stop: async () => {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
      running.kill('SIGTERM');
      const timer = setTimeout(() => running.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
