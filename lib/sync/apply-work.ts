/**
 * The worker's use case: apply work messages, whatever their kind — a whole SQS batch at once.
 *
 * Webhook work about users (deltas, user hints) is coalesced: the batch's removals are applied from
 * their events first, then the rest after one UMAPI read per user, each step with one read, one plan
 * and one write per changed group in each target (`user-work.ts`). Reconciliation slices and group
 * hints are already group-centric and are applied one by one.
 */
import type { HintMessage, ReconcileMessage, WorkMessage } from '../domain/messages.js';
import { applyPlanSlice, sameFact } from './apply-plan.js';
import { applyGroupHint } from './group-work.js';
import { forEachTarget, type WorkReport } from './per-target.js';
import type { SyncRuntime } from './runtime.js';
import { applyUserWork, type MessageResult, type UserMessage } from './user-work.js';
import type { WorkBudget } from './work-budget.js';

export type { WorkReport } from './per-target.js';
export type { MessageResult } from './user-work.js';

/** `budget`: the invocation's time, shared by the batch's records (the worker passes it; the CLI does not). */
export async function applyBatch(messages: readonly WorkMessage[], rt: SyncRuntime, budget?: WorkBudget): Promise<MessageResult[]> {
  const results: (MessageResult | undefined)[] = messages.map(() => undefined);
  const users = messages.flatMap((message, index) => (isUserWork(message) ? [{ message, index }] : []));
  // Users first: their removals are the urgent work.
  const userResults = await applyUserWork(users.map((u) => u.message), rt, budget);
  users.forEach(({ index }, i) => (results[index] = userResults[i]));
  for (const [index, message] of messages.entries()) {
    if (results[index] !== undefined || isUserWork(message)) continue;
    try {
      results[index] = { ok: true, report: await applyOne(message, rt, budget) };
    } catch (error) {
      results[index] = { ok: false, error };
    }
  }
  return results.map((result, index) => result ?? { ok: false, error: new Error(`message ${messages[index]?.id ?? index} was not applied`) });
}

/** One message on its own (the CLI's sync-user, tests): throws what the worker would retry or park. */
export async function applyWork(message: WorkMessage, rt: SyncRuntime, budget?: WorkBudget): Promise<WorkReport> {
  const [result] = await applyBatch([message], rt, budget);
  if (result === undefined || !result.ok) throw result?.error ?? new Error(`message ${message.id} was not applied`);
  return result.report;
}

const isUserWork = (message: WorkMessage): message is UserMessage => message.kind === 'delta' || (message.kind === 'hint' && message.user !== undefined);

async function applyOne(message: Exclude<WorkMessage, UserMessage> | HintMessage, rt: SyncRuntime, budget: WorkBudget | undefined): Promise<WorkReport> {
  if (message.kind === 'reconcile') return applyReconcileSlice(message, rt, budget);
  return applyGroupHint({ ...message, group: message.group ?? '' }, rt, budget);
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
    (binding) => applyPlanSlice(message.slice, [], sameFact(binding, { eventId: message.id, at, cause: `run ${message.runId}` }), rt),
    { only: message.targetId, ...(budget ? { budget } : {}) },
  );
  return { messageId: message.id, targets };
}
