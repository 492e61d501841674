/**
 * The memberships a user-centric plan decided to leave as they are, because the target already
 * agrees with IMS. They are recorded as versions too (`applyPlanSlice`), or an older fact — a
 * reconciliation slice planned before this event — could still undo what this event confirmed.
 */
import type { DesiredMembers } from '../domain/desired.js';
import type { TargetPlan } from '../domain/plan-types.js';
import type { TargetActual } from '../domain/state.js';
import type { Decision } from './apply-plan.js';

export function unchangedDecisions(plan: TargetPlan, actual: TargetActual, desired: DesiredMembers, keys: Iterable<string>): Decision[] {
  const changing = new Set(plan.changes.flatMap((c) => [...c.add, ...c.remove].map((m) => `${c.group.toLowerCase()}|${m}`)));
  const decisions: Decision[] = [];
  for (const key of keys) {
    if (actual.identities.get(key) !== 'ims') continue;
    for (const [groupKey, state] of actual.groups) {
      if (state.status !== 'known' || changing.has(`${groupKey}|${key}`)) continue;
      const present = desired.get(key)?.has(groupKey) === true;
      // Only where the target already agrees: a desired add that was deferred is no decision.
      if (state.members.has(key) === present) decisions.push({ member: key, group: state.name, present });
    }
  }
  return decisions;
}
