/**
 * The behaviour both UMAPI limiters (in memory, DynamoDB) promise about the two lanes, as one
 * contract each limiter's test file runs: a reconciliation drawing continuously while event reads
 * arrive, in virtual time (test/support/virtual-time.ts).
 *
 * Figures, from the rates: a limit of 25 a minute gives one shared token every 2,400 ms; a share of
 * 0.8 gives the reconciliation one lane token every 3,000 ms (20 a minute), leaving 5 for events.
 */
import { expect, it } from 'vitest';
import type { Clock } from '../../lib/clock.js';
import type { RateLimiter, UmapiLane } from '../../lib/ims/port.js';
import { virtualTime } from './virtual-time.js';

export const LIMIT_PER_MINUTE = 25;
export const RECONCILE_SHARE = 0.8;
export const STEADY_EVENTS_AT = Array.from({ length: 8 }, (_, k) => 1_000 + 15_000 * k + ((k * 1_100) % 3_000));
const SHARED_INTERVAL_MS = 60_000 / LIMIT_PER_MINUTE;
const LANE_INTERVAL_MS = SHARED_INTERVAL_MS / RECONCILE_SHARE;
const PAGES = 40;

export interface Grant {
  readonly lane: UmapiLane;
  readonly askedAt: number;
  readonly grantedAt: number;
}

/**
 * A reconciliation reading `pages` pages one after another, and one event read at each of `eventsAt`
 * (ms from the start). `pagesLane: 'event'` reads the pages as before the lanes, straight from the shared bucket.
 */
export async function race(
  makeLimiter: (clock: Clock) => RateLimiter | Promise<RateLimiter>,
  eventsAt: readonly number[],
  { pages = PAGES, pagesLane = 'reconcile' }: { pages?: number; pagesLane?: UmapiLane } = {},
): Promise<Grant[]> {
  const time = virtualTime();
  const start = time.clock.now();
  const limiter = await makeLimiter(time.clock);
  const grants: Grant[] = [];
  const read = async (lane: UmapiLane, drawnFrom: UmapiLane = lane) => {
    const askedAt = time.clock.now();
    await limiter.acquire('users', drawnFrom);
    grants.push({ lane, askedAt, grantedAt: time.clock.now() });
  };
  const reconciliation = async () => {
    for (let page = 0; page < pages; page += 1) await read('reconcile', pagesLane);
  };
  const event = (at: number) => async () => {
    await time.clock.sleep(start + at - time.clock.now());
    await read('event');
  };
  await time.run([reconciliation, ...eventsAt.map(event)]);
  return grants;
}

/** The most grants in any 60-second window [t, t + 60 s). */
function mostInAMinute(grants: readonly Grant[]): number {
  const times = grants.map((g) => g.grantedAt);
  return Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + 60_000).length));
}

export const ofLane = (grants: readonly Grant[], lane: UmapiLane) => grants.filter((g) => g.lane === lane);

export function laneContract(makeLimiter: (clock: Clock) => RateLimiter | Promise<RateLimiter>): void {
  it('serves an event read within one token interval while a reconciliation draws continuously, and lets the reconciliation finish at its share', async () => {
    // One event about every 15 s (4 a minute, within the 5 kept for events), at varied phases of the reconciliation's rhythm.
    const eventsAt = STEADY_EVENTS_AT;

    const grants = await race(makeLimiter, eventsAt);

    const events = ofLane(grants, 'event');
    const pages = ofLane(grants, 'reconcile');
    expect(events).toHaveLength(eventsAt.length);
    expect(Math.max(...events.map((g) => g.grantedAt - g.askedAt))).toBeLessThanOrEqual(SHARED_INTERVAL_MS);
    expect(mostInAMinute(grants)).toBeLessThanOrEqual(LIMIT_PER_MINUTE);
    expect(mostInAMinute(pages)).toBeLessThanOrEqual(LIMIT_PER_MINUTE * RECONCILE_SHARE);
    // Never faster than its lane; slower by at most one shared interval per event that went first.
    const span = (pages.at(-1)?.grantedAt ?? 0) - (pages[0]?.grantedAt ?? 0);
    expect(span).toBeGreaterThanOrEqual((PAGES - 1) * LANE_INTERVAL_MS);
    expect(span).toBeLessThanOrEqual((PAGES - 1) * LANE_INTERVAL_MS + eventsAt.length * SHARED_INTERVAL_MS);
  });

  it('keeps events and reconciliation together within the limit in every minute when a burst of events exceeds its share', async () => {
    // 12 event reads within 12 ms at 30 s: more than the 5 a minute kept for events.
    const eventsAt = Array.from({ length: 12 }, (_, i) => 30_000 + i);

    const grants = await race(makeLimiter, eventsAt);

    const events = ofLane(grants, 'event').sort((a, b) => a.grantedAt - b.grantedAt);
    expect(mostInAMinute(grants)).toBeLessThanOrEqual(LIMIT_PER_MINUTE);
    expect(mostInAMinute(ofLane(grants, 'reconcile'))).toBeLessThanOrEqual(LIMIT_PER_MINUTE * RECONCILE_SHARE);
    expect(ofLane(grants, 'reconcile')).toHaveLength(PAGES);
    // The i-th event of the burst queues behind the i before it and at most one reconciliation page.
    events.forEach((g, i) => expect(g.grantedAt - g.askedAt, `event ${i}`).toBeLessThanOrEqual((i + 2) * SHARED_INTERVAL_MS));
  });
}
