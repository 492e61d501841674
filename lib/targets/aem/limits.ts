/**
 * The two request limits of `config.limits` that are not per call: pacing (requests per second,
 * timed by the injected clock) and a concurrency cap for parallel group reads and writes.
 */
import type { Clock } from '../../clock.js';

/** Spaces requests evenly: each takes the next free slot, `1000 / requestsPerSecond` ms apart. */
export class Pacer {
  private nextSlot = 0;
  private readonly intervalMs: number;

  constructor(
    private readonly clock: Clock,
    requestsPerSecond: number,
  ) {
    this.intervalMs = 1000 / requestsPerSecond;
  }

  async take(): Promise<void> {
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.intervalMs;
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

/** Map with at most `limit` calls of `fn` in flight; results keep the order of `items`. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  const queue = items.map((item, index) => ({ item, index }));
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      results[next.index] = await fn(next.item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
