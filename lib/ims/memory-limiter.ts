/**
 * An in-process token bucket per UMAPI endpoint family (contracts/ims-and-umapi.md §4: 25 user
 * reads and 5 group reads a minute per client). Good for one process (CLI, local stack, tests);
 * concurrent Lambdas share the DynamoDB-backed limiter behind the same RateLimiter port, with the
 * same arithmetic (lib/ims/token-bucket.ts) and the same two lanes.
 *
 * The bucket holds `burst` requests (1 by default, as the DynamoDB limiter: then no 60-second window
 * ever sees more than the per-minute limit; a bucket of a whole minute let up to twice the limit into
 * one window, and UMAPI answered 429 in the 100k-user bench) and refills continuously. A caller that
 * finds it empty reserves the next token (the level goes below zero) and sleeps until it is due,
 * so concurrent callers queue up in order; when that wait is longer than `maxInlineWaitMs` nothing
 * is reserved and ThrottledError says how long to wait, so the caller can delay its work instead.
 * A reconciliation's request first waits for its lane's token, then takes a shared one; its two
 * waits together stay within `maxInlineWaitMs`, and a wait for the shared one postpones its lane.
 */
import type { Clock } from '../clock.js';
import { ThrottledError } from '../errors.js';
import type { RateLimiter, UmapiFamily } from './port.js';
import { bucketRates, budgetName, DEFAULT_RECONCILE_SHARE, reserve, takeTurn, type BucketLevel, type BucketRate, type BudgetBucket } from './token-bucket.js';

export interface MemoryLimiterDeps {
  readonly clock: Clock;
  readonly perMinute: Readonly<Record<UmapiFamily, number>>;
  readonly maxInlineWaitMs: number;
  /** Requests that may go at once after a quiet spell (default 1). */
  readonly burst?: number;
  /** Share of each minute's budget a reconciliation may use (default 0.8; config `org.rateLimit.reconcileShare`). */
  readonly reconcileShare?: number;
}

interface Bucket {
  readonly rate: BucketRate;
  level: BucketLevel;
}

export function createMemoryLimiter(deps: MemoryLimiterDeps): RateLimiter {
  const start = deps.clock.now();
  const share = deps.reconcileShare ?? DEFAULT_RECONCILE_SHARE;
  const bucketsFor = (perMinute: number): Record<BudgetBucket, Bucket> => {
    const rates = bucketRates(perMinute, share, deps.burst);
    return {
      shared: { rate: rates.shared, level: { tokens: rates.shared.capacity, updatedAt: start } },
      reconcile: { rate: rates.reconcile, level: { tokens: rates.reconcile.capacity, updatedAt: start } },
    };
  };
  const families: Record<UmapiFamily, Record<BudgetBucket, Bucket>> = {
    users: bucketsFor(deps.perMinute.users),
    groups: bucketsFor(deps.perMinute.groups),
  };

  return {
    acquire: (family, lane = 'event', maxWaitMs = deps.maxInlineWaitMs) =>
      takeTurn(lane, families[family].reconcile.rate, maxWaitMs, {
        reserve: async (name, maxWaitMs) => {
          const bucket = families[family][name];
          const { next, waitMs } = reserve(bucket.level, bucket.rate, deps.clock.now());
          if (waitMs > maxWaitMs) throw new ThrottledError('umapi', waitMs, `${budgetName(family, name)} is spent for now; retry in ${Math.ceil(waitMs / 1000)} s`);
          bucket.level = next;
          return waitMs;
        },
        chargeLane: async (tokens) => {
          const laneBucket = families[family].reconcile;
          laneBucket.level = { ...laneBucket.level, tokens: laneBucket.level.tokens - tokens };
        },
        sleep: (ms) => deps.clock.sleep(ms),
      }),
  };
}
