import { describe, expect, it } from 'vitest';
import { ThrottledError } from '../../../lib/errors.js';
import { createMemoryLimiter } from '../../../lib/ims/memory-limiter.js';
import { LIMIT_PER_MINUTE, laneContract, RECONCILE_SHARE } from '../../support/budget-lanes.js';
import { fakeClock } from '../../support/clock.js';

describe('in-memory UMAPI rate limiter', () => {
  it('lets the first request go at once, then spaces the next by 60 s / limit', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 25, groups: 5 }, maxInlineWaitMs: 10_000 });

    await limiter.acquire('users');
    expect(clock.sleeps).toEqual([]);
    await limiter.acquire('users');
    await limiter.acquire('users');

    expect(clock.sleeps).toEqual([2_400, 2_400]);
  });

  it('never lets more than the per-minute limit into any 60-second window (default burst 1)', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 25, groups: 5 }, maxInlineWaitMs: 10_000 });
    const sentAt: number[] = [];
    for (let i = 0; i < 60; i += 1) {
      await limiter.acquire('users');
      sentAt.push(clock.now());
    }
    const mostInAWindow = Math.max(...sentAt.map((t) => sentAt.filter((u) => u >= t && u < t + 60_000).length));
    expect(mostInAWindow).toBeLessThanOrEqual(25);
  });

  it('lets one call wait longer than its own in-process wait when the call says so', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 25, groups: 5 }, maxInlineWaitMs: 500 });
    await limiter.acquire('users');

    await expect(limiter.acquire('users')).rejects.toBeInstanceOf(ThrottledError);
    await limiter.acquire('users', 'event', 4_000);
    expect(clock.sleeps).toEqual([2_400]);
  });

  it('keeps families apart', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 25, groups: 1 }, maxInlineWaitMs: 0 });
    await limiter.acquire('groups');

    await expect(limiter.acquire('groups')).rejects.toBeInstanceOf(ThrottledError);
    await expect(limiter.acquire('users')).resolves.toBeUndefined();
  });

  it('queues concurrent callers one interval apart', async () => {
    const clock = fakeClock({ advanceOnSleep: false });
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 1, groups: 1 }, maxInlineWaitMs: 1_000_000 });
    await limiter.acquire('users');

    await Promise.all([limiter.acquire('users'), limiter.acquire('users'), limiter.acquire('users')]);

    expect(clock.sleeps).toEqual([60_000, 120_000, 180_000]);
  });

  it('raises ThrottledError with the wait, and reserves nothing, when the wait is too long to hold', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 6, groups: 5 }, maxInlineWaitMs: 5_000 });
    await limiter.acquire('users');

    const error = await limiter.acquire('users').catch((e: unknown) => e);
    clock.advance(10_000);
    await limiter.acquire('users');

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).system).toBe('umapi');
    expect((error as ThrottledError).retryAfterMs).toBe(10_000);
    expect(clock.sleeps).toEqual([]);
  });

  it('refills continuously, never above its burst', async () => {
    const clock = fakeClock();
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 10, groups: 5 }, maxInlineWaitMs: 0, burst: 10 });
    clock.advance(3_600_000);

    for (let i = 0; i < 10; i += 1) await limiter.acquire('users');
    const eleventh = await limiter.acquire('users').catch((e: unknown) => e);
    clock.advance(6_000);
    await limiter.acquire('users');

    expect(eleventh).toBeInstanceOf(ThrottledError);
    expect(clock.sleeps).toEqual([]);
  });
});

describe('in-memory UMAPI rate limiter: the reconciliation lane', () => {
  laneContract((clock) =>
    createMemoryLimiter({ clock, perMinute: { users: LIMIT_PER_MINUTE, groups: 5 }, reconcileShare: RECONCILE_SHARE, maxInlineWaitMs: 120_000 }),
  );

  it('holds nothing in the shared budget while a reconciliation’s lane token is not due: an event goes at once', async () => {
    const clock = fakeClock({ advanceOnSleep: false });
    // 6 a minute, share 0.5: a shared token every 10 s, a lane token every 20 s.
    const limiter = createMemoryLimiter({ clock, perMinute: { users: 6, groups: 5 }, reconcileShare: 0.5, maxInlineWaitMs: 5_000 });
    await limiter.acquire('users', 'reconcile');
    clock.advance(10_000);

    const tooEarly = await limiter.acquire('users', 'reconcile').catch((e: unknown) => e);
    await limiter.acquire('users');

    expect(tooEarly).toBeInstanceOf(ThrottledError);
    expect((tooEarly as ThrottledError).retryAfterMs).toBe(10_000);
    expect(clock.sleeps).toEqual([]);
  });
});
