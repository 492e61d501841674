import type { Clock } from '../../lib/clock.js';

/**
 * Virtual time for concurrent actors. `sleep` parks its caller until the clock reaches its wake-up
 * time; the clock moves only when every running actor is asleep, so real I/O (dynalite) finishes
 * first and the race is decided by the code under test, not by how fast the machine is. Sleepers
 * wake in time order, ties in the order they fell asleep.
 */
export function virtualTime(start = Date.parse('2026-11-23T10:00:00Z')) {
  let now = start;
  let order = 0;
  const timers: { at: number; order: number; wake: () => void }[] = [];
  const clock: Clock = {
    now: () => now,
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        timers.push({ at: now + Math.max(0, ms), order: (order += 1), wake: resolve });
      }),
  };

  /** Runs the actors to their end; the first failure fails the run. */
  async function run(actors: readonly (() => Promise<void>)[]): Promise<void> {
    let running = actors.length;
    const failures: unknown[] = [];
    for (const actor of actors) {
      void actor()
        .catch((error: unknown) => void failures.push(error))
        .finally(() => (running -= 1));
    }
    while (running > 0 && failures.length === 0) {
      if (timers.length === running) {
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers.shift();
        if (next) {
          now = Math.max(now, next.at);
          next.wake();
        }
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (failures.length > 0) throw failures[0];
  }

  return { clock, run };
}
