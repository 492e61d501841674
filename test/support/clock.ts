import type { Clock } from '../../lib/clock.js';

/**
 * A clock that only moves when told to (`advance`) or when someone sleeps on it, recording every
 * sleep. With `advanceOnSleep: false` sleeps are only recorded, as for concurrent sleepers.
 */
export function fakeClock(options: { start?: number; advanceOnSleep?: boolean } = {}): Clock & { advance(ms: number): void; sleeps: number[] } {
  let now = options.start ?? Date.parse('2026-11-23T10:00:00Z');
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
