/**
 * Who may have access to a target: an active user of an allowed identity type who holds one of the
 * target's product profiles (read with directOnly=false, so through user groups too).
 * contracts/ims-and-umapi.md §3.5, aem.md §1, campaign.md §1.
 */
import type { Target } from '../config/schema.js';
import { foldName, isAdminRoleGroup, type ImsUser } from './ims.js';
import { compiledPattern } from './managed.js';
import { captureInternalName } from './patterns.js';

export type IdentityRules = { allowedTypes: readonly string[] };

/** Personal Adobe IDs are not supported by AEM or Campaign IMS login: never eligible, whatever the rules say. */
const NEVER_ALLOWED_TYPE = 'adobeID';

/** Active + identity type allowed (adobeID never, whatever the rules say). */
export function isEligible(user: ImsUser, rules: IdentityRules): boolean {
  return user.status === 'active' && user.type !== NEVER_ALLOWED_TYPE && rules.allowedTypes.includes(user.type);
}

/** The user's groups folded, without admin-role entries (`_…`), which never map to target groups. */
export function effectiveGroups(user: ImsUser): Set<string> {
  return new Set(user.groups.filter((name) => !isAdminRoleGroup(name)).map(foldName));
}

/**
 * AEM: one of `target.productProfiles` is in the user's groups. An AEM target with no profile
 * configured grants access to nobody (fail closed; the guard holds the resulting mass removal).
 * Campaign: one of `productProfiles` when given; otherwise any profile the association mask captures.
 */
export function hasAccess(user: ImsUser, target: Target): boolean {
  const groups = effectiveGroups(user);
  if (target.kind === 'aem' || target.productProfiles.length > 0) {
    return target.productProfiles.some((profile) => groups.has(foldName(profile)));
  }
  const mask = compiledPattern(target.associationMask);
  return user.groups.some((name) => !isAdminRoleGroup(name) && captureInternalName(mask, name) !== undefined);
}

/** Does this IMS group name grant access to the target (a webhook delta on it changes access)? */
export function isAccessProfile(target: Target, name: string): boolean {
  if (isAdminRoleGroup(name)) return false;
  if (target.kind === 'aem' || target.productProfiles.length > 0) {
    return target.productProfiles.some((profile) => foldName(profile) === foldName(name));
  }
  return captureInternalName(compiledPattern(target.associationMask), name) !== undefined;
}

/** The user's key inside a target (`target.userIdAttribute`: email | username | id), folded; undefined when the attribute is missing. */
export function userKeyOf(user: ImsUser, target: Target): string | undefined {
  const value = target.userIdAttribute === 'email' ? user.email : target.userIdAttribute === 'username' ? user.username : user.id;
  return value === undefined || value === '' ? undefined : foldName(value);
}
