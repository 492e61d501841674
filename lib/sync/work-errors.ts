/**
 * How the outcome of one work message across all targets turns into a retry decision.
 * Each target is independent: the ones that succeeded are recorded as done (idempotency), and the
 * message fails only for the ones that did not, so a redelivery repeats only their work.
 */
import { AuthError, NotFoundError, ProtocolError, SyncError, ThrottledError } from '../errors.js';
import type { FailedChange } from '../targets/port.js';

export interface TargetFailure {
  readonly targetId: string;
  readonly reason: string;
  readonly retryable: boolean;
  /** Set when the target or UMAPI asked us to wait. */
  readonly retryAfterMs?: number;
  /** Retried with back-off, but parked once the message has been received this many times. */
  readonly parkAfterReceives?: number;
}

/**
 * A 401, 404 or unexpected answer from a system we call is usually a moment, not a verdict: a
 * password rotated while the old one is still cached (secrets are re-read after 5 minutes), an
 * instance restarting behind its dispatcher. Parking at the first receive would send every
 * revocation of that window to the dead-letter queue; so these are retried with back-off (30 s,
 * 1, 2, 4 minutes...) and parked, with their reason, only at this receive.
 */
export const SUSPECT_PARK_AFTER_RECEIVES = 6;

/** How the worker treats an error: retry (with or without a limit) or park at once. */
export function retryPolicyOf(error: unknown): { readonly retryable: boolean; readonly parkAfterReceives?: number } {
  if (error instanceof WorkFailedError) return { retryable: error.retryable, ...(error.parkAfterReceives !== undefined ? { parkAfterReceives: error.parkAfterReceives } : {}) };
  if (isSuspect(error)) return { retryable: true, parkAfterReceives: SUSPECT_PARK_AFTER_RECEIVES };
  return { retryable: error instanceof SyncError ? error.retryable : true };
}

function isSuspect(error: unknown): boolean {
  return (error instanceof AuthError || error instanceof NotFoundError || error instanceof ProtocolError) && error.system !== 'config';
}

/** A throttled record is never hidden longer than this (seconds). */
export const MAX_THROTTLE_DELAY_SECONDS = 900;

/**
 * How long a throttled record is hidden: the wait asked for, plus up to as much again at random.
 * Records throttled together would otherwise all come back at the same moment, for one of them to
 * get the next turn and the rest to be throttled again: hundreds of re-checks queued behind a
 * reconciliation then cost one receive each per turn. Not doubled per receive: the wait asked for
 * already grows with the queue of turns, and a doubled one (16 × a 30 s Retry-After) outlasts the
 * throttling by minutes, holding back work the budget could serve.
 */
export function throttleDelaySeconds(waitMs: number, random: () => number): number {
  const base = Math.max(1, Math.ceil(waitMs / 1000));
  return Math.min(MAX_THROTTLE_DELAY_SECONDS, base + Math.floor(random() * base));
}

export class WorkFailedError extends SyncError {
  readonly code = 'WORK_FAILED';
  readonly retryable: boolean;
  /** The longest wait any throttled target asked for; the worker delays the message by it. */
  readonly retryAfterMs: number | undefined;
  /** Set when every retryable failure is a suspect one: the fewest receives before parking. */
  readonly parkAfterReceives: number | undefined;
  constructor(readonly failures: readonly TargetFailure[]) {
    super(`work failed for ${failures.map((f) => `${f.targetId} (${f.reason})`).join('; ')}`);
    this.retryable = failures.some((f) => f.retryable);
    const retrying = failures.filter((f) => f.retryable);
    const limits = retrying.map((f) => f.parkAfterReceives).filter((n): n is number => n !== undefined);
    this.parkAfterReceives = limits.length > 0 && limits.length === retrying.length ? Math.min(...limits) : undefined;
    const waits = failures.map((f) => f.retryAfterMs).filter((w): w is number => w !== undefined);
    this.retryAfterMs = waits.length > 0 ? Math.max(...waits) : undefined;
  }
}

/** Describe any error thrown while working on one target. */
export function toTargetFailure(targetId: string, error: unknown): TargetFailure {
  if (error instanceof ThrottledError) {
    return { targetId, reason: error.message, retryable: true, retryAfterMs: error.retryAfterMs };
  }
  if (isSuspect(error) && error instanceof SyncError) {
    return { targetId, reason: `${error.code}: ${error.message}`, retryable: true, parkAfterReceives: SUSPECT_PARK_AFTER_RECEIVES };
  }
  if (error instanceof SyncError) return { targetId, reason: `${error.code}: ${error.message}`, retryable: error.retryable };
  return { targetId, reason: error instanceof Error ? error.message : String(error), retryable: true };
}

/** Changes a target reported failed: retried, and a refused write (401, 404, an unexpected answer) parked only after a few receives, like a read. */
export function failureOfChanges(targetId: string, failed: readonly FailedChange[]): TargetFailure {
  const transient = failed.some((f) => f.retryable);
  return {
    targetId,
    reason: `${failed.length} change(s) failed: ${failed[0]?.error ?? ''}`,
    retryable: true,
    ...(transient ? {} : { parkAfterReceives: SUSPECT_PARK_AFTER_RECEIVES }),
  };
}
