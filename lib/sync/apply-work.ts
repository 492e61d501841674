/**
 * The worker's use case: apply one work message, whatever its kind.
 */
import type { ReconcileMessage, WorkMessage } from '../domain/messages.js';
import { applyPlanSlice } from './apply-plan.js';
import { applyGroupHint } from './group-work.js';
import { forEachTarget, type WorkReport } from './per-target.js';
import type { SyncRuntime } from './runtime.js';
import { applyUserWork } from './user-work.js';

export type { WorkReport } from './per-target.js';

export async function applyWork(message: WorkMessage, rt: SyncRuntime): Promise<WorkReport> {
  switch (message.kind) {
    case 'reconcile':
      return applyReconcileSlice(message, rt);
    case 'hint':
      if (message.user === undefined && message.group !== undefined) return applyGroupHint({ ...message, group: message.group }, rt);
      return applyUserWork(message, rt);
    case 'delta':
      return applyUserWork(message, rt);
  }
}

/** A slice of a reconciliation plan, planned from a snapshot: newer deltas win over it. */
async function applyReconcileSlice(message: ReconcileMessage, rt: SyncRuntime): Promise<WorkReport> {
  if (!rt.targets.some((b) => b.config.id === message.targetId)) {
    rt.log.warn('reconciliation slice for a target no longer configured: dropped', { targetId: message.targetId });
    return { messageId: message.id, targets: [] };
  }
  const at = Date.parse(message.snapshotAt);
  const targets = await forEachTarget(
    message.id,
    rt,
    (binding) => applyPlanSlice(message.slice, [], { binding, eventId: message.id, at, cause: `run ${message.runId}` }, rt),
    message.targetId,
  );
  return { messageId: message.id, targets };
}
