/**
 * Desired vs actual → what one target must change. Pure over plain data; this is what dry-run prints
 * and what the worker applies. The security invariants (contracts/aem.md §6, campaign.md §6):
 * - only managed groups are written; unmanaged groups are never touched;
 * - only IMS identities are added or removed; local identities are reported, never touched;
 * - nothing is removed from a group whose state is unknown (a failed read is never "empty");
 * - a user an org read that churned did not list is unknown, not gone: nothing removed, not disabled;
 * - users are never written into AEM-provided groups: only IMS groups are wired into them;
 * - a group matching a managed name or pattern that is not an IMS group in the target (a local
 *   group) is never written, only reported;
 * - only users the sync itself disabled are ever re-enabled (`disable-user` revocation);
 * - a user or group that does not exist in the target yet is deferred, not an error.
 */
import type { Target } from '../config/schema.js';
import type { DesiredMembers } from './desired.js';
import { foldName } from './ims.js';
import type { ManagedGroups } from './managed.js';
import type { Deferred, GroupChange, TargetPlan, Untouched, Wiring } from './plan-types.js';
import type { KnownGroupState, TargetActual } from './state.js';

export interface PlanInput {
  target: Target;
  managed: ManagedGroups;
  desired: DesiredMembers;
  actual: TargetActual;
  /**
   * Only these folded user keys are considered (user-centric webhook plan); absent = everyone
   * (reconciliation): then every IMS identity of the target not in `desired` is desired in nothing.
   */
  scope?: readonly string[];
  /**
   * Folded keys of the users who have access to the target (`accessKeys`), used only by the
   * `disable-user` revocation: a user with access but no managed group is not disabled. Absent: a
   * user with no desired group counts as having no access.
   */
  access?: ReadonlySet<string>;
  /**
   * The IMS read behind `desired` is not the whole org: the org changed during it, and users shift
   * across page boundaries, so someone may be missing (`onChurn`, lib/ims/port.ts). An IMS identity
   * of the target that is not a key of `desired` is then unknown, never gone: none of its managed
   * groups is removed and it is not disabled. Listed users are planned as usual.
   */
  unlistedUnknown?: boolean;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** Case-insensitive order, ties broken by spelling, so the output never depends on input order. */
const byName = (a: string, b: string): number => byText(foldName(a), foldName(b)) || byText(a, b);
const sortedNames = (names: Iterable<string>): string[] => [...names].sort(byName);
const groupOf = (entry: Untouched): string => ('group' in entry ? entry.group : '');
const keyOf = (entry: Untouched): string => ('key' in entry ? entry.key : '');
/** Not listed by a read that churned: unknown, so left as it is (`PlanInput.unlistedUnknown`). */
const isUnlisted = ({ unlistedUnknown, desired }: PlanInput, key: string): boolean => unlistedUnknown === true && !desired.has(key);

const userDeferral = (targetId: string): string => `never logged in to ${targetId}: the user appears at the first IMS login`;
const groupDeferral = (targetId: string): string =>
  `does not exist in ${targetId} yet: the group appears at the first IMS login of one of its members`;

/** The parents the configuration names for a group that it is not yet a declared member of (folded compare). */
function missingParents(configured: readonly string[], state: KnownGroupState): string[] {
  const declared = new Set([...state.memberOf].map(foldName));
  const missing = new Map<string, string>();
  for (const parent of configured) if (!declared.has(foldName(parent))) missing.set(foldName(parent), parent);
  return sortedNames(missing.values());
}

export function planTarget(input: PlanInput): TargetPlan {
  const { target, managed, desired, actual } = input;
  const scope = input.scope === undefined ? undefined : new Set(input.scope.map(foldName));
  const inScope = (key: string): boolean => scope === undefined || scope.has(key);
  const wants = (key: string, groupKey: string): boolean => desired.get(key)?.has(groupKey) === true;
  const identityOf = (key: string): 'ims' | 'local' | undefined => actual.identities.get(key);

  // A group another managed group is wired into is AEM-provided: users are never written into it,
  // even if the managed set handed to us claims it (managedAemGroups already leaves such names out).
  const wiringTargets = new Set<string>();
  for (const group of managed.values()) for (const parent of group.memberOf) wiringTargets.add(foldName(parent));

  const candidates = [...desired.keys()].filter(inScope);
  const changes: GroupChange[] = [];
  const wiring: Wiring[] = [];
  const deferred: Deferred[] = [];
  const untouched: Untouched[] = [];
  const unknownGroups: string[] = [];
  /** IMS identities seen in at least one known managed group (for `disable-user`). */
  const inManagedGroup = new Set<string>();
  const notListed = new Set<string>();

  for (const groupKey of [...managed.keys()].sort(byText)) {
    const group = managed.get(groupKey);
    if (group === undefined || wiringTargets.has(groupKey)) continue;
    const state = actual.groups.get(groupKey);
    const wanting = candidates.filter((key) => wants(key, groupKey));

    if (state?.status === 'local') {
      untouched.push({ reason: 'local-group', group: state.name });
      continue;
    }

    if (state?.status === 'missing') {
      // Nothing can be added to a group that does not exist; AEM creates it at a member's first login.
      if (wanting.length > 0) deferred.push({ kind: 'group', key: group.name, reason: groupDeferral(target.id) });
      continue;
    }
    const known = state?.status === 'known' ? state : undefined;
    const groupName = known?.name ?? group.name;
    if (known === undefined) unknownGroups.push(group.name);

    const add: string[] = [];
    const remove: string[] = [];
    const reported = new Set<string>();
    const reportLocal = (key: string): void => {
      if (reported.has(key)) return;
      reported.add(key);
      untouched.push({ key, group: groupName, reason: 'local-identity' });
    };

    const members = new Set(known === undefined ? [] : [...known.members].map(foldName));
    for (const member of members) {
      if (!inScope(member)) continue;
      const kind = identityOf(member);
      if (kind === 'local') {
        reportLocal(member);
      } else if (kind === 'ims' && isUnlisted(input, member)) {
        notListed.add(member);
      } else if (kind === 'ims') {
        inManagedGroup.add(member);
        if (!wants(member, groupKey)) remove.push(member);
      }
      // A member the target did not list as an identity (e.g. a nested group) is not ours: left alone.
    }
    for (const key of wanting) {
      if (members.has(key)) continue;
      const kind = identityOf(key);
      if (kind === 'ims') add.push(key);
      else if (kind === 'local') reportLocal(key);
      else deferred.push({ kind: 'user', key, group: groupName, reason: userDeferral(target.id) });
    }
    if (add.length > 0 || remove.length > 0) changes.push({ group: groupName, add: add.sort(byText), remove: remove.sort(byText) });

    // Wiring is the reconciliation's: a user-centric plan touches only its users' memberships.
    if (known !== undefined && target.kind === 'aem' && scope === undefined) {
      const parents = missingParents(group.memberOf, known);
      if (parents.length > 0) wiring.push({ group: groupName, memberOf: parents });
    }
  }

  const reenabling = enabledUsers(input, scope);
  untouched.push(...reenabling.disabledByOthers.map((key): Untouched => ({ reason: 'disabled-by-other', key })));
  untouched.push(...[...notListed].map((key): Untouched => ({ reason: 'not-listed', key })));
  return {
    targetId: target.id,
    kind: target.kind,
    changes: changes.sort((a, b) => byName(a.group, b.group)),
    wiring: wiring.sort((a, b) => byName(a.group, b.group)),
    disable: disabledUsers(input, inManagedGroup, scope),
    enable: reenabling.enable,
    deferred: deferred.sort((a, b) => byText(a.kind, b.kind) || byName(a.key, b.key) || byName(a.group ?? '', b.group ?? '')),
    untouched: untouched.sort((a, b) => byText(a.reason, b.reason) || byName(groupOf(a), groupOf(b)) || byText(keyOf(a), keyOf(b))),
    unknownGroups: sortedNames(unknownGroups),
  };
}

/**
 * AEM `disable-user` revocation: an IMS identity with no access (no desired managed group, and not
 * in `access` when given) that is in a managed group now, or is the subject of a scoped plan, is
 * disabled besides losing its groups. Only users we can see and only IMS identities.
 */
function disabledUsers(input: PlanInput, inManagedGroup: ReadonlySet<string>, scope: ReadonlySet<string> | undefined): string[] {
  const { target, actual } = input;
  if (target.kind !== 'aem' || target.revocation !== 'disable-user') return [];
  const subjects = new Set([...inManagedGroup, ...(scope ?? [])]);
  const disable: string[] = [];
  for (const key of subjects) {
    if (actual.identities.get(key) !== 'ims' || actual.disabled?.has(key) === true) continue;
    if (hasAccess(input, key) || isUnlisted(input, key)) continue;
    disable.push(key);
  }
  return disable.sort(byText);
}

/** A user is taken to have access when they are desired in a managed group, or are in `access`. */
const hasAccess = ({ desired, access }: PlanInput, key: string): boolean => (desired.get(key)?.size ?? 0) > 0 || access?.has(key) === true;

/**
 * AEM `disable-user` revocation, the way back: a disabled IMS user who has access again is
 * re-enabled — only when the sync itself disabled them. One disabled by anyone else (an
 * administrator during an incident) stays disabled and is reported. Only when the adapter read who
 * is disabled (`actual.disabled`); never by guess.
 */
function enabledUsers(input: PlanInput, scope: ReadonlySet<string> | undefined): { enable: string[]; disabledByOthers: string[] } {
  const { target, actual } = input;
  const enable: string[] = [];
  const disabledByOthers: string[] = [];
  if (target.kind !== 'aem' || target.revocation !== 'disable-user' || actual.disabled === undefined) return { enable, disabledByOthers };
  for (const [key, by] of actual.disabled) {
    if (scope !== undefined && !scope.has(key)) continue;
    if (actual.identities.get(key) !== 'ims' || !hasAccess(input, key)) continue;
    (by === 'sync' ? enable : disabledByOthers).push(key);
  }
  return { enable: enable.sort(byText), disabledByOthers: disabledByOthers.sort(byText) };
}
