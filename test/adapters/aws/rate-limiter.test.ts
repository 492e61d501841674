import { describe, expect, it } from 'vitest';
import { createDynamoRateLimiter, readRateBuckets, type DynamoRateLimiterOptions } from '../../../lib/aws/rate-limiter.js';
import { ThrottledError } from '../../../lib/errors.js';
import { LIMIT_PER_MINUTE, laneContract, RECONCILE_SHARE } from '../../support/budget-lanes.js';
import { fakeClock } from '../../support/clock.js';
import { manualClock, uniqueId, useEmulators } from './emulated.js';

/** A clock frozen in time: sleeps are recorded, not waited, as if the callers ran at once. */
const frozenClock = (start = Date.UTC(2026, 10, 23, 12)) => fakeClock({ start, advanceOnSleep: false });

describe('shared UMAPI rate limiter (dynalite)', () => {
  const aws = useEmulators();

  // 6 a minute: one every 10 s.
  const options = (overrides: Partial<DynamoRateLimiterOptions> = {}): DynamoRateLimiterOptions => ({
    clientId: uniqueId('client'),
    perMinute: { users: 6, groups: 60 },
    maxInlineWaitMs: 25_000,
    ...overrides,
  });

  it('lets the first request go at once, then spaces requests by the refill rate', async () => {
    const clock = manualClock();
    const limiter = createDynamoRateLimiter(aws.clients.table, clock, options());
    const start = clock.now();

    await limiter.acquire('users');
    const afterFirst = clock.now() - start;
    await limiter.acquire('users');
    await limiter.acquire('users');

    expect(afterFirst).toBe(0);
    expect(clock.sleeps).toEqual([10_000, 10_000]);
    expect(clock.now() - start).toBe(20_000);
  });

  it('lets one call wait longer than its own in-process wait when the call says so', async () => {
    const clock = manualClock();
    const limiter = createDynamoRateLimiter(aws.clients.table, clock, options({ maxInlineWaitMs: 1_000 }));
    await limiter.acquire('users');

    await expect(limiter.acquire('users')).rejects.toBeInstanceOf(ThrottledError);
    await limiter.acquire('users', 'event', 15_000);
    expect(clock.sleeps).toEqual([10_000]);
  });

  it('shows its buckets as they stand, for the operator’s status', async () => {
    const clock = frozenClock();
    const settings = options();
    const limiter = createDynamoRateLimiter(aws.clients.table, clock, settings);
    expect(await readRateBuckets(aws.clients.table, settings.clientId)).toEqual([]);

    await limiter.acquire('users', 'reconcile');
    await limiter.acquire('users');

    expect(await readRateBuckets(aws.clients.table, settings.clientId)).toEqual([
      { family: 'users', bucket: 'shared', tokens: -1, updatedAt: clock.now() },
      { family: 'users', bucket: 'reconcile', tokens: 0, updatedAt: clock.now() },
    ]);
  });

  it('raises ThrottledError with the wait when the wait is too long to hold in-process, without spending a token', async () => {
    const clock = frozenClock();
    const limiter = createDynamoRateLimiter(aws.clients.table, clock, options({ maxInlineWaitMs: 15_000 }));
    await limiter.acquire('users');
    await limiter.acquire('users');

    const third = limiter.acquire('users');

    await expect(third).rejects.toBeInstanceOf(ThrottledError);
    await expect(third).rejects.toMatchObject({ system: 'umapi', retryAfterMs: 20_000 });
    clock.advance(10_000);
    await limiter.acquire('users');
    expect(clock.sleeps).toEqual([10_000, 10_000]);
  });

  it('shares one bucket between limiter instances (two Lambdas), per client id and family', async () => {
    const shared = options();
    const clock = frozenClock();
    const lambdaA = createDynamoRateLimiter(aws.clients.table, clock, shared);
    const lambdaB = createDynamoRateLimiter(aws.clients.table, clock, shared);
    const otherClient = createDynamoRateLimiter(aws.clients.table, clock, { ...shared, clientId: uniqueId('client') });

    await lambdaA.acquire('users');
    await lambdaB.acquire('users');
    await lambdaB.acquire('groups');
    await otherClient.acquire('users');

    expect(clock.sleeps).toEqual([10_000]);
  });

  it('never hands one token to two concurrent callers', async () => {
    const shared = options({ maxInlineWaitMs: 60_000 });
    const clock = frozenClock();
    const limiters = [createDynamoRateLimiter(aws.clients.table, clock, shared), createDynamoRateLimiter(aws.clients.table, clock, shared)];

    await Promise.all(Array.from({ length: 5 }, (_, i) => limiters[i % 2]?.acquire('users')));

    expect([...clock.sleeps].sort((a, b) => a - b)).toEqual([10_000, 20_000, 30_000, 40_000]);
  });

  describe('the reconciliation lane', () => {
    laneContract((clock) =>
      createDynamoRateLimiter(aws.clients.table, clock, options({ perMinute: { users: LIMIT_PER_MINUTE, groups: 5 }, reconcileShare: RECONCILE_SHARE, maxInlineWaitMs: 120_000 })),
    );

    it('reserves nothing in the shared bucket while a reconciliation’s lane token is not due, so an event goes at once', async () => {
      const clock = frozenClock();
      // 6 a minute, share 0.5: a shared token every 10 s, a lane token every 20 s.
      const settings = options({ reconcileShare: 0.5, maxInlineWaitMs: 5_000 });
      const limiter = createDynamoRateLimiter(aws.clients.table, clock, settings);
      await limiter.acquire('users', 'reconcile');
      clock.advance(10_000);

      const tooEarly = limiter.acquire('users', 'reconcile');

      await expect(tooEarly).rejects.toMatchObject({ system: 'umapi', retryAfterMs: 10_000 });
      await expect(tooEarly).rejects.toThrow(/reconciliation's share of the umapi users budget/);
      await limiter.acquire('users');
      expect(clock.sleeps).toEqual([]);
      expect(await readRateBuckets(aws.clients.table, settings.clientId)).toEqual([
        { family: 'users', bucket: 'shared', tokens: 0, updatedAt: clock.now() },
        { family: 'users', bucket: 'reconcile', tokens: 0, updatedAt: clock.now() - 10_000 },
      ]);
    });

    it('postpones the lane by the wait when an event took the shared token first', async () => {
      const clock = frozenClock();
      const settings = options({ reconcileShare: 0.5 });
      const limiter = createDynamoRateLimiter(aws.clients.table, clock, settings);

      await limiter.acquire('users');
      await limiter.acquire('users', 'reconcile');

      // The lane token was free, the shared one 10 s away: the lane owes those 10 s (half a lane token).
      expect(clock.sleeps).toEqual([10_000]);
      expect(await readRateBuckets(aws.clients.table, settings.clientId)).toContainEqual({ family: 'users', bucket: 'reconcile', tokens: -0.5, updatedAt: clock.now() });
    });
  });
});
