import { describe, expect, it } from 'vitest';
import { fakeClock } from '../support/clock.js';
import { createCallLimiter } from '../../lib/targets/call-limiter.js';
import { asUrgent } from '../../lib/targets/call-priority.js';

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

  it('hands a freed slot to a waiting urgent call before the others, each kind in its order', async () => {
    const { clock } = clockAndSleeps();
    const limiter = createCallLimiter({ concurrency: 1, requestsPerSecond: 1000 }, clock);
    const started: string[] = [];
    let release: () => void = () => undefined;
    const first = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const call = (name: string) => limiter.run(async () => void started.push(name));
    await Promise.resolve();

    const queued = [call('other-1'), asUrgent(() => call('urgent-1')), call('other-2'), asUrgent(() => call('urgent-2'))];
    release();
    await Promise.all([first, ...queued]);

    expect(started).toEqual(['urgent-1', 'urgent-2', 'other-1', 'other-2']);
  });

  it('keeps the mark through awaits inside the urgent work', async () => {
    const { clock } = clockAndSleeps();
    const limiter = createCallLimiter({ concurrency: 1, requestsPerSecond: 1000 }, clock);
    const started: string[] = [];
    let release: () => void = () => undefined;
    const first = limiter.run(() => new Promise<void>((resolve) => (release = resolve)));
    const other = limiter.run(async () => void started.push('other'));
    const urgent = asUrgent(async () => {
      await new Promise((r) => setTimeout(r, 1));
      await limiter.run(async () => void started.push('urgent'));
    });
    await new Promise((r) => setTimeout(r, 5));
    release();
    await Promise.all([first, other, urgent]);

    expect(started).toEqual(['urgent', 'other']);
  });
});
