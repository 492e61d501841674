/**
 * The figures docs/benchmarks.md gives for a full org read under the budget lanes, computed here
 * with the in-memory limiter in virtual time (the DynamoDB limiter runs the same arithmetic and the
 * same lane contract): UMAPI pages of 2,000 users, Adobe's 25 user reads a minute.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../lib/clock.js';
import { createMemoryLimiter } from '../../../lib/ims/memory-limiter.js';
import { ofLane, race, STEADY_EVENTS_AT } from '../../support/budget-lanes.js';

const PAGE_SIZE = 2_000;

const limiterWith = (reconcileShare: number, maxInlineWaitMs: number) => (clock: Clock) =>
  createMemoryLimiter({ clock, perMinute: { users: 25, groups: 5 }, reconcileShare, maxInlineWaitMs });

/** Seconds from the first page to the last, and the longest an event read waited. */
async function orgRead(users: number, reconcileShare: number, eventEveryMs?: number) {
  const pages = Math.ceil(users / PAGE_SIZE);
  const horizonMs = 300_000;
  const eventsAt = eventEveryMs === undefined ? [] : Array.from({ length: Math.floor(horizonMs / eventEveryMs) }, (_, k) => 700 + k * eventEveryMs);
  const grants = await race(limiterWith(reconcileShare, horizonMs), eventsAt, { pages });
  const read = ofLane(grants, 'reconcile');
  const events = ofLane(grants, 'event').filter((g) => g.askedAt <= (read.at(-1)?.grantedAt ?? 0));
  return {
    pages,
    seconds: ((read.at(-1)?.grantedAt ?? 0) - (read[0]?.grantedAt ?? 0)) / 1000,
    longestEventWaitSeconds: Math.max(0, ...events.map((g) => g.grantedAt - g.askedAt)) / 1000,
  };
}

describe('figures of a full org read under the budget lanes (docs/benchmarks.md)', () => {
  it.each([
    [10_000, 5, 9.6, 12],
    [100_000, 50, 117.6, 147],
  ])('%i users: %i pages, %s s with the whole budget, %s s at 80% (20 reads a minute) with no event work', async (users, pages, whole, share) => {
    expect(await orgRead(users, 1)).toEqual({ pages, seconds: whole, longestEventWaitSeconds: 0 });
    expect(await orgRead(users, 0.8)).toEqual({ pages, seconds: share, longestEventWaitSeconds: 0 });
    // (pages − 1) token intervals: the first page goes at once.
    expect(share).toBeCloseTo(((pages - 1) * 60) / (0.8 * 25), 9);
  });

  it.each([
    [10_000, 15.6],
    [100_000, 175.9],
  ])('%i users with events using all of their 20% (one every 12 s): the read takes %s s, no event waits more than one interval (2.4 s)', async (users, seconds) => {
    const read = await orgRead(users, 0.8, 12_000);

    expect(read.seconds).toBeCloseTo(seconds, 6);
    expect(read.longestEventWaitSeconds).toBeLessThanOrEqual(2.4);
  });

  it('an event read waited 4.5 s in the lane contract’s steady case before the lanes (pages straight from the shared bucket), 2.1 s with them', async () => {
    const longestEventWait = async (pagesLane: 'event' | 'reconcile') =>
      Math.max(...ofLane(await race(limiterWith(0.8, 120_000), STEADY_EVENTS_AT, { pagesLane }), 'event').map((g) => g.grantedAt - g.askedAt));

    expect(await longestEventWait('event')).toBe(4_500);
    expect(await longestEventWait('reconcile')).toBe(2_100);
  });
});
