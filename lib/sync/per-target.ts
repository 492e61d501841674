/**
 * Run one message's work in every target, each independent of the others: a target claimed as done
 * for this event is skipped (redeliveries, concurrent duplicates), a failure in one target never
 * blocks or repeats another's work, and the message fails only with the failures it has.
 */
import type { TargetOutcome } from './apply-plan.js';
import { IDEMPOTENCY_LEASE_MS, type SyncRuntime, type TargetBinding } from './runtime.js';
import { toTargetFailure, WorkFailedError, type TargetFailure } from './work-errors.js';

export type TargetReport =
  | { readonly targetId: string; readonly status: 'applied'; readonly outcome: TargetOutcome }
  | { readonly targetId: string; readonly status: 'not-concerned' | 'already-done' };

export async function forEachTarget(
  eventId: string,
  rt: Pick<SyncRuntime, 'targets' | 'stores' | 'log'>,
  work: (binding: TargetBinding) => Promise<TargetOutcome | 'not-concerned'>,
  only?: string,
): Promise<TargetReport[]> {
  const reports: TargetReport[] = [];
  const failures: TargetFailure[] = [];
  const bindings = rt.targets.filter((b) => only === undefined || b.config.id === only);
  await Promise.all(
    bindings.map(async (binding) => {
      const targetId = binding.config.id;
      const claim = await rt.stores.idempotency.begin(eventId, targetId, IDEMPOTENCY_LEASE_MS);
      if (claim === 'already-done') {
        reports.push({ targetId, status: 'already-done' });
        return;
      }
      if (claim === 'in-progress') {
        failures.push({ targetId, reason: 'another delivery of this event is being applied', retryable: true });
        return;
      }
      try {
        const outcome = await work(binding);
        if (outcome !== 'not-concerned' && outcome.failed.length > 0) {
          const retryable = outcome.failed.some((f) => f.retryable);
          failures.push({
            targetId,
            reason: `${outcome.failed.length} change(s) failed: ${outcome.failed[0]?.error ?? ''}`,
            retryable,
          });
          await rt.stores.idempotency.release(eventId, targetId);
          return;
        }
        await rt.stores.idempotency.complete(eventId, targetId);
        reports.push(outcome === 'not-concerned' ? { targetId, status: 'not-concerned' } : { targetId, status: 'applied', outcome });
      } catch (error) {
        await rt.stores.idempotency.release(eventId, targetId);
        const failure = toTargetFailure(targetId, error);
        rt.log.warn('target failed', { targetId, reason: failure.reason, retryable: failure.retryable });
        failures.push(failure);
      }
    }),
  );
  if (failures.length > 0) throw new WorkFailedError(failures);
  return reports.sort((a, b) => a.targetId.localeCompare(b.targetId));
}
