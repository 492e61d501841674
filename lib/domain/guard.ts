/**
 * The removal guard: a reconciliation that would remove too much at once (a broken read, a wrong
 * mask, an emptied profile) is held for an operator instead of applied. Adds and wiring never hurt
 * anyone's access, so they go ahead while removals wait.
 */
import { foldName } from './ims.js';
import type { GuardVerdict, PlanSlice, TargetPlan } from './plan-types.js';
import type { TargetActual } from './state.js';

export interface GuardLimits {
  maxRemovals: number;
  maxRemovalPercent: number;
}

/** Memberships of IMS identities in the known managed groups of the target (`actual.groups` holds only managed groups). */
function managedMembershipsOf(actual: TargetActual): number {
  let count = 0;
  for (const state of actual.groups.values()) {
    if (state.status !== 'known') continue;
    for (const member of state.members) if (actual.identities.get(foldName(member)) === 'ims') count += 1;
  }
  return count;
}

const formatPercent = (value: number): string => String(Math.round(value * 10) / 10);

export function evaluateGuard(plan: TargetPlan, actual: TargetActual, guard: GuardLimits): GuardVerdict {
  const removals = plan.changes.reduce((sum, change) => sum + change.remove.length, 0) + plan.disable.length;
  const managedMemberships = managedMembershipsOf(actual);
  const base = { removals, managedMemberships, maxRemovals: guard.maxRemovals, maxRemovalPercent: guard.maxRemovalPercent };
  if (removals === 0) return { verdict: 'pass', ...base };

  const reasons: string[] = [];
  if (removals > guard.maxRemovals) reasons.push(`${removals} removals exceed guard.maxRemovals ${guard.maxRemovals}`);
  const percent = managedMemberships > 0 ? (removals * 100) / managedMemberships : 0;
  if (managedMemberships > 0 && percent > guard.maxRemovalPercent) {
    reasons.push(
      `${removals} removals are ${formatPercent(percent)}% of ${managedMemberships} managed memberships, above guard.maxRemovalPercent ${guard.maxRemovalPercent}`,
    );
  }
  if (reasons.length === 0) return { verdict: 'pass', ...base };
  return { verdict: 'hold', ...base, reason: `${reasons.join('; ')} for target ${plan.targetId}; approve the run or raise the limit` };
}

/** Split a plan into what may go now (adds, wiring, enable) and what a held guard keeps back (removes, disable). */
export function splitForGuard(plan: TargetPlan): { safe: PlanSlice; risky: PlanSlice } {
  return {
    safe: {
      changes: plan.changes.filter((change) => change.add.length > 0).map((change) => ({ group: change.group, add: change.add, remove: [] })),
      wiring: plan.wiring,
      disable: [],
      enable: plan.enable,
    },
    risky: {
      changes: plan.changes.filter((change) => change.remove.length > 0).map((change) => ({ group: change.group, add: [], remove: change.remove })),
      wiring: [],
      disable: plan.disable,
      enable: [],
    },
  };
}

/** Slice helpers the worker and CLI use: count changes. */
export function sliceSize(slice: PlanSlice): { adds: number; removes: number; wiring: number; disable: number; enable: number } {
  return {
    adds: slice.changes.reduce((sum, change) => sum + change.add.length, 0),
    removes: slice.changes.reduce((sum, change) => sum + change.remove.length, 0),
    wiring: slice.wiring.reduce((sum, wire) => sum + wire.memberOf.length, 0),
    disable: slice.disable.length,
    enable: slice.enable.length,
  };
}

export function isEmptySlice(slice: PlanSlice): boolean {
  const size = sliceSize(slice);
  return size.adds + size.removes + size.wiring + size.disable + size.enable === 0;
}
