/**
 * An in-process token bucket per UMAPI endpoint family (contracts/ims-and-umapi.md §4: 25 user
 * reads and 5 group reads a minute per client). Good for one process (CLI, local stack, tests);
 * concurrent Lambdas share the DynamoDB-backed limiter behind the same RateLimiter port.
 *
 * The bucket holds `burst` requests (1 by default, as the DynamoDB limiter: then no 60-second window
 * ever sees more than the per-minute limit; a bucket of a whole minute let up to twice the limit into
 * one window, and UMAPI answered 429 in the 100k-user bench) and refills continuously. A caller that
 * finds it empty reserves the next token (the level goes below zero) and sleeps until it is due,
 * so concurrent callers queue up in order; when that wait is longer than `maxInlineWaitMs` nothing
 * is reserved and ThrottledError says how long to wait, so the caller can delay its work instead.
 */
import type { Clock } from '../clock.js';
import { ThrottledError } from '../errors.js';
import type { RateLimiter, UmapiFamily } from './port.js';

export interface MemoryLimiterDeps {
  readonly clock: Clock;
  readonly perMinute: Readonly<Record<UmapiFamily, number>>;
  readonly maxInlineWaitMs: number;
  /** Requests that may go at once after a quiet spell (default 1). */
  readonly burst?: number;
}

interface Bucket {
  readonly capacity: number;
  readonly perMs: number;
  level: number;
  updatedAt: number;
}

export function createMemoryLimiter(deps: MemoryLimiterDeps): RateLimiter {
  const start = deps.clock.now();
  const bucket = (perMinute: number): Bucket => {
    if (!(perMinute > 0)) throw new RangeError(`perMinute must be positive, got ${perMinute}`);
    const capacity = deps.burst ?? 1;
    return { capacity, perMs: perMinute / 60_000, level: capacity, updatedAt: start };
  };
  const buckets: Record<UmapiFamily, Bucket> = {
    users: bucket(deps.perMinute.users),
    groups: bucket(deps.perMinute.groups),
  };

  return {
    acquire: async (family) => {
      const b = buckets[family];
      const now = deps.clock.now();
      b.level = Math.min(b.capacity, b.level + (now - b.updatedAt) * b.perMs);
      b.updatedAt = now;
      if (b.level >= 1) {
        b.level -= 1;
        return;
      }
      const waitMs = Math.ceil((1 - b.level) / b.perMs);
      if (waitMs > deps.maxInlineWaitMs) {
        throw new ThrottledError('umapi', waitMs, `umapi ${family} budget spent for this minute; retry in ${Math.ceil(waitMs / 1000)} s`);
      }
      b.level -= 1;
      await deps.clock.sleep(waitMs);
    },
  };
}
