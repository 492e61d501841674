/**
 * The access review (`ims-sync report`): from one read of IMS and of each target — the reads a
 * reconciliation makes, plus the IMS identities' memberships in unmanaged groups — who holds which
 * group, through which IMS path, whether it is in sync, and what the sync leaves alone or has not
 * repaired yet (findings). Writes nothing. A target whose read fails is reported failed, never empty.
 */
import { mapLimit } from '../concurrency.js';
import { accessKeys, desiredMembers } from '../domain/desired.js';
import { countFindings, findingsOf, type Finding, type FindingKind } from '../domain/findings.js';
import { holdingsOf, type IdentityHoldings } from '../domain/holdings.js';
import type { ImsUser } from '../domain/ims.js';
import { managedGroupsFor } from '../domain/managed.js';
import { planTarget } from '../domain/plan.js';
import type { ReadProgress } from '../ims/port.js';
import { readDirect, type TargetReads } from './drift.js';
import type { AuditEntry } from './ports.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';

export type AccessReviewProgress =
  | ({ readonly phase: 'umapi' } & ReadProgress)
  | { readonly phase: 'target'; readonly targetId: string; readonly step: 'reading' | 'done' | 'failed' }
  | { readonly phase: 'audit'; readonly targetId: string; readonly read: number; readonly total: number };

export interface AccessReviewOptions {
  /** Only these targets (all when absent). */
  readonly only?: readonly string[];
  readonly onProgress?: (progress: AccessReviewProgress) => void;
}

/** The last change the sync applied to an identity in the target, from the audit trail. */
export interface LastChange {
  readonly at: string;
  readonly op: AuditEntry['op'];
  readonly group: string;
  readonly cause: string;
  readonly actor?: string;
}

export interface IdentityReview extends IdentityHoldings {
  readonly lastChange?: LastChange;
}

export interface TargetReview {
  readonly id: string;
  readonly kind: 'aem' | 'campaign';
  readonly status: 'complete' | 'partial' | 'failed';
  readonly identities: readonly IdentityReview[];
  readonly findings: readonly Finding[];
  readonly counts: Readonly<Record<FindingKind, number>>;
  /** What could not be read, in words: its findings are unknown, not absent. */
  readonly unread: readonly string[];
  readonly error?: string;
}

export interface AccessReview {
  readonly generatedAt: string;
  readonly org: string;
  readonly usersRead: number;
  readonly targets: readonly TargetReview[];
}

/** Audit-trail reads in flight at once (one DynamoDB query per identity). */
const AUDIT_CONCURRENCY = 8;

type Deps = Pick<SyncRuntime, 'config' | 'clock' | 'log' | 'umapi' | 'orgGroups' | 'targets' | 'stores'>;

export async function accessReview(options: AccessReviewOptions, rt: Deps): Promise<AccessReview> {
  const generatedAt = new Date(rt.clock.now()).toISOString();
  // An incomplete UMAPI read throws: no review is made from a partial org.
  const users = await rt.umapi.listUsers({ onPage: (p) => options.onProgress?.({ phase: 'umapi', ...p }) });
  const orgGroupNames = await rt.orgGroups.get();
  const bindings = rt.targets.filter((b) => options.only === undefined || options.only.includes(b.config.id));
  const targets: TargetReview[] = [];
  for (const binding of bindings) targets.push(await reviewTarget(binding, users, orgGroupNames, options, rt));
  return { generatedAt, org: rt.config.org.id, usersRead: users.length, targets };
}

async function reviewTarget(
  binding: TargetBinding,
  users: readonly ImsUser[],
  orgGroupNames: readonly string[],
  options: AccessReviewOptions,
  rt: Deps,
): Promise<TargetReview> {
  const { id, kind } = binding.config;
  options.onProgress?.({ phase: 'target', targetId: id, step: 'reading' });
  let reads: TargetReads;
  try {
    reads = await readTarget(binding, users, orgGroupNames, rt);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    rt.log.error('access review of a target failed', { targetId: id, reason });
    options.onProgress?.({ phase: 'target', targetId: id, step: 'failed' });
    return { id, kind, status: 'failed', identities: [], findings: [], counts: countFindings([]), unread: [reason], error: reason };
  }
  const direct = await readDirect(reads);
  const unread = [...reads.plan.unknownGroups.map((g) => `managed group ${g}`)];
  if (!direct.ok) unread.push(`unmanaged groups (direct-member and orphan findings unknown): ${direct.error}`);
  else if (direct.value.unknownGroups.length > 0) unread.push(`unmanaged groups ${direct.value.unknownGroups.join(', ')}`);
  const target = binding.config;
  const directPart = direct.ok ? { direct: direct.value } : {};
  const findings = findingsOf({ ...reads, target, rules: rt.config.identity, ...directPart });
  const holdings = holdingsOf({ ...reads, target, ...directPart });
  const audit = await lastChanges(id, holdings, options, rt);
  if (!audit.ok) unread.push(`audit trail (last changes unknown): ${audit.error}`);
  const identities = holdings.map((h) => {
    const last = audit.ok ? audit.value.get(h.key) : undefined;
    return last === undefined ? h : { ...h, lastChange: last };
  });
  options.onProgress?.({ phase: 'target', targetId: id, step: 'done' });
  return { id, kind, status: unread.length > 0 ? 'partial' : 'complete', identities, findings, counts: countFindings(findings), unread };
}

/** The reads and plan of a reconciliation of this target (no writes). */
async function readTarget(binding: TargetBinding, users: readonly ImsUser[], orgGroupNames: readonly string[], rt: Deps): Promise<TargetReads> {
  const target = binding.config;
  const candidates = target.kind === 'aem' ? [...orgGroupNames, ...(await binding.adapter.listGroups())] : orgGroupNames;
  const managed = managedGroupsFor(target, candidates);
  const actual = await binding.adapter.readState({ groups: [...managed.values()].map((g) => g.name) });
  const desired = desiredMembers(users, target, managed, rt.config.identity);
  const plan = planTarget({ target, managed, desired, actual, access: accessKeys(users, target, rt.config.identity) });
  return { binding, users, managed, desired, actual, plan };
}

type AuditRead = { readonly ok: true; readonly value: ReadonlyMap<string, LastChange> } | { readonly ok: false; readonly error: string };

/** The last applied change per IMS identity in this target (the trail is keyed by member across targets). */
async function lastChanges(targetId: string, holdings: readonly IdentityHoldings[], options: AccessReviewOptions, rt: Deps): Promise<AuditRead> {
  const keys = holdings.filter((h) => h.kind === 'ims').map((h) => h.key);
  let read = 0;
  try {
    const found = await mapLimit(keys, AUDIT_CONCURRENCY, async (key) => {
      const entries = await rt.stores.audit.byMember(key);
      options.onProgress?.({ phase: 'audit', targetId, read: (read += 1), total: keys.length });
      const last = entries.filter((e) => e.targetId === targetId && e.outcome === 'applied').at(-1);
      return last === undefined ? undefined : ([key, toLastChange(last)] as const);
    });
    return { ok: true, value: new Map(found.filter((f) => f !== undefined)) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

const toLastChange = (e: AuditEntry): LastChange => ({
  at: new Date(e.at).toISOString(),
  op: e.op,
  group: e.group,
  cause: e.cause,
  ...(e.actor === undefined ? {} : { actor: e.actor }),
});
