import { describe, expect, it } from 'vitest';
import type { Clock } from '../../../lib/clock.js';
import { createLimiter } from '../../../lib/targets/campaign/limiter.js';

/** A clock whose sleeps advance time at once, recording each wait. */
const fakeClock = () => {
  let now = 0;
  const sleeps: number[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms) => {
      sleeps.push(ms);
      now += ms;
      return Promise.resolve();
    },
  };
  return { clock, sleeps };
};

describe('Campaign call limiter', () => {
  it('never has more calls in flight than the configured concurrency', async () => {
    const { clock } = fakeClock();
    const limiter = createLimiter({ concurrency: 2, requestsPerSecond: 1000 }, clock);
    let inFlight = 0;
    let peak = 0;
    const task = () =>
      limiter.run(async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
      });

    await Promise.all(Array.from({ length: 7 }, task));

    expect(peak).toBe(2);
  });

  it('spaces call starts by 1000 / requestsPerSecond milliseconds', async () => {
    const { clock, sleeps } = fakeClock();
    const limiter = createLimiter({ concurrency: 10, requestsPerSecond: 4 }, clock);

    await Promise.all([1, 2, 3].map(() => limiter.run(() => Promise.resolve())));

    expect(sleeps).toEqual([250, 250]);
  });
});
