/**
 * The actual state of a target after a plan slice is applied, as a perfect adapter would leave it.
 * Pure; for tests, dry-run and property tests. Writes to a group that is missing or unknown change
 * nothing here (what really happened there is not known until the next read). Disabling and
 * enabling are not part of TargetActual, so they change nothing either.
 */
import { foldName } from './ims.js';
import type { PlanSlice } from './plan-types.js';
import type { GroupState, TargetActual } from './state.js';

export function applySlice(actual: TargetActual, slice: PlanSlice): TargetActual {
  const groups = new Map<string, GroupState>(actual.groups);
  for (const change of slice.changes) {
    const key = foldName(change.group);
    const state = groups.get(key);
    if (state?.status !== 'known') continue;
    const members = new Set(state.members);
    for (const member of change.add) members.add(foldName(member));
    for (const member of change.remove) members.delete(foldName(member));
    groups.set(key, { ...state, members });
  }
  for (const wire of slice.wiring) {
    const key = foldName(wire.group);
    const state = groups.get(key);
    if (state?.status !== 'known') continue;
    groups.set(key, { ...state, memberOf: new Set([...state.memberOf, ...wire.memberOf.map(foldName)]) });
  }
  return { targetId: actual.targetId, groups, identities: actual.identities };
}
