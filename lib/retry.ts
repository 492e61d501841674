/**
 * Retry with exponential back-off and jitter, the policy Adobe's own UMAPI client uses
 * (contracts/ims-and-umapi.md §4): wait `Retry-After` when given, else `2^(attempt-1) * base + random(0..jitter)`.
 * Randomness and time are injected so the policy is testable.
 */
import type { Clock } from './clock.js';
import { TargetUnavailableError, ThrottledError, type ExternalSystem } from './errors.js';

export interface RetryPolicy {
  /** Named in the ThrottledError raised when a wait is too long to hold in-process. */
  readonly system: ExternalSystem;
  /** Total attempts, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxJitterMs: number;
  /**
   * A throttle longer than this is not waited out in-process: the ThrottledError is raised so the
   * caller can delay the work (an SQS message's visibility) instead of holding a Lambda.
   */
  readonly maxInlineWaitMs: number;
}

export interface RetryDeps {
  readonly clock: Clock;
  readonly random?: () => number;
}

/** Decide, for an error thrown by one attempt, whether and how long to wait before the next. */
export type RetryClassifier = (error: unknown) => { retry: false } | { retry: true; waitMs?: number };

export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  classify: RetryClassifier,
  policy: RetryPolicy,
  deps: RetryDeps,
): Promise<T> {
  const random = deps.random ?? Math.random;
  for (let n = 1; ; n += 1) {
    try {
      return await attempt(n);
    } catch (error) {
      const decision = classify(error);
      if (!decision.retry || n >= policy.attempts) throw error;
      const waitMs = decision.waitMs ?? 2 ** (n - 1) * policy.baseDelayMs + random() * policy.maxJitterMs;
      if (waitMs > policy.maxInlineWaitMs) {
        if (error instanceof ThrottledError) throw error;
        throw new ThrottledError(
          policy.system,
          waitMs,
          `${error instanceof Error ? error.message : String(error)}; retry in ${Math.ceil(waitMs / 1000)} s`,
        );
      }
      await deps.clock.sleep(waitMs);
    }
  }
}

/**
 * The in-process retries of a target's calls (AEM and Campaign alike): a 429 waits its Retry-After,
 * a 5xx or timeout backs off; both give up after 3 attempts and leave the rest to the queue.
 * Longer throttles are not held in a Lambda: the work is delayed through the queue instead.
 */
export const TARGET_RETRY: Omit<RetryPolicy, 'system'> = {
  attempts: 3,
  baseDelayMs: 250,
  maxJitterMs: 100,
  maxInlineWaitMs: 5000,
};

/** Throttled: wait what was asked; unavailable (5xx, timeout, refused): back off; anything else is final. */
export const retryTransient: RetryClassifier = (error) => {
  if (error instanceof ThrottledError) return { retry: true, waitMs: error.retryAfterMs };
  if (error instanceof TargetUnavailableError) return { retry: true };
  return { retry: false };
};

