/**
 * A target's `limits` (config `targets[].limits`), for every adapter: at most `concurrency` calls in
 * flight and call starts spaced by `1000 / requestsPerSecond` ms, so one sync never floods an instance.
 * A freed slot goes to the longest-waiting urgent call first (`call-priority.ts`), then to the
 * longest-waiting other one.
 */
import type { Clock } from '../clock.js';
import { isUrgent } from './call-priority.js';

export interface CallLimiter {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createCallLimiter(limits: { concurrency: number; requestsPerSecond: number }, clock: Clock): CallLimiter {
  const spacingMs = 1000 / limits.requestsPerSecond;
  let inFlight = 0;
  const waiting = { urgent: [] as (() => void)[], other: [] as (() => void)[] };
  let nextStartAt = 0;

  const acquire = async (): Promise<void> => {
    // A released slot is handed to the next waiter directly, so a newcomer cannot overtake it.
    if (inFlight >= limits.concurrency) await new Promise<void>((resolve) => (isUrgent() ? waiting.urgent : waiting.other).push(resolve));
    else inFlight += 1;
    const now = clock.now();
    const startAt = Math.max(now, nextStartAt);
    nextStartAt = startAt + spacingMs;
    if (startAt > now) await clock.sleep(startAt - now);
  };

  const release = (): void => {
    const next = waiting.urgent.shift() ?? waiting.other.shift();
    if (next) next();
    else inFlight -= 1;
  };

  return {
    async run(task) {
      await acquire();
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
