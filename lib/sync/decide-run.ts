/**
 * An operator's decision on removals a guard held back: approve queues them (planned from the run's
 * snapshot; any newer change still wins, last writer wins), reject drops them.
 */
import { ValidationError } from '../errors.js';
import { fanOut } from './fan-out.js';
import type { RunTargetRecord } from './ports.js';
import type { SyncRuntime } from './runtime.js';

export interface RunDecision {
  readonly runId: string;
  readonly targetId: string;
  readonly outcome: 'approved' | 'rejected' | 'not-held';
  readonly queuedMessages: number;
}

export async function decideRun(
  runId: string,
  decision: 'approve' | 'reject',
  rt: Pick<SyncRuntime, 'stores' | 'queue' | 'log'>,
  targetId?: string,
): Promise<RunDecision[]> {
  const records = (await rt.stores.runs.get(runId)).filter((r) => targetId === undefined || r.targetId === targetId);
  if (records.length === 0) {
    throw new ValidationError(`run ${runId}${targetId ? ` has no target ${targetId}` : ' does not exist'}; list runs with \`ims-sync status\``);
  }
  const decisions: RunDecision[] = [];
  for (const record of records) decisions.push(await decideOne(record, decision, rt));
  return decisions;
}

async function decideOne(record: RunTargetRecord, decision: 'approve' | 'reject', rt: Pick<SyncRuntime, 'stores' | 'queue' | 'log'>): Promise<RunDecision> {
  const { runId, targetId } = record;
  if (record.status !== 'HELD') return { runId, targetId, outcome: 'not-held', queuedMessages: 0 };
  if (decision === 'reject') {
    const moved = await rt.stores.runs.decide(runId, targetId, 'REJECTED');
    if (moved) rt.log.info('held removals rejected', { runId, targetId });
    return { runId, targetId, outcome: moved ? 'rejected' : 'not-held', queuedMessages: 0 };
  }
  // Queue first, then mark approved: a failure in between leaves the run HELD (approve again), never
  // APPROVED with nothing queued. Queuing twice is harmless: same message ids, idempotent work.
  const snapshotAt = new Date(record.snapshotAt ?? record.startedAt).toISOString();
  const messages = record.held ? fanOut(record.held, { runId, targetId, snapshotAt, correlationId: runId, part: 'approved' }) : [];
  if (messages.length > 0) await rt.queue.send(messages);
  const moved = await rt.stores.runs.decide(runId, targetId, 'APPROVED');
  if (!moved) return { runId, targetId, outcome: 'not-held', queuedMessages: messages.length };
  rt.log.info('held removals approved and queued', { runId, targetId, messages: messages.length });
  return { runId, targetId, outcome: 'approved', queuedMessages: messages.length };
}
