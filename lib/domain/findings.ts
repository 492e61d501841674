/**
 * The access review's findings: access the sync, by design, leaves alone or has not repaired yet,
 * and access that bypasses the Admin Console. Pure over what a reconciliation reads (the IMS users,
 * the target's managed groups, its plan) plus the IMS identities' memberships in the groups the sync
 * does not manage. See docs/access-review.md for what each kind means and what to do about it.
 */
import type { Target } from '../config/schema.js';
import type { IdentityRules } from './access.js';
import { accessKeys, type DesiredMembers } from './desired.js';
import { foldName, type ImsUser } from './ims.js';
import type { TargetPlan } from './plan-types.js';
import type { TargetActual } from './state.js';

export const FINDING_KINDS = ['direct-member', 'local-in-managed', 'unwired', 'orphan', 'disabled-mismatch', 'deferred'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** Kinds that are access nobody granted in the Admin Console: `report` exits 2 and the alarm fires on them. */
export const ALERTING_KINDS: readonly FindingKind[] = ['direct-member', 'orphan', 'disabled-mismatch'];

export interface Finding {
  readonly kind: FindingKind;
  /** A user key, or for `unwired` the IMS group. */
  readonly identity: string;
  /** The group concerned (for `unwired`: the AEM-provided group it should be a member of). */
  readonly group?: string;
  readonly why: string;
  readonly action: string;
}

/**
 * IMS identities' declared memberships in the groups the sync does not manage (AEM: local and
 * AEM-provided groups; Campaign: operator groups no profile maps to). `unknownGroups`: groups whose
 * read failed; a finding there cannot be ruled out.
 */
export interface DirectMemberships {
  /** Folded user key → group names as the target spells them. */
  readonly byUser: ReadonlyMap<string, readonly string[]>;
  readonly unknownGroups: readonly string[];
}

export interface FindingsInput {
  readonly target: Target;
  readonly users: readonly ImsUser[];
  readonly rules: IdentityRules;
  readonly actual: TargetActual;
  readonly desired: DesiredMembers;
  /** The reconciliation plan of the same reads. */
  readonly plan: TargetPlan;
  /** Undefined when they could not be read: `direct-member` and the unmanaged half of `orphan` are then unknown. */
  readonly direct?: DirectMemberships;
  /**
   * The IMS read did not list the whole org (it churned, `PlanInput.unlistedUnknown`): an IMS
   * identity that is not a key of `desired` is unknown, so it is never counted as an orphan or as
   * enabled without access.
   */
  readonly unlistedUnknown?: boolean;
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function findingsOf(input: FindingsInput): Finding[] {
  const access = accessKeys(input.users, input.target, input.rules);
  return [
    ...directMembers(input, access),
    ...localInManaged(input),
    ...unwired(input),
    ...orphans(input, access),
    ...disabledMismatches(input, access),
    ...deferred(input),
  ].sort((a, b) => byText(a.kind, b.kind) || byText(a.identity, b.identity) || byText(a.group ?? '', b.group ?? ''));
}

/** Findings per kind, every kind present (0 when none): what `DriftFindings` publishes. */
export function countFindings(findings: readonly Finding[]): Record<FindingKind, number> {
  const counts = Object.fromEntries(FINDING_KINDS.map((kind) => [kind, 0])) as Record<FindingKind, number>;
  for (const finding of findings) counts[finding.kind] += 1;
  return counts;
}

const isIms = (input: FindingsInput, key: string): boolean => input.actual.identities.get(key) === 'ims';
/** Without access as far as the read knows: listed without it, or not listed by a whole read. */
const knownWithoutAccess = (input: FindingsInput, access: ReadonlySet<string>, key: string): boolean =>
  !access.has(key) && (input.unlistedUnknown !== true || input.desired.has(key));

function directMembers(input: FindingsInput, access: ReadonlySet<string>): Finding[] {
  if (input.direct === undefined) return [];
  const where = input.target.kind === 'aem' ? 'a local or AEM-provided group' : 'an operator group no product profile maps to';
  const fix =
    input.target.kind === 'aem'
      ? 'remove the user from the group in AEM; grant the access through an IMS user group wired into it (`memberOf`)'
      : 'remove the operator from the group in Campaign; grant it through a product profile the association mask maps';
  const findings: Finding[] = [];
  for (const [key, groups] of input.direct.byUser) {
    // A user without access is an orphan, reported as such.
    if (!access.has(key) || !isIms(input, key)) continue;
    for (const group of groups) {
      findings.push({
        kind: 'direct-member',
        identity: key,
        group,
        why: `an IMS user placed directly in ${where}: removing the user in the Admin Console does not take this access away`,
        action: fix,
      });
    }
  }
  return findings;
}

function localInManaged(input: FindingsInput): Finding[] {
  return input.plan.untouched.flatMap((u) => (u.reason !== 'local-identity' ? [] : [{
    kind: 'local-in-managed' as const,
    identity: u.key,
    group: u.group,
    why: 'a local identity (not created by IMS login) in a group the sync manages: IMS does not govern it, and the sync never touches it',
    action: 'remove it from the group in the target, or accept and record it (e.g. a service account that needs the group)',
  }]));
}

function unwired(input: FindingsInput): Finding[] {
  return input.plan.wiring.flatMap((w) =>
    w.memberOf.map((parent) => ({
      kind: 'unwired' as const,
      identity: w.group,
      group: parent,
      why: `the managed IMS group is not a member of "${parent}" as its \`memberOf\` says: its members lack the access the configuration intends`,
      action: 'the next reconciliation wires it (`ims-sync reconcile --apply`); if it comes back, someone removes the wiring in AEM',
    })),
  );
}

/** IMS identities in the target without access (not in the org, ineligible, or without the instance's profile) that still hold groups. */
function orphans(input: FindingsInput, access: ReadonlySet<string>): Finding[] {
  const why = 'an IMS user no longer in the org, or without access to this instance, who still holds this group';
  const orphan = (identity: string, group: string, action: string): Finding => ({ kind: 'orphan', identity, group, why, action });
  const isOrphan = (key: string): boolean => knownWithoutAccess(input, access, key) && isIms(input, key);
  return [
    ...input.plan.changes.flatMap((change) =>
      change.remove.filter(isOrphan).map((key) => orphan(key, change.group, 'nothing by hand: the next reconciliation removes this managed group (`ims-sync reconcile --apply` now)')),
    ),
    ...[...(input.direct?.byUser ?? [])].flatMap(([key, groups]) =>
      isOrphan(key) ? groups.map((group) => orphan(key, group, 'remove the user from this group by hand (the sync never touches it), then disable or delete the account')) : [],
    ),
  ];
}

/**
 * AEM: disabled while IMS grants access; and with `revocation: disable-user`, the reverse (enabled
 * without access). Only when the adapter read who is disabled.
 */
function disabledMismatches(input: FindingsInput, access: ReadonlySet<string>): Finding[] {
  const { target, actual } = input;
  if (target.kind !== 'aem' || actual.disabled === undefined) return [];
  const findings: Finding[] = [];
  for (const [key, kind] of actual.identities) {
    if (kind !== 'ims') continue;
    const disabled = actual.disabled.has(key);
    if (disabled && access.has(key)) {
      findings.push({
        kind: 'disabled-mismatch',
        identity: key,
        why: 'disabled in the target while IMS grants access: the user cannot work, or was disabled by hand for a reason IMS does not know',
        action: 'enable the user in AEM, or remove their access in the Admin Console',
      });
    } else if (!disabled && knownWithoutAccess(input, access, key) && target.revocation === 'disable-user') {
      findings.push({
        kind: 'disabled-mismatch',
        identity: key,
        why: 'enabled in the target while IMS grants no access, with `revocation: disable-user`',
        action: 'the next reconciliation disables a user it finds in a managed group; disable this one in AEM',
      });
    }
  }
  return findings;
}

function deferred(input: FindingsInput): Finding[] {
  return input.plan.deferred.flatMap((d) => {
    const why = `IMS grants access but ${d.reason}: not a risk, listed`;
    const action = 'nothing: the next reconciliation after the first login applies it';
    if (d.kind === 'user') return [{ kind: 'deferred' as const, identity: d.key, ...(d.group ? { group: d.group } : {}), why, action }];
    // A group not in the target yet: every user IMS puts in it waits for it.
    const waiting = [...input.desired].filter(([, groups]) => groups.has(foldName(d.key))).map(([key]) => key);
    return waiting.map((key) => ({ kind: 'deferred' as const, identity: key, group: d.key, why, action }));
  });
}
