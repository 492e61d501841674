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
