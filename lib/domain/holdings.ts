/**
 * Who holds which group of a target, and through which IMS path: the identity half of the access
 * review. Pure over the reads of a reconciliation (IMS users, managed groups, desired and actual
 * state) plus the IMS identities' direct memberships in unmanaged groups.
 */
import { effectiveGroups, userKeyOf } from './access.js';
import type { FindingsInput } from './findings.js';
import { foldName, isAdminRoleGroup, type ImsUser } from './ims.js';
import { compiledPattern, type ManagedGroups } from './managed.js';
import { captureInternalName } from './patterns.js';

/**
 * in-sync: held, as IMS says; pending-add / pending-remove: the next write changes it; deferred: IMS
 * grants it but the user or group is not in the target yet; unknown: the group could not be read;
 * untouched: a local identity in a managed group; direct: an unmanaged group held directly.
 */
export type HoldingStatus = 'in-sync' | 'pending-add' | 'pending-remove' | 'deferred' | 'unknown' | 'untouched' | 'direct';

export interface Holding {
  readonly group: string;
  readonly managed: boolean;
  readonly status: HoldingStatus;
  /** For a group IMS grants: product profile → IMS user group → group (AEM), or profile → group (Campaign). */
  readonly path?: string;
}

/** `direct-only`: no managed group, only unmanaged groups held directly (see the findings). */
export type IdentityStatus = 'in-sync' | 'pending' | 'deferred' | 'unknown' | 'untouched' | 'direct-only';

export interface IdentityHoldings {
  readonly key: string;
  readonly kind: 'ims' | 'local';
  readonly status: IdentityStatus;
  readonly groups: readonly Holding[];
}

/** The reads of the findings, plus the managed groups (their order and spelling). */
export type HoldingsInput = Pick<FindingsInput, 'target' | 'users' | 'desired' | 'actual' | 'direct'> & { readonly managed: ManagedGroups };

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Every identity that holds, or is owed, a managed group, or holds an unmanaged group directly; sorted by key. */
export function holdingsOf(input: HoldingsInput): IdentityHoldings[] {
  const { managed, desired, actual } = input;
  const rows = new Map<string, Holding[]>();
  const add = (key: string, holding: Holding): void => {
    const list = rows.get(key) ?? [];
    list.push(holding);
    rows.set(key, list);
  };
  const pathOf = grantPaths(input);

  for (const [groupKey, group] of managed) {
    const state = actual.groups.get(groupKey);
    const name = state?.status === 'known' ? state.name : group.name;
    const members = state?.status === 'known' ? new Set([...state.members].map(foldName)) : new Set<string>();
    const granted = (status: HoldingStatus) => (key: string) => add(key, { group: name, managed: true, status, ...withPath(pathOf(key, groupKey)) });
    for (const member of members) {
      const kind = actual.identities.get(member);
      if (kind === 'local') add(member, { group: name, managed: true, status: 'untouched' });
      else if (kind === 'ims') (desired.get(member)?.has(groupKey) ? granted('in-sync') : granted('pending-remove'))(member);
    }
    for (const [key, groups] of desired) {
      if (!groups.has(groupKey) || members.has(key)) continue;
      const kind = actual.identities.get(key);
      if (kind === 'local') continue;
      const status: HoldingStatus = state === undefined || state.status === 'unknown' ? 'unknown' : kind === 'ims' && state.status === 'known' ? 'pending-add' : 'deferred';
      granted(status)(key);
    }
  }
  for (const [key, groups] of input.direct?.byUser ?? []) for (const group of groups) add(key, { group, managed: false, status: 'direct' });

  return [...rows.entries()]
    .sort(([a], [b]) => byText(a, b))
    .map(([key, groups]) => {
      const kind = actual.identities.get(key) === 'local' ? ('local' as const) : ('ims' as const);
      return { key, kind, status: identityStatus(groups), groups: groups.sort((a, b) => byText(foldName(a.group), foldName(b.group))) };
    });
}

const withPath = (path: string | undefined): { path?: string } => (path === undefined ? {} : { path });

function identityStatus(groups: readonly Holding[]): IdentityStatus {
  const managed = groups.filter((g) => g.managed);
  if (managed.length === 0) return 'direct-only';
  if (managed.some((g) => g.status === 'pending-add' || g.status === 'pending-remove')) return 'pending';
  if (managed.some((g) => g.status === 'unknown')) return 'unknown';
  if (managed.every((g) => g.status === 'untouched')) return 'untouched';
  if (managed.every((g) => g.status === 'deferred')) return 'deferred';
  return 'in-sync';
}

/** The IMS path that grants a managed group to a user, by (folded user key, folded group). */
function grantPaths(input: HoldingsInput): (key: string, groupKey: string) => string | undefined {
  const { target } = input;
  const byKey = new Map<string, ImsUser[]>();
  for (const user of input.users) {
    const key = userKeyOf(user, target);
    if (key !== undefined) byKey.set(key, [...(byKey.get(key) ?? []), user]);
  }
  return (key, groupKey) => {
    for (const user of byKey.get(key) ?? []) {
      const path = target.kind === 'aem' ? aemPath(user, target.productProfiles, groupKey) : campaignPath(user, target.associationMask, groupKey);
      if (path !== undefined) return path;
    }
    return undefined;
  };
}

/** The instance's profile the user holds → the IMS user group named like the managed group → the group. */
function aemPath(user: ImsUser, profiles: readonly string[], groupKey: string): string | undefined {
  const held = effectiveGroups(user);
  const profile = profiles.find((p) => held.has(foldName(p)));
  const userGroup = user.groups.find((g) => !isAdminRoleGroup(g) && foldName(g) === groupKey);
  return profile === undefined || userGroup === undefined ? undefined : `${profile} → ${userGroup} → ${userGroup}`;
}

/** The product profile the association mask maps to the operator group → the group. */
function campaignPath(user: ImsUser, mask: string, groupKey: string): string | undefined {
  const regex = compiledPattern(mask);
  for (const profile of user.groups) {
    if (isAdminRoleGroup(profile)) continue;
    const internal = captureInternalName(regex, profile);
    if (internal !== undefined && foldName(internal) === groupKey) return `${profile} → ${internal}`;
  }
  return undefined;
}
