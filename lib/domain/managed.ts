/**
 * Which groups of a target the sync manages. Everything else in the target is never touched
 * (contracts/aem.md §6, campaign.md §6).
 *
 * AEM: the configured exact names plus every candidate IMS user-group name matching a configured
 * pattern. Campaign: the internal names the association mask captures from product-profile names.
 */
import type { AemTarget, CampaignTarget, Target } from '../config/schema.js';
import { foldName, isAdminRoleGroup } from './ims.js';
import { captureInternalName, compileWholeName } from './patterns.js';

export interface ManagedGroup {
  /** Spelled as configured (exact names) or as found (pattern / mask matches). */
  name: string;
  /** AEM-provided groups this IMS group must be a member of (AEM only; empty for Campaign). */
  memberOf: readonly string[];
}
export type ManagedGroups = ReadonlyMap<string /* folded name */, ManagedGroup>;

/**
 * AEM-provided group ids of 6.5 (contracts/aem.md §1). An IMS group with one of these ids would be
 * skipped by AEM's login sync (a local group has it), so managing it would put IMS users straight
 * into an AEM-provided group: never managed, whatever a pattern matches.
 */
const AEM_PROVIDED_GROUPS: ReadonlySet<string> = new Set([
  'administrators',
  'content-authors',
  'contributor',
  'dam-users',
  'everyone',
  'tag-administrators',
  'user-administrators',
  'workflow-editors',
  'workflow-users',
]);

// Patterns come from configuration (a handful): compile each once.
const compiled = new Map<string, RegExp>();
/** The whole-name, case-insensitive regular expression of a configured pattern or mask (cached). */
export function compiledPattern(source: string): RegExp {
  let regex = compiled.get(source);
  if (regex === undefined) {
    regex = compileWholeName(source);
    compiled.set(source, regex);
  }
  return regex;
}

/** Names the configuration uses as wiring targets (`memberOf`) or that AEM provides: users are never written into them. */
function forbiddenAemNames(target: AemTarget): Set<string> {
  const forbidden = new Set(AEM_PROVIDED_GROUPS);
  for (const entry of target.managedGroups) for (const parent of entry.memberOf) forbidden.add(foldName(parent));
  return forbidden;
}

function addManaged(groups: Map<string, ManagedGroup>, name: string, memberOf: readonly string[]): void {
  const key = foldName(name);
  const existing = groups.get(key);
  if (existing === undefined) {
    groups.set(key, { name, memberOf: dedupeFolded(memberOf) });
    return;
  }
  // A name matched by several entries must join the parents of all of them.
  groups.set(key, { name: existing.name, memberOf: dedupeFolded([...existing.memberOf, ...memberOf]) });
}

function dedupeFolded(names: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const name of names) if (!seen.has(foldName(name))) seen.set(foldName(name), name);
  return [...seen.values()];
}

export function managedAemGroups(target: AemTarget, candidates: Iterable<string>): ManagedGroups {
  const forbidden = forbiddenAemNames(target);
  const allowed = (name: string): boolean => !isAdminRoleGroup(name) && !forbidden.has(foldName(name));
  const groups = new Map<string, ManagedGroup>();
  // Exact names first, so a configured name keeps its configured spelling.
  for (const entry of target.managedGroups) {
    if (entry.name !== undefined && allowed(entry.name)) addManaged(groups, entry.name, entry.memberOf);
  }
  const candidateNames = [...candidates];
  for (const entry of target.managedGroups) {
    if (entry.pattern === undefined) continue;
    const regex = compiledPattern(entry.pattern);
    for (const name of candidateNames) {
      if (allowed(name) && regex.test(name)) addManaged(groups, name, entry.memberOf);
    }
  }
  return groups;
}

/**
 * Campaign: the internal names the mask captures from the org's profile names, plus the groups
 * the sync managed before (`remembered`, under the same mask): a group whose profile was deleted
 * stays managed, and since no profile grants it any more, its IMS members are removed.
 */
export function managedCampaignGroups(target: CampaignTarget, profileNames: Iterable<string>, remembered: Iterable<string> = []): ManagedGroups {
  const mask = compiledPattern(target.associationMask);
  const groups = new Map<string, ManagedGroup>();
  for (const profile of profileNames) {
    if (isAdminRoleGroup(profile)) continue;
    const internalName = captureInternalName(mask, profile);
    if (internalName !== undefined && !groups.has(foldName(internalName))) {
      groups.set(foldName(internalName), { name: internalName, memberOf: [] });
    }
  }
  for (const name of remembered) if (!groups.has(foldName(name))) groups.set(foldName(name), { name, memberOf: [] });
  return groups;
}

/** `remembered`: Campaign groups managed before (see managedCampaignGroups); AEM needs none. */
export function managedGroupsFor(target: Target, candidates: Iterable<string>, remembered: Iterable<string> = []): ManagedGroups {
  return target.kind === 'aem' ? managedAemGroups(target, candidates) : managedCampaignGroups(target, candidates, remembered);
}

/**
 * Does this IMS group name (from a webhook delta) belong to the managed set of the target?
 * AEM: an exact configured name or a pattern match; Campaign: a profile name the mask captures.
 */
export function isManagedName(target: Target, name: string): boolean {
  if (isAdminRoleGroup(name)) return false;
  if (target.kind === 'campaign') return captureInternalName(compiledPattern(target.associationMask), name) !== undefined;
  if (forbiddenAemNames(target).has(foldName(name))) return false;
  return target.managedGroups.some(
    (entry) =>
      (entry.name !== undefined && foldName(entry.name) === foldName(name)) ||
      (entry.pattern !== undefined && compiledPattern(entry.pattern).test(name)),
  );
}

/** An IMS group's name as the target knows it: the same name in AEM, the captured internal name in Campaign. */
export function targetGroupName(target: Target, imsName: string): string {
  if (target.kind === 'aem') return imsName;
  return captureInternalName(compiledPattern(target.associationMask), imsName) ?? imsName;
}
