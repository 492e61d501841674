/**
 * Admin Console audit events (OCSF 1.6, the CloudEvents `data`; contracts/io-events.md §5) and the
 * ONE table that turns them into work.
 *
 * Adobe publishes only one event code (`ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN`), so the membership codes
 * below are [assumed] names in the same `<EVENT_TYPE>:<SUBTYPE>` style. Only the EVENT_TYPE part is
 * matched, case-insensitively. When a real org shows other names, change this table and nothing else:
 * an unrecognised code is never lost, it becomes a hint ("re-check this user / group"), and the
 * scheduled reconciliation catches anything the webhook misses.
 */
import { z } from 'zod';
import { isAdminRoleGroup } from '../../domain/ims.js';
import type { DeltaMessage, UserRef } from '../../domain/messages.js';

type DeltaChange = DeltaMessage['change'];

export type AuditRule =
  | { readonly eventType: string; readonly match: 'exact' | 'prefix'; readonly change: DeltaChange }
  | { readonly eventType: string; readonly match: 'exact' | 'prefix'; readonly ignore: string };

const ADMIN_ROLES_NEVER_MAP =
  'admin-role change: admin roles never map to target groups (they are not user-group or product-profile memberships), so re-reading the user would change nothing';

/** [assumed] event types; both the ADD/REMOVE and ASSIGN/UNASSIGN spellings, as Adobe uses ASSIGN for roles. */
export const AUDIT_RULES: readonly AuditRule[] = [
  { eventType: 'USER_GROUP_ADD_USER', match: 'exact', change: 'membership.added' },
  { eventType: 'USER_GROUP_ASSIGN_USER', match: 'exact', change: 'membership.added' },
  { eventType: 'USER_GROUP_REMOVE_USER', match: 'exact', change: 'membership.removed' },
  { eventType: 'USER_GROUP_UNASSIGN_USER', match: 'exact', change: 'membership.removed' },
  { eventType: 'PRODUCT_PROFILE_ADD_USER', match: 'exact', change: 'membership.added' },
  { eventType: 'PRODUCT_PROFILE_ASSIGN_USER', match: 'exact', change: 'membership.added' },
  { eventType: 'PRODUCT_PROFILE_REMOVE_USER', match: 'exact', change: 'membership.removed' },
  { eventType: 'PRODUCT_PROFILE_UNASSIGN_USER', match: 'exact', change: 'membership.removed' },
  { eventType: 'USER_REMOVE', match: 'exact', change: 'user.removed' },
  { eventType: 'USER_DELETE', match: 'exact', change: 'user.removed' },
  // The one published code is ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN [doc]; every ADMIN_ROLE_* is dropped.
  { eventType: 'ADMIN_ROLE_', match: 'prefix', ignore: ADMIN_ROLES_NEVER_MAP },
];

export function findAuditRule(eventCode: string | undefined): AuditRule | undefined {
  const eventType = (eventCode ?? '').split(':')[0]?.trim().toUpperCase() ?? '';
  if (eventType === '') return undefined;
  return AUDIT_RULES.find((rule) => (rule.match === 'exact' ? eventType === rule.eventType : eventType.startsWith(rule.eventType)));
}

const text = z.string().nullish();
const named = z.looseObject({ name: text, uid: text, type: text }).nullish();

/** Open schema: Adobe adds fields and event classes; only what the mapping reads is declared. */
export const OcsfAuditEvent = z.looseObject({
  metadata: z.looseObject({ event_code: text, uid: text, tenant_uid: text }).nullish(),
  /** Times are read by the envelope parser, the first readable one wins; one bad time field never fails the event. */
  time: z.unknown().optional(),
  time_dt: z.unknown().optional(),
  user: z.looseObject({ email_addr: text, uid: text }).nullish(),
  entity: named,
  /** OCSF "Group Management" events carry the group here rather than in `entity` [assumed]. */
  group: named,
  actor: z.looseObject({ user: z.looseObject({ email_addr: text, name: text }).nullish() }).nullish(),
  cloud: z.looseObject({ org: z.looseObject({ uid: text }).nullish() }).nullish(),
});
export type OcsfAuditEvent = z.infer<typeof OcsfAuditEvent>;

/** What the mapping needs from one audit event, already extracted. */
export interface AuditFacts {
  readonly eventCode: string | undefined;
  readonly user: UserRef | undefined;
  readonly group: string | undefined;
  /** False when the event carries no readable time: a delta without a trustworthy time cannot win last-writer-wins. */
  readonly hasTime: boolean;
}

export type AuditDecision =
  | { readonly kind: 'delta'; readonly change: DeltaChange; readonly user: UserRef; readonly group?: string }
  | { readonly kind: 'hint'; readonly reason: string; readonly user?: UserRef; readonly group?: string }
  | { readonly kind: 'ignore'; readonly reason: string };

const ENTITY_IS_GROUP = /group|profile/i;
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export function factsOf(event: OcsfAuditEvent, hasTime: boolean): AuditFacts {
  const email = event.user?.email_addr?.trim();
  const uid = event.user?.uid?.trim();
  const user = email && EMAIL.test(email) ? { email, ...(uid ? { id: uid } : {}) } : undefined;
  const entityGroup = event.entity?.type && ENTITY_IS_GROUP.test(event.entity.type) ? event.entity.name?.trim() : undefined;
  const group = entityGroup || event.group?.name?.trim() || undefined;
  // `_admin_X`, `_org_admin`...: admin roles are never target groups (lib/domain/ims.ts).
  return { eventCode: event.metadata?.event_code ?? undefined, user, group: group && !isAdminRoleGroup(group) ? group : undefined, hasTime };
}

/** The whole mapping: a precise delta when the code is known and complete, else a hint, else nothing. */
export function decideAuditEvent(facts: AuditFacts): AuditDecision {
  const code = facts.eventCode ?? '(no event_code)';
  const rule = findAuditRule(facts.eventCode);
  if (rule && 'ignore' in rule) return { kind: 'ignore', reason: `${code}: ${rule.ignore}` };

  let hintReason = `${code}: unrecognised audit event; re-check`;
  if (rule) {
    const missing = [
      facts.user ? undefined : 'user.email_addr',
      rule.change === 'user.removed' || facts.group ? undefined : 'a group or product profile (entity.name)',
      facts.hasTime ? undefined : 'a readable time',
    ].filter((m): m is string => m !== undefined);
    if (missing.length === 0 && facts.user) {
      return rule.change === 'user.removed'
        ? { kind: 'delta', change: rule.change, user: facts.user }
        : { kind: 'delta', change: rule.change, user: facts.user, ...(facts.group ? { group: facts.group } : {}) };
    }
    hintReason = `${code}: ${rule.change} without ${missing.join(', ')}; re-check`;
  }
  if (!facts.user && !facts.group) {
    return { kind: 'ignore', reason: `${code}: names neither a user (user.email_addr) nor a user group or product profile` };
  }
  return {
    kind: 'hint',
    reason: hintReason,
    ...(facts.user ? { user: facts.user } : {}),
    ...(facts.group ? { group: facts.group } : {}),
  };
}
