import type { Clock } from '../../../lib/clock.js';

/**
 * A clock that only moves when told to. By default a sleep moves it too (one sleeper at a time);
 * with `advanceOnSleep: false` sleeps are only recorded, as for concurrent sleepers.
 */
export function fakeClock(options: { start?: number; advanceOnSleep?: boolean } = {}): Clock & { advance(ms: number): void; sleeps: number[] } {
  let now = options.start ?? 0;
  const sleeps: number[] = [];
  return {
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      if (options.advanceOnSleep ?? true) now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
    sleeps,
  };
}
