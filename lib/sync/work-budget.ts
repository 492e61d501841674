/**
 * The time one worker invocation may spend, shared by the records of its batch.
 *
 * Lambda ends an invocation at its timeout with no batch response at all: every record, of every
 * target, then waits out the visibility timeout and uses up a receive. So each target's work gets
 * the invocation's remaining time less a margin, and a target that timed out or was unavailable is
 * not tried again by the later records of the same batch: they fail for that target alone, at once,
 * and come back with its back-off. One hanging instance thus costs one wait per batch, not one per
 * record, and never the others' work.
 */
import { TargetUnavailableError } from '../errors.js';
import { IDEMPOTENCY_LEASE_MS } from './runtime.js';

export interface WorkBudget {
  /** Epoch ms by which every target's work must have settled. */
  readonly deadline: number;
  /** Targets found down or too slow earlier in this invocation. */
  readonly unavailable: Map<string, string>;
}

/**
 * The longest a worker waits in-process for its turn in the UMAPI budget. Longer, and the record is
 * delayed on the queue instead (ThrottledError): a batch that sleeps on the budget holds a worker,
 * and the removals received behind it, for nothing. A reconciliation holds most of each minute's
 * budget for minutes, so waiting is the rule then, not the exception.
 */
export const WORKER_UMAPI_WAIT_MS = 500;

/** Kept back from the invocation's remaining time for the batch response and the failures' bookkeeping. */
export const INVOCATION_MARGIN_MS = 15_000;

/** How long a claim outlives the invocation's end, at most: the batch response and the failures' bookkeeping. */
export const CLAIM_SLACK_MS = 15_000;

/**
 * How long an (event, target) claim is leased: until the invocation can no longer be running (its
 * remaining time, plus a little), within IDEMPOTENCY_LEASE_MS. A worker killed mid-batch (a crash,
 * a timeout) leaves its claims behind, and every redelivery of them waits for the lease to run out:
 * bounded by the invocation, that is a couple of minutes on Lambda, not five. Without a deadline
 * (the CLI), the full IDEMPOTENCY_LEASE_MS.
 */
export function claimLeaseMs(budget: WorkBudget | undefined, nowMs: number): number {
  if (budget === undefined || !Number.isFinite(budget.deadline)) return IDEMPOTENCY_LEASE_MS;
  return Math.min(IDEMPOTENCY_LEASE_MS, Math.max(0, budget.deadline - nowMs) + INVOCATION_MARGIN_MS + CLAIM_SLACK_MS);
}

export function workBudget(nowMs: number, remainingMs: number | undefined): WorkBudget {
  const deadline = remainingMs === undefined ? Number.POSITIVE_INFINITY : nowMs + Math.max(0, remainingMs - INVOCATION_MARGIN_MS);
  return { deadline, unavailable: new Map() };
}

/** Run one target's work within the budget: raises TargetUnavailableError when it is spent (the work itself is left to settle). */
export async function withinBudget<T>(budget: WorkBudget | undefined, targetId: string, system: 'aem' | 'campaign', nowMs: number, work: () => Promise<T>): Promise<T> {
  if (budget === undefined) return work();
  const known = budget.unavailable.get(targetId);
  if (known !== undefined) throw new TargetUnavailableError(system, `${targetId} skipped for the rest of this batch: ${known}`);
  const leftMs = budget.deadline - nowMs;
  if (leftMs <= 0) throw new TargetUnavailableError(system, `${targetId}: no time left in this invocation`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    if (!Number.isFinite(leftMs)) return;
    timer = setTimeout(() => reject(new TargetUnavailableError(system, `${targetId} did not answer within the invocation's time (${Math.round(leftMs / 1000)} s)`)), leftMs);
  });
  try {
    return await Promise.race([work(), timeout]);
  } catch (error) {
    if (error instanceof TargetUnavailableError) budget.unavailable.set(targetId, error.message);
    throw error;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
