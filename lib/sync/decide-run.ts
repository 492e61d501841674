/**
 * An operator's decision on removals a guard held back: approve queues them (planned from the run's
 * snapshot; any newer change still wins, last writer wins), reject drops them.
 */
import { ValidationError } from '../errors.js';
import { fanOut } from './fan-out.js';
import type { RunStatus, RunTargetRecord } from './ports.js';
import type { SyncRuntime } from './runtime.js';

export interface RunDecision {
  readonly runId: string;
  readonly targetId: string;
  /** superseded: a newer run of the target planned from a newer snapshot; its own plan decides, not these old removals. */
  readonly outcome: 'approved' | 'rejected' | 'not-held' | 'superseded';
  readonly queuedMessages: number;
  /** For superseded: the newer run. */
  readonly supersededBy?: string;
  /** The run's status for this target after the decision: for `not-held`, what had already happened. */
  readonly status: RunStatus;
}

/** Runs looked at to find a newer one of the same target. */
const RECENT_RUNS = 200;

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
  const runs = rt.stores.runs;
  if (decision === 'reject') {
    const moved = await runs.transition(runId, targetId, 'HELD', 'REJECTED');
    if (moved) rt.log.info('held removals rejected', { runId, targetId });
    if (moved) return { runId, targetId, outcome: 'rejected', queuedMessages: 0, status: 'REJECTED' };
    return { runId, targetId, outcome: 'not-held', queuedMessages: 0, status: await currentStatus(record, rt) };
  }
  // Removals planned from an old snapshot may hit users who regained access since without any event
  // recording it (a later reconciliation that found them in place changed nothing): once a newer run
  // of the target has planned from a newer snapshot, these removals are stale and are not released.
  if (record.status === 'HELD') {
    const newer = await newerRunOf(record, rt);
    if (newer !== undefined) {
      rt.log.warn('held removals not approved: a newer run planned this target since', { runId, targetId, newer: newer.runId });
      return { runId, targetId, outcome: 'superseded', queuedMessages: 0, supersededBy: newer.runId, status: 'HELD' };
    }
  }
  // Claim first (HELD -> APPROVING), so a reject can no longer win; then queue; then APPROVED. A
  // failure in between leaves the run APPROVING: approving again queues the same message ids, which
  // the queue deduplicates and the worker applies once.
  const claimed = record.status === 'APPROVING' || (record.status === 'HELD' && (await runs.transition(runId, targetId, 'HELD', 'APPROVING')));
  if (!claimed) return { runId, targetId, outcome: 'not-held', queuedMessages: 0, status: await currentStatus(record, rt) };
  const snapshotAt = new Date(record.snapshotAt ?? record.startedAt).toISOString();
  const messages = record.held ? fanOut(record.held, { runId, targetId, snapshotAt, correlationId: runId, part: 'approved' }) : [];
  if (messages.length > 0) await rt.queue.send(messages);
  await runs.transition(runId, targetId, 'APPROVING', 'APPROVED');
  rt.log.info('held removals approved and queued', { runId, targetId, messages: messages.length });
  return { runId, targetId, outcome: 'approved', queuedMessages: messages.length, status: 'APPROVED' };
}

/** Read again: a concurrent decision may have moved the run since it was first read. */
async function currentStatus(record: RunTargetRecord, rt: Pick<SyncRuntime, 'stores'>): Promise<RunStatus> {
  const now = (await rt.stores.runs.get(record.runId)).find((r) => r.targetId === record.targetId);
  return now?.status ?? record.status;
}

/** The newest complete run of the same target planned after this one, if any. */
async function newerRunOf(record: RunTargetRecord, rt: Pick<SyncRuntime, 'stores'>): Promise<RunTargetRecord | undefined> {
  const planned = (r: RunTargetRecord) => r.status !== 'FAILED' && r.status !== 'INCOMPLETE';
  const at = (r: RunTargetRecord) => r.snapshotAt ?? r.startedAt;
  return (await rt.stores.runs.list(RECENT_RUNS)).find(
    (r) => r.targetId === record.targetId && r.runId !== record.runId && planned(r) && at(r) > at(record),
  );
}
