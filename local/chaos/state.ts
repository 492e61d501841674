/**
 * What a target holds, read from the simulators' own state (their snapshots), in the shape the
 * reference compares: folded user id → folded managed groups. Plus the memberships that are not
 * the sync's to change (local identities, unmanaged groups, AEM-provided groups), to compare the
 * start with the end.
 */
import type { FixtureCampaignInstance } from '../fixtures/types.js';
import type { AemSnapshot } from '../simulators/aem/index.js';
import type { ReferenceTarget, TargetState } from './reference.js';

const fold = (name: string): string => name.toLowerCase();

export type AemLike = Pick<AemSnapshot, 'users' | 'groups'> | { users: { id: string; ims: boolean }[]; groups: { id: string; ims: boolean; members: string[] }[] };

export function aemState(target: ReferenceTarget, snapshot: AemLike): TargetState {
  const state: TargetState = new Map();
  const imsUsers = new Set(snapshot.users.filter((u) => u.ims).map((u) => fold(u.id)));
  for (const group of snapshot.groups) {
    if (!target.groups.has(fold(group.id))) continue;
    for (const member of group.members) {
      const key = fold(member);
      if (!imsUsers.has(key)) continue;
      let groups = state.get(key);
      if (!groups) state.set(key, (groups = new Set()));
      groups.add(fold(group.id));
    }
  }
  return state;
}

export function campaignState(target: ReferenceTarget, snapshot: FixtureCampaignInstance): TargetState {
  const state: TargetState = new Map();
  const imsOperators = new Set(snapshot.operators.filter((o) => o.ims).map((o) => fold(o.name)));
  for (const { operator, group } of snapshot.memberships) {
    const key = fold(operator);
    if (!imsOperators.has(key) || !target.groups.has(fold(group))) continue;
    let groups = state.get(key);
    if (!groups) state.set(key, (groups = new Set()));
    groups.add(fold(group));
  }
  return state;
}

/**
 * Memberships the sync must never change, as "group ← member" lines: AEM, every membership of a
 * local user, of an unmanaged group, or of an AEM-provided group; Campaign, every membership of a
 * local operator or of an unmanaged operator group.
 */
export function untouchables(target: ReferenceTarget, snapshot: AemLike | FixtureCampaignInstance): Set<string> {
  const lines = new Set<string>();
  if ('groups' in snapshot && 'users' in snapshot) {
    const ims = new Set(snapshot.users.filter((u) => u.ims).map((u) => fold(u.id)));
    const groupIds = new Set(snapshot.groups.map((g) => fold(g.id)));
    for (const group of snapshot.groups) {
      const managed = target.groups.has(fold(group.id));
      for (const member of group.members) {
        const isGroup = groupIds.has(fold(member));
        // Wiring (a managed IMS group inside an AEM-provided one) is the sync's; anything else in an unmanaged group is not.
        if (!managed && !isGroup) lines.add(`${group.id} ← ${member}`);
        if (managed && !isGroup && !ims.has(fold(member))) lines.add(`${group.id} ← ${member}`);
      }
    }
    return lines;
  }
  const campaign = snapshot as FixtureCampaignInstance;
  const ims = new Set(campaign.operators.filter((o) => o.ims).map((o) => fold(o.name)));
  for (const { operator, group } of campaign.memberships) {
    if (!target.groups.has(fold(group)) || !ims.has(fold(operator))) lines.add(`${group} ← ${operator}`);
  }
  return lines;
}
