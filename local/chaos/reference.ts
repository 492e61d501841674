/**
 * The chaos run's own answer to "what must each target hold?", written apart from the product's
 * planner (lib/domain) on purpose: plain set logic over the IMS org and the chaos configuration.
 *
 * A user must be in a managed group G of target T exactly when
 * - the user is active and an enterpriseID or federatedID (never an adobeID), and
 * - the user reaches T's access: AEM, T's product profile; Campaign, any profile T's association mask
 *   captures — directly or through a user group (UMAPI's directOnly=false), and
 * - AEM: G is one of the user's groups (directly or via profile) and matches `AEM-.*` (the chaos
 *   configuration's patterns), G is not an admin role (`_…`) nor an AEM-provided group;
 *   Campaign: G is the name the mask captures from one of the user's profiles;
 * - and G and the user exist in T (a user or group that never logged in is deferred, not written).
 * Everyone else — users who left the org, lost access, or are personal Adobe IDs — must be in no
 * managed group. Names compare case-insensitively.
 */
import { aemProfile, campaignTargetId } from '../fixtures/generate.js';
import type { FixtureUser, OrgFixture } from '../fixtures/types.js';

export interface ReferenceTarget {
  readonly id: string;
  readonly kind: 'aem' | 'campaign';
  /** AEM: the product profile that grants access. */
  readonly profile?: string;
  /** Campaign: the association mask (whole name, case-insensitive, one capture group). */
  readonly mask?: RegExp;
  /** Folded names of the managed groups that exist in the target. */
  readonly groups: ReadonlySet<string>;
  /** Folded ids of the IMS identities that exist in the target. */
  readonly users: ReadonlySet<string>;
}

const fold = (name: string): string => name.toLowerCase();
const AEM_MANAGED = /^AEM-.*$/i;
const AEM_PROVIDED = new Set(['administrators', 'content-authors', 'contributor', 'dam-users', 'everyone', 'tag-administrators', 'user-administrators', 'workflow-editors', 'workflow-users']);

export function isManagedAemName(name: string): boolean {
  return AEM_MANAGED.test(name) && !name.startsWith('_') && !AEM_PROVIDED.has(fold(name));
}

export function campaignMask(): RegExp {
  return new RegExp(`^Campaign - ${campaignTargetId(1)} - (.*)$`, 'i');
}

/** The user's groups with directOnly=false: direct ones plus the profiles of their user groups, admin roles left out. */
export function effectiveGroups(user: FixtureUser, profilesOf: ReadonlyMap<string, readonly string[]>): Set<string> {
  const result = new Set<string>();
  for (const group of user.groups) {
    if (group.startsWith('_')) continue;
    result.add(fold(group));
    for (const profile of profilesOf.get(group) ?? []) result.add(fold(profile));
  }
  return result;
}

const eligible = (user: FixtureUser): boolean => (user.status ?? 'active') === 'active' && (user.type === 'enterpriseID' || user.type === 'federatedID');

/** The folded managed groups of `target` this user must be in (empty: none). */
export function desiredOf(user: FixtureUser, target: ReferenceTarget, profilesOf: ReadonlyMap<string, readonly string[]>): Set<string> {
  const result = new Set<string>();
  if (!eligible(user) || !target.users.has(fold(user.email))) return result;
  const groups = effectiveGroups(user, profilesOf);
  if (target.kind === 'aem') {
    if (target.profile === undefined || !groups.has(fold(target.profile))) return result;
    for (const group of groups) if (AEM_MANAGED.test(group) && target.groups.has(group) && !AEM_PROVIDED.has(group)) result.add(group);
    return result;
  }
  const mask = target.mask ?? campaignMask();
  for (const group of groups) {
    const captured = mask.exec(group)?.[1];
    if (captured !== undefined && target.groups.has(fold(captured))) result.add(fold(captured));
  }
  return result;
}

/** The reference view of every target of a chaos fixture (AEM instance i is `bench-author-i`). */
export function referenceTargets(org: OrgFixture, aemCount: number): ReferenceTarget[] {
  const profileNames = org.groups.filter((g) => g.type === 'PRODUCT_PROFILE').map((g) => g.name);
  const mask = campaignMask();
  const aem = org.aem.slice(0, aemCount).map((instance, index): ReferenceTarget => ({
    id: instance.targetId,
    kind: 'aem',
    profile: aemProfile(index + 1),
    groups: new Set(instance.groups.filter((g) => g.ims && isManagedAemName(g.id)).map((g) => fold(g.id))),
    users: new Set(instance.users.filter((u) => u.ims).map((u) => fold(u.id))),
  }));
  const captured = new Set(profileNames.flatMap((p) => mask.exec(p)?.[1] ?? []).map(fold));
  const campaign = org.campaign.map((instance): ReferenceTarget => ({
    id: instance.targetId,
    kind: 'campaign',
    mask,
    groups: new Set(instance.groups.map((g) => fold(g.name)).filter((g) => captured.has(g))),
    users: new Set(instance.operators.filter((o) => o.ims).map((o) => fold(o.name))),
  }));
  return [...aem, ...campaign];
}

/** Is this folded group one the sync manages in this target (whether or not it exists there)? */
export function isManagedIn(target: ReferenceTarget, group: string): boolean {
  return target.kind === 'aem' ? isManagedAemName(group) : target.groups.has(fold(group));
}

/** Folded user id → folded managed groups it is in, from a target's membership list. */
export type TargetState = Map<string, Set<string>>;

/** Users of `target` whose managed groups differ from what the org implies, with what differs. */
export function divergence(
  target: ReferenceTarget,
  actual: TargetState,
  orgUsers: readonly FixtureUser[],
  profilesOf: ReadonlyMap<string, readonly string[]>,
): Map<string, { missing: string[]; extra: string[] }> {
  const desired = new Map<string, Set<string>>();
  for (const user of orgUsers) {
    const groups = desiredOf(user, target, profilesOf);
    const key = fold(user.email);
    const existing = desired.get(key);
    if (existing) for (const g of groups) existing.add(g);
    else desired.set(key, groups);
  }
  const result = new Map<string, { missing: string[]; extra: string[] }>();
  for (const key of target.users) {
    const want = desired.get(key) ?? new Set<string>();
    const have = actual.get(key) ?? new Set<string>();
    const missing = [...want].filter((g) => !have.has(g));
    const extra = [...have].filter((g) => !want.has(g));
    if (missing.length + extra.length > 0) result.set(key, { missing, extra });
  }
  return result;
}
