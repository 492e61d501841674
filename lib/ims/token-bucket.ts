/**
 * The arithmetic of the UMAPI budget, shared by the DynamoDB limiter, the in-memory limiter and
 * `ims-sync status`: pure, over plain numbers.
 *
 * A bucket refills continuously at `perMs` up to `capacity`. A caller *reserves* a token: the level
 * may go below zero by the turns already promised, and the caller waits until its own turn.
 *
 * Two lanes per endpoint family (issue 8, "A budget lane for events"):
 * - the **shared** bucket, at the full per-minute limit, which every request draws from: it alone
 *   keeps events and reconciliation together within Adobe's per-client limit;
 * - the **reconcile** bucket, at `reconcileShare` × the limit, which a reconciliation's request
 *   draws from first. Only once that token is due does it reserve its shared token, so a
 *   reconciliation never parks reservations far ahead in the shared bucket: event work queues
 *   behind at most one of its requests (one token interval), and keeps the rest of each minute.
 *   When events made that shared token wait, the lane is charged the delay (`laneDelayTokens`).
 */
import type { UmapiFamily, UmapiLane } from './port.js';

/** A bucket's stored level: `tokens` at `updatedAt` (epoch ms). Negative: turns already promised. */
export interface BucketLevel {
  readonly tokens: number;
  readonly updatedAt: number;
}

export interface BucketRate {
  /** Tokens added per millisecond. */
  readonly perMs: number;
  /** Most tokens held after a quiet spell. */
  readonly capacity: number;
}

/** The buckets one request of a lane draws from, in order. */
export type BudgetBucket = 'reconcile' | 'shared';

/** A reconciliation may use 80% of each minute's budget; 20% is kept for event work. */
export const DEFAULT_RECONCILE_SHARE = 0.8;

/** The rate of each bucket of one family. `burst` sizes the shared bucket (default 1); the reconcile lane never bursts. */
export function bucketRates(perMinute: number, reconcileShare: number, burst = 1): Record<BudgetBucket, BucketRate> {
  if (!(perMinute > 0)) throw new RangeError(`perMinute must be positive, got ${perMinute}`);
  if (!(reconcileShare > 0 && reconcileShare <= 1)) throw new RangeError(`reconcileShare must be greater than 0 and at most 1, got ${reconcileShare}`);
  if (!(burst >= 1)) throw new RangeError(`burst must be at least 1, got ${burst}`);
  const perMs = perMinute / 60_000;
  return { shared: { perMs, capacity: burst }, reconcile: { perMs: perMs * reconcileShare, capacity: 1 } };
}

/**
 * The tokens to take from the reconcile lane when a reconciliation's request, its lane token due,
 * still waited `sharedWaitMs` for its shared token (an event went first): its lane's next token is
 * then due one lane interval after the request actually went, so a reconciliation stays within its
 * share in every 60-second window of the requests it sent, not only of its lane tokens.
 */
export function laneDelayTokens(rate: BucketRate, sharedWaitMs: number): number {
  return Math.max(0, sharedWaitMs) * rate.perMs;
}

/** The level at `at`; a bucket never created is full. Time before `updatedAt` (another clock running ahead) adds nothing. */
export function levelAt(level: BucketLevel | undefined, rate: BucketRate, at: number): number {
  if (level === undefined) return rate.capacity;
  return Math.min(rate.capacity, level.tokens + Math.max(0, at - level.updatedAt) * rate.perMs);
}

export interface Reservation {
  /** The level to store. */
  readonly next: BucketLevel;
  /** How long the caller waits, from `now`, for its turn. */
  readonly waitMs: number;
}

/**
 * Take one token at `now`. Another caller's clock may run slightly ahead: time never moves a
 * bucket backwards, and the wait then counts from this caller's `now`.
 */
export function reserve(level: BucketLevel | undefined, rate: BucketRate, now: number): Reservation {
  const at = Math.max(now, level?.updatedAt ?? now);
  const remaining = levelAt(level, rate, at) - 1;
  const waitMs = remaining >= 0 ? 0 : Math.ceil(-remaining / rate.perMs) + (at - now);
  return { next: { tokens: remaining, updatedAt: at }, waitMs };
}

/** How long, from `now`, a new caller would wait for a token (0: a token is free now). */
export function nextFreeInMs(level: BucketLevel | undefined, rate: BucketRate, now: number): number {
  return reserve(level, rate, now).waitMs;
}

/** Turns promised to callers still waiting at `now` (whole requests). */
export function promisedTurns(level: BucketLevel | undefined, rate: BucketRate, now: number): number {
  return Math.max(0, Math.ceil(-levelAt(level, rate, Math.max(now, level?.updatedAt ?? now)) - 1e-9));
}

/** How one limiter reads and writes its buckets, for `takeTurn`. */
export interface BucketSteps {
  /** Reserves one token of `bucket` and answers the wait for it; raises ThrottledError, reserving nothing, past `maxWaitMs`. */
  reserve(bucket: BudgetBucket, maxWaitMs: number): Promise<number>;
  /** Takes `tokens` more from the reconcile lane (see `laneDelayTokens`). */
  chargeLane(tokens: number): Promise<void>;
  sleep(ms: number): Promise<void>;
}

/**
 * One request's turn, the same for every limiter: a reconciliation's request waits for its lane
 * token first and only then reserves its shared one, both waits together within `maxInlineWaitMs`;
 * an event's request reserves its shared token at once.
 */
export async function takeTurn(lane: UmapiLane, laneRate: BucketRate, maxInlineWaitMs: number, steps: BucketSteps): Promise<void> {
  let inlineLeftMs = maxInlineWaitMs;
  if (lane === 'reconcile') {
    const laneWaitMs = await steps.reserve('reconcile', inlineLeftMs);
    if (laneWaitMs > 0) await steps.sleep(laneWaitMs);
    inlineLeftMs -= laneWaitMs;
  }
  const sharedWaitMs = await steps.reserve('shared', inlineLeftMs);
  if (lane === 'reconcile' && sharedWaitMs > 0) await steps.chargeLane(laneDelayTokens(laneRate, sharedWaitMs));
  if (sharedWaitMs > 0) await steps.sleep(sharedWaitMs);
}

/** A bucket's name in messages. */
export const budgetName = (family: UmapiFamily, bucket: BudgetBucket): string =>
  bucket === 'reconcile' ? `the reconciliation's share of the umapi ${family} budget` : `the umapi ${family} budget`;
