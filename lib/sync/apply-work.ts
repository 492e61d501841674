/**
 * The worker's use case: apply one work message, whatever its kind.
 */
import type { ReconcileMessage, WorkMessage } from '../domain/messages.js';
import { applyPlanSlice } from './apply-plan.js';
import { applyGroupHint } from './group-work.js';
import { forEachTarget, type WorkReport } from './per-target.js';
import type { SyncRuntime } from './runtime.js';
import { applyUserWork } from './user-work.js';
import type { WorkBudget } from './work-budget.js';

export type { WorkReport } from './per-target.js';

/** `budget`: the invocation's time, shared by a batch's records (the worker passes it; the CLI does not). */
export async function applyWork(message: WorkMessage, rt: SyncRuntime, budget?: WorkBudget): Promise<WorkReport> {
  switch (message.kind) {
    case 'reconcile':
      return applyReconcileSlice(message, rt, budget);
    case 'hint':
      if (message.user === undefined && message.group !== undefined) return applyGroupHint({ ...message, group: message.group }, rt, budget);
      return applyUserWork(message, rt, budget);
    case 'delta':
      return applyUserWork(message, rt, budget);
  }
}

/** A slice of a reconciliation plan, planned from a snapshot: newer deltas win over it. */
async function applyReconcileSlice(message: ReconcileMessage, rt: SyncRuntime, budget: WorkBudget | undefined): Promise<WorkReport> {
  if (!rt.targets.some((b) => b.config.id === message.targetId)) {
    rt.log.warn('reconciliation slice for a target no longer configured: dropped', { targetId: message.targetId });
    return { messageId: message.id, targets: [] };
  }
  const at = Date.parse(message.snapshotAt);
  const targets = await forEachTarget(
    message.id,
    rt,
    (binding) => applyPlanSlice(message.slice, [], { binding, eventId: message.id, at, cause: `run ${message.runId}` }, rt),
    { only: message.targetId, ...(budget ? { budget } : {}) },
  );
  return { messageId: message.id, targets };
}
