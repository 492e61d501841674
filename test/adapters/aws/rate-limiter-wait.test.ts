import { describe, expect, it } from 'vitest';
import { createDynamoRateLimiter, type BudgetWait } from '../../../lib/aws/rate-limiter.js';
import { manualClock, uniqueId, useEmulators } from './emulated.js';

describe('shared UMAPI rate limiter: telling a waiting caller (dynalite)', () => {
  const aws = useEmulators();

  it('tells onWait the family, the wait and the rate before each in-process wait, and nothing when a request goes at once', async () => {
    const clock = manualClock();
    const waits: BudgetWait[] = [];
    const limiter = createDynamoRateLimiter(aws.clients.table, clock, {
      clientId: uniqueId('client'),
      perMinute: { users: 6, groups: 60 },
      maxInlineWaitMs: 25_000,
      onWait: (wait) => waits.push(wait),
    });

    await limiter.acquire('users');
    expect(waits).toEqual([]);
    await limiter.acquire('users');

    expect(waits).toEqual([{ family: 'users', waitMs: 10_000, perMinute: 6 }]);
    expect(clock.sleeps).toEqual([10_000]);
  });
});
