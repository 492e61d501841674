/**
 * How the outcome of one work message across all targets turns into a retry decision.
 * Each target is independent: the ones that succeeded are recorded as done (idempotency), and the
 * message fails only for the ones that did not, so a redelivery repeats only their work.
 */
import { SyncError, ThrottledError } from '../errors.js';

export interface TargetFailure {
  readonly targetId: string;
  readonly reason: string;
  readonly retryable: boolean;
  /** Set when the target or UMAPI asked us to wait. */
  readonly retryAfterMs?: number;
}

export class WorkFailedError extends SyncError {
  readonly code = 'WORK_FAILED';
  readonly retryable: boolean;
  /** The longest wait any throttled target asked for; the worker delays the message by it. */
  readonly retryAfterMs: number | undefined;
  constructor(readonly failures: readonly TargetFailure[]) {
    super(`work failed for ${failures.map((f) => `${f.targetId} (${f.reason})`).join('; ')}`);
    this.retryable = failures.some((f) => f.retryable);
    const waits = failures.map((f) => f.retryAfterMs).filter((w): w is number => w !== undefined);
    this.retryAfterMs = waits.length > 0 ? Math.max(...waits) : undefined;
  }
}

/** Describe any error thrown while working on one target. */
export function toTargetFailure(targetId: string, error: unknown): TargetFailure {
  if (error instanceof ThrottledError) {
    return { targetId, reason: error.message, retryable: true, retryAfterMs: error.retryAfterMs };
  }
  if (error instanceof SyncError) return { targetId, reason: `${error.code}: ${error.message}`, retryable: error.retryable };
  return { targetId, reason: error instanceof Error ? error.message : String(error), retryable: true };
}
