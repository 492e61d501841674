/**
 * Apply a plan made for webhook work (one user, or one group) in one target.
 *
 * A group the plan needed but could not read is `unknown`: the plan rightly removes nothing from it,
 * but the work is not done either. What could be applied is applied, then the target fails as
 * retryable, so the message comes back and the removal is not lost until the next reconciliation.
 */
import type { DesiredMembers } from '../domain/desired.js';
import type { TargetPlan } from '../domain/plan-types.js';
import type { TargetActual } from '../domain/state.js';
import { IncompleteReadError } from '../errors.js';
import { applyPlanSlice, type ApplyContext, type TargetOutcome } from './apply-plan.js';
import { unchangedDecisions } from './decisions.js';
import type { SyncRuntime } from './runtime.js';

export interface PlannedFrom {
  readonly actual: TargetActual;
  readonly desired: DesiredMembers;
  /** The users whose unchanged memberships are recorded as decisions. */
  readonly keys: Iterable<string>;
}

export async function applyEventPlan(
  plan: TargetPlan,
  from: PlannedFrom,
  ctx: ApplyContext,
  rt: Pick<SyncRuntime, 'stores' | 'clock' | 'metrics' | 'log'>,
): Promise<TargetOutcome> {
  const outcome = await applyPlanSlice(plan, plan.deferred, ctx, rt, unchangedDecisions(plan, from.actual, from.desired, from.keys));
  if (plan.unknownGroups.length > 0) {
    throw new IncompleteReadError(
      ctx.binding.config.kind,
      `${ctx.binding.config.id}: could not read ${plan.unknownGroups.join(', ')}; retried so that nothing planned there is lost`,
    );
  }
  return outcome;
}
