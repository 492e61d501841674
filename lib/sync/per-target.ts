/**
 * Run one message's work in every target, each independent of the others: a target claimed as done
 * for this event is skipped (redeliveries, concurrent duplicates), a failure in one target never
 * blocks or repeats another's work, and the message fails only with the failures it has.
 */
import type { TargetOutcome } from './apply-plan.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';
import { failureOfChanges, toTargetFailure, WorkFailedError, type TargetFailure } from './work-errors.js';
import { claimLeaseMs, withinBudget, type WorkBudget } from './work-budget.js';

export type TargetReport =
  | { readonly targetId: string; readonly status: 'applied'; readonly outcome: TargetOutcome }
  | { readonly targetId: string; readonly status: 'not-concerned' | 'already-done' };

/** What one work message did, per target. */
export interface WorkReport {
  readonly messageId: string;
  readonly targets: readonly TargetReport[];
}

export interface TargetScope {
  /** Only this target (a reconciliation slice). */
  readonly only?: string;
  /** The invocation's time, shared with the batch's other records (the worker's). */
  readonly budget?: WorkBudget;
}

export async function forEachTarget(
  eventId: string,
  rt: Pick<SyncRuntime, 'targets' | 'stores' | 'log' | 'clock'>,
  work: (binding: TargetBinding) => Promise<TargetOutcome | 'not-concerned'>,
  scope: TargetScope = {},
): Promise<TargetReport[]> {
  const { only, budget } = scope;
  const reports: TargetReport[] = [];
  const failures: TargetFailure[] = [];
  const bindings = rt.targets.filter((b) => only === undefined || b.config.id === only);
  await Promise.all(
    bindings.map(async (binding) => {
      const targetId = binding.config.id;
      try {
        const report = await workOnTarget(binding);
        if (report !== undefined) reports.push(report);
      } catch (error) {
        // A store failure (claim, complete, release) fails this target alone, never the others mid-way.
        failures.push(toTargetFailure(targetId, error));
      }
    }),
  );

  async function workOnTarget(binding: TargetBinding): Promise<TargetReport | undefined> {
    const targetId = binding.config.id;
    const claim = await rt.stores.idempotency.begin(eventId, targetId, claimLeaseMs(budget, rt.clock.now()));
    if (claim === 'already-done') return { targetId, status: 'already-done' };
    if (claim === 'in-progress') {
      failures.push({ targetId, reason: 'another delivery of this event is being applied', retryable: true });
      return undefined;
    }
    let outcome: TargetOutcome | 'not-concerned';
    try {
      outcome = await withinBudget(budget, targetId, binding.config.kind, rt.clock.now(), () => work(binding));
    } catch (error) {
      await rt.stores.idempotency.release(eventId, targetId);
      const failure = toTargetFailure(targetId, error);
      rt.log.warn('target failed', { targetId, reason: failure.reason, retryable: failure.retryable });
      failures.push(failure);
      return undefined;
    }
    if (outcome !== 'not-concerned' && outcome.failed.length > 0) {
      failures.push(failureOfChanges(targetId, outcome.failed));
      await rt.stores.idempotency.release(eventId, targetId);
      return undefined;
    }
    await rt.stores.idempotency.complete([eventId], targetId);
    return outcome === 'not-concerned' ? { targetId, status: 'not-concerned' } : { targetId, status: 'applied', outcome };
  }
  if (failures.length > 0) throw new WorkFailedError(failures);
  return reports.sort((a, b) => a.targetId.localeCompare(b.targetId));
}
