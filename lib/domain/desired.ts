/**
 * The desired state of a target: for every IMS user, the managed groups they must be in
 * (contracts/aem.md §6, campaign.md §6). Pure: built from UMAPI users read with directOnly=false.
 */
import type { Target } from '../config/schema.js';
import { effectiveGroups, hasAccess, isEligible, userKeyOf, type IdentityRules } from './access.js';
import { foldName, isAdminRoleGroup, type ImsUser } from './ims.js';
import { compiledPattern, type ManagedGroups } from './managed.js';
import { captureInternalName } from './patterns.js';

/** Folded user key → folded managed group names the user must be in. */
export type DesiredMembers = ReadonlyMap<string, ReadonlySet<string>>;

/** The managed groups a user with access belongs to in IMS, folded. */
function managedGroupsOf(user: ImsUser, target: Target, managed: ManagedGroups): Set<string> {
  const result = new Set<string>();
  if (target.kind === 'aem') {
    for (const group of effectiveGroups(user)) if (managed.has(group)) result.add(group);
    return result;
  }
  const mask = compiledPattern(target.associationMask);
  for (const profile of user.groups) {
    if (isAdminRoleGroup(profile)) continue;
    const internalName = captureInternalName(mask, profile);
    if (internalName !== undefined && managed.has(foldName(internalName))) result.add(foldName(internalName));
  }
  return result;
}

/**
 * For every user: eligible and with access → the managed groups they are in; otherwise an EMPTY
 * set (they must lose everything). Users without a key are skipped. Two IMS users with the same key
 * (rare: an email reused across identity types) get the union: either one may legitimately log in as it.
 */
export function desiredMembers(users: Iterable<ImsUser>, target: Target, managed: ManagedGroups, rules: IdentityRules): DesiredMembers {
  const desired = new Map<string, Set<string>>();
  for (const user of users) {
    const key = userKeyOf(user, target);
    if (key === undefined) continue;
    const groups = isEligible(user, rules) && hasAccess(user, target) ? managedGroupsOf(user, target, managed) : new Set<string>();
    const existing = desired.get(key);
    if (existing === undefined) desired.set(key, groups);
    else for (const group of groups) existing.add(group);
  }
  return desired;
}

/**
 * The folded keys of users who are eligible and have access to the target, whether or not they are
 * in any managed group. Passed to `planTarget` as `access`, it keeps `disable-user` revocation from
 * disabling a user who has access through a directly assigned profile but no managed group.
 */
export function accessKeys(users: Iterable<ImsUser>, target: Target, rules: IdentityRules): Set<string> {
  const keys = new Set<string>();
  for (const user of users) {
    const key = userKeyOf(user, target);
    if (key !== undefined && isEligible(user, rules) && hasAccess(user, target)) keys.add(key);
  }
  return keys;
}
