import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/clock.js';
import { createCallLimiter } from '../../lib/targets/call-limiter.js';

const clockAndSleeps = () => {
  const clock = fakeClock({ start: 0 });
  return { clock, sleeps: clock.sleeps };
};

describe('target call limiter', () => {
  it('never has more calls in flight than the configured concurrency', async () => {
    const { clock } = clockAndSleeps();
    const limiter = createCallLimiter({ concurrency: 2, requestsPerSecond: 1000 }, clock);
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
    const { clock, sleeps } = clockAndSleeps();
    const limiter = createCallLimiter({ concurrency: 10, requestsPerSecond: 4 }, clock);

    await Promise.all([1, 2, 3].map(() => limiter.run(() => Promise.resolve())));

    expect(sleeps).toEqual([250, 250]);
  });
});
