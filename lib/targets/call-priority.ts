/**
 * Urgent target calls: those made for removals an event proves (removal first, `lib/sync/user-work.ts`).
 * A target's limiter (`call-limiter.ts`) hands a freed slot to a waiting urgent call before any
 * other, so where one process runs several batches at once against the same instance (the local
 * stack runs the worker's `maximumConcurrency` in one process), a removal does not queue behind the
 * calls of re-checks, additions or a reconciliation's slices. In Lambda each execution environment
 * runs one batch at a time, and a batch applies its removals before anything else.
 *
 * The mark follows the work through every await (AsyncLocalStorage), so the adapters need no
 * parameter for it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const urgency = new AsyncLocalStorage<true>();

/** Run `work` with every target call it makes marked urgent. */
export function asUrgent<T>(work: () => Promise<T>): Promise<T> {
  return urgency.run(true, work);
}

/** Whether the calling work was marked urgent by `asUrgent`. */
export function isUrgent(): boolean {
  return urgency.getStore() === true;
}
