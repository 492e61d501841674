import { describe, expect, it } from 'vitest';
import { bucketRates, laneDelayTokens, levelAt, nextFreeInMs, promisedTurns, reserve } from '../../../lib/ims/token-bucket.js';

const T0 = Date.parse('2026-11-23T10:00:00Z');
// 25 a minute: a shared token every 2,400 ms; share 0.8: a lane token every 3,000 ms.
const rates = bucketRates(25, 0.8);

describe('UMAPI budget arithmetic', () => {
  it('refills the shared bucket at the limit and the reconciliation lane at its share, both one token deep', () => {
    expect(1 / rates.shared.perMs).toBeCloseTo(2_400, 9);
    expect(1 / rates.reconcile.perMs).toBeCloseTo(3_000, 9);
    expect([rates.shared.capacity, rates.reconcile.capacity]).toEqual([1, 1]);
    expect(bucketRates(25, 0.8, 5).shared.capacity).toBe(5);
    expect(bucketRates(25, 0.8, 5).reconcile.capacity).toBe(1);
  });

  it.each([0, -0.5, 1.2, Number.NaN])('refuses a share of %s', (share) => {
    expect(() => bucketRates(25, share)).toThrow(/reconcileShare must be greater than 0 and at most 1/);
  });

  it('gives a token at once from a bucket nobody used, then makes the next caller wait one interval', () => {
    const first = reserve(undefined, rates.shared, T0);
    const second = reserve(first.next, rates.shared, T0);

    expect(first).toEqual({ next: { tokens: 0, updatedAt: T0 }, waitMs: 0 });
    expect(second).toEqual({ next: { tokens: -1, updatedAt: T0 }, waitMs: 2_400 });
  });

  it('queues callers: the level goes below zero by the turns promised, and each waits for its own', () => {
    const promised = { tokens: -2, updatedAt: T0 };

    expect(reserve(promised, rates.shared, T0 + 1_200).waitMs).toBe(6_000);
    expect(promisedTurns(promised, rates.shared, T0 + 1_200)).toBe(2);
    expect(promisedTurns(promised, rates.shared, T0 + 4_800)).toBe(0);
    expect(nextFreeInMs(promised, rates.shared, T0 + 4_800)).toBe(2_400);
  });

  it('refills continuously, never above capacity', () => {
    expect(levelAt({ tokens: -1, updatedAt: T0 }, rates.shared, T0 + 3_600)).toBeCloseTo(0.5, 9);
    expect(levelAt({ tokens: 0, updatedAt: T0 }, rates.shared, T0 + 3_600_000)).toBe(1);
    expect(nextFreeInMs({ tokens: 0, updatedAt: T0 }, rates.shared, T0 + 2_400)).toBe(0);
  });

  it('never moves a bucket backwards when another caller’s clock ran ahead, and counts the wait from this caller’s now', () => {
    const ahead = { tokens: 0, updatedAt: T0 + 500 };

    const taken = reserve(ahead, rates.shared, T0);

    expect(taken.next).toEqual({ tokens: -1, updatedAt: T0 + 500 });
    expect(taken.waitMs).toBe(2_900);
  });

  it('charges the lane the part of a lane interval that the request waited for its shared token', () => {
    expect(laneDelayTokens(rates.reconcile, 1_500)).toBeCloseTo(0.5, 9);
    expect(laneDelayTokens(rates.reconcile, 0)).toBe(0);
  });
});
