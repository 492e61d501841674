/**
 * Apply the facts of many users in one target at once: one read of the concerned groups and users,
 * one plan, one write per changed group carrying every user's adds and removes (the adapter's
 * fewest calls). A burst of changes thus costs per batch, not per event.
 *
 * A work about one group is planned for that group alone: a removal from G (the event's proof), and
 * an addition to a managed G (the user read from UMAPI, then only G planned). So a batch of additions
 * to G reads G's member list once instead of every user's memberships. The users' other groups are
 * left to their own events, re-checks and the reconciliation; a user the sync disabled is re-enabled
 * when UMAPI says they have access, never disabled by such a plan. A user group can carry a product
 * profile: an addition that grants access that way adds G at once, and the user's other groups at
 * their first login (AEM and Campaign copy IMS groups at login) or the next reconciliation. A
 * re-check, a hint or an event about a group this target does not manage plans the user's whole state.
 *
 * Each membership keeps the fact it comes from (its event's time and id): last writer wins per
 * (target, user, group) exactly as when events are applied one by one. Each event is claimed and
 * completed per target on its own, and fails only with what failed for its user.
 */
import { userKeyOf } from '../domain/access.js';
import { accessKeys, desiredMembers } from '../domain/desired.js';
import { foldName, type ImsUser } from '../domain/ims.js';
import { isManagedName, targetGroupName, type ManagedGroups } from '../domain/managed.js';
import type { DeltaMessage, HintMessage } from '../domain/messages.js';
import { planTarget } from '../domain/plan.js';
import type { TargetPlan } from '../domain/plan-types.js';
import type { TargetActual } from '../domain/state.js';
import { IncompleteReadError, SyncError } from '../errors.js';
import { applyPlanSlice, type Decision, type Fact, type TargetOutcome } from './apply-plan.js';
import { unchangedDecisions } from './decisions.js';
import { managedGroupsOf } from './managed-groups.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';
import { failureOfChanges, toTargetFailure, type TargetFailure } from './work-errors.js';

export type UserMessage = DeltaMessage | HintMessage;

/** What IMS says about a user, and as of when (epoch ms). */
export type UserFact =
  | { readonly kind: 'present'; readonly user: ImsUser; readonly at: number }
  /** Not in the org (user.removed, or UMAPI answered "no such user"): every managed group goes. */
  | { readonly kind: 'gone'; readonly at: number }
  /** The event's own proof: the user left this group or profile; nothing else is known. */
  | { readonly kind: 'removed-from'; readonly group: string; readonly at: number };

/** One message's fact, to be applied. */
export interface UserWork {
  readonly message: UserMessage;
  readonly fact: UserFact;
}

/** What became of one work in one target. */
export type WorkInTarget =
  | { readonly status: 'applied'; readonly outcome: TargetOutcome }
  | { readonly status: 'not-concerned' }
  | { readonly status: 'failed'; readonly failure: TargetFailure };

type Deps = Pick<SyncRuntime, 'config' | 'stores' | 'clock' | 'metrics' | 'log' | 'orgGroups' | 'appliedFacts'>;

interface Keyed {
  readonly work: UserWork;
  readonly key: string;
  /** The IMS group the work is planned for alone (`groupOfWork`). Absent: the user's whole state. */
  readonly group?: string;
  /** That group's folded name in the target. */
  readonly only?: string;
}

/** Plan and apply `works` (claimed, for this target) together; one result per work, same order. */
export async function applyUsersInTarget(binding: TargetBinding, works: readonly UserWork[], rt: Deps): Promise<WorkInTarget[]> {
  const target = binding.config;
  const results = new Map<UserWork, WorkInTarget>();
  const keyed: Keyed[] = [];
  for (const work of works) {
    const key = work.fact.kind === 'present' ? userKeyOf(work.fact.user, target) : keyFromReference(work.message, binding);
    if (key !== undefined) {
      const group = groupOfWork(work, target);
      if (group !== undefined) keyed.push({ work, key, group, only: foldName(targetGroupName(target, group)) });
      else if (work.fact.kind !== 'removed-from') keyed.push({ work, key });
      else results.set(work, { status: 'not-concerned' });
    } else if (work.fact.kind === 'present') {
      // A user with access always has the attribute: without it, they cannot log in to this target.
      results.set(work, { status: 'not-concerned' });
    } else {
      results.set(work, { status: 'failed', failure: toTargetFailure(target.id, new UserKeyUnknownError(target.id, target.userIdAttribute)) });
    }
  }

  const toPlan = withoutAppliedFacts(target.id, keyed, results, rt);
  if (toPlan.length > 0) {
    const managed = await managedFor(binding, toPlan, rt);
    const concerned = toPlan.filter((k) => (k.only === undefined ? managed.size > 0 : managed.has(k.only)));
    for (const k of toPlan) if (!concerned.includes(k)) results.set(k.work, { status: 'not-concerned' });
    if (concerned.length > 0) {
      for (const [work, result] of await planAndApply(binding, managed, concerned, rt)) results.set(work, result);
      rememberAppliedFacts(target.id, concerned, results, rt);
    }
  }
  return works.map((work) => results.get(work) ?? { status: 'not-concerned' });
}

/**
 * The IMS group a work is planned for alone, if any: the group a removal left, when this target
 * manages it; the managed group an addition event is about. Undefined for a removal from a group
 * this target does not manage (nothing to do here), and for whole-state work.
 */
function groupOfWork({ message, fact }: UserWork, target: TargetBinding['config']): string | undefined {
  if (fact.kind === 'removed-from') return isManagedName(target, fact.group) ? fact.group : undefined;
  const addition = fact.kind === 'present' && message.kind === 'delta' && message.change === 'membership.added';
  return addition && message.group !== undefined && isManagedName(target, message.group) ? message.group : undefined;
}

/** False only when a work certainly changes nothing in this target: a removal from a group it does not manage. */
export function mayConcern(target: TargetBinding['config'], work: UserWork): boolean {
  return work.fact.kind !== 'removed-from' || groupOfWork(work, target) !== undefined;
}

/** The groups a user's plan is limited to: those of their works, when every one is about one group; else undefined (whole state). */
function scopeOf(entries: readonly Keyed[]): Set<string> | undefined {
  const groups = new Set<string>();
  for (const { only } of entries) {
    if (only === undefined) return undefined;
    groups.add(only);
  }
  return groups;
}

const byUser = (keyed: readonly Keyed[]): Map<string, Keyed[]> => {
  const users = new Map<string, Keyed[]>();
  for (const k of keyed) users.set(k.key, [...(users.get(k.key) ?? []), k]);
  return users;
};

/**
 * The works left to plan: a user all of whose works here are whole facts no newer than one this
 * container applied in full to the target lately is done already (`applied-facts.ts`).
 */
function withoutAppliedFacts(targetId: string, keyed: readonly Keyed[], results: Map<UserWork, WorkInTarget>, rt: Deps): Keyed[] {
  const applied = rt.appliedFacts;
  if (applied === undefined) return [...keyed];
  const now = rt.clock.now();
  const rest: Keyed[] = [];
  for (const [key, entries] of byUser(keyed)) {
    const covered = entries.every(({ work }) => work.fact.kind !== 'removed-from' && applied.covers(targetId, key, work.fact.at, now));
    if (!covered) rest.push(...entries);
    else for (const { work } of entries) results.set(work, { status: 'applied', outcome: { targetId, applied: [], failed: [], skippedNewer: 0, skipped: [], deferred: 0 } });
  }
  return rest;
}

/** Users planned from a whole fact whose every work here was applied in full (nothing failed, unread or deferred). */
function rememberAppliedFacts(targetId: string, concerned: readonly Keyed[], results: ReadonlyMap<UserWork, WorkInTarget>, rt: Deps): void {
  const applied = rt.appliedFacts;
  if (applied === undefined) return;
  for (const [key, entries] of byUser(concerned)) {
    const whole = newestWholeFact(entries);
    // A plan limited to some groups did not apply the whole fact.
    if (whole === undefined || scopeOf(entries) !== undefined) continue;
    const done = entries.every(({ work }) => {
      const result = results.get(work);
      return result?.status === 'applied' && result.outcome.failed.length === 0 && result.outcome.deferred === 0;
    });
    if (done) applied.record(targetId, key, whole.fact.at, rt.clock.now());
  }
}

/**
 * The managed groups the works look at. Works each about one group G (removals, additions): those
 * G. Otherwise every managed group a user can be in. AEM: the configured names, the instance's own IMS groups and the users'
 * IMS groups cover them (no org-wide read). Campaign: the groups named by the org's profiles and
 * those the sync managed before; once a reconciliation has remembered them, no `GET groups` call
 * (5 a minute) is needed, so a user who left the org is revoked with no UMAPI call.
 */
async function managedFor(binding: TargetBinding, keyed: readonly Keyed[], rt: Deps): Promise<ManagedGroups> {
  const target = binding.config;
  const candidates = new Set<string>();
  for (const { work, group } of keyed) {
    if (group !== undefined) candidates.add(group);
    if (work.fact.kind === 'present') for (const name of work.fact.user.groups) candidates.add(name);
  }
  const anyPresent = keyed.some((k) => k.work.fact.kind === 'present');
  if (keyed.every((k) => k.only !== undefined)) {
    const wanted = new Set(keyed.map((k) => k.only));
    const managed = await managedGroupsOf(binding, candidates, rt, { remember: anyPresent });
    return new Map([...managed].filter(([folded]) => wanted.has(folded)));
  }
  if (target.kind === 'aem') {
    for (const name of await binding.adapter.listGroups()) candidates.add(name);
  } else {
    const remembered = await rt.stores.managedGroups.list(target.id, target.associationMask);
    for (const name of rt.orgGroups.peek() ?? (remembered.length > 0 ? [] : await rt.orgGroups.get())) candidates.add(name);
  }
  return managedGroupsOf(binding, candidates, rt, { remember: anyPresent });
}

async function planAndApply(binding: TargetBinding, managed: ManagedGroups, concerned: readonly Keyed[], rt: Deps): Promise<Map<UserWork, WorkInTarget>> {
  const target = binding.config;
  const byKey = byUser(concerned);
  const keys = [...byKey.keys()];

  const actual = await binding.adapter.readState({ groups: [...managed.values()].map((g) => g.name), users: keys });
  const desired = new Map<string, Set<string>>();
  const presentUsers: ImsUser[] = [];
  /** Users known only by removals from some groups: nothing else about them is planned, nor their disabled state. */
  const partial = new Set<string>();
  /** Users whose plan is limited to some groups (`scopeOf`): elsewhere they keep what they have. */
  const scoped = new Map<string, Set<string>>();
  for (const [key, entries] of byKey) {
    const whole = newestWholeFact(entries);
    let wanted = new Set<string>();
    if (whole?.fact.kind === 'present') {
      presentUsers.push(whole.fact.user);
      wanted = new Set(desiredMembers([whole.fact.user], target, managed, rt.config.identity).get(key) ?? []);
    } else if (whole === undefined) {
      partial.add(key);
    }
    const scope = scopeOf(entries);
    if (scope === undefined) {
      desired.set(key, wanted);
      continue;
    }
    scoped.set(key, scope);
    const limited = new Set([...wanted].filter((group) => scope.has(group)));
    for (const [group, state] of actual.groups) if (state.status === 'known' && state.members.has(key) && !scope.has(group)) limited.add(group);
    desired.set(key, limited);
  }
  const access = accessKeys(presentUsers, target, rt.config.identity);
  const planned = planTarget({ target, managed, desired, actual, scope: keys, access });
  // A plan limited to some groups never disables, and re-enables only on UMAPI's word: the groups it
  // kept elsewhere are no IMS fact of access. Removals alone (no UMAPI read) do neither.
  const plan: TargetPlan = { ...planned, disable: planned.disable.filter((k) => !scoped.has(k)), enable: planned.enable.filter((k) => !scoped.has(k) || access.has(k)) };

  const factOf = (member: string, group: string): Fact => factFor(byKey.get(member) ?? concerned, foldName(group));
  // A scoped plan decided nothing about the user's other groups: what it kept there is no IMS fact.
  const decided = (d: Decision): boolean => scoped.get(d.member)?.has(foldName(d.group)) ?? true;
  const decisions: Decision[] = [
    ...unchangedDecisions(plan, actual, desired, keys.filter((k) => !partial.has(k))).filter(decided),
    ...removalDecisions(plan, actual, concerned.filter((k) => partial.has(k.key))),
  ];
  const outcome = await applyPlanSlice(plan, plan.deferred, { binding, factOf }, rt, decisions);
  return new Map(concerned.map((k) => [k.work, resultOf(k, outcome, plan, target.kind)]));
}

/** The newest present/gone fact among a user's works, if any: it decides the user's whole state. */
function newestWholeFact(entries: readonly Keyed[]): UserWork | undefined {
  let newest: UserWork | undefined;
  for (const { work } of entries) if (work.fact.kind !== 'removed-from' && (newest === undefined || work.fact.at > newest.fact.at)) newest = work;
  return newest;
}

/** The fact behind one membership of a user: their whole fact, else the removal of that group. */
function factFor(entries: readonly Keyed[], group: string): Fact {
  const whole = newestWholeFact(entries);
  const chosen = whole ?? entries.find((e) => e.only === group)?.work ?? entries[0]?.work;
  if (chosen === undefined) throw new Error('no fact for a planned membership');
  const { message, fact } = chosen;
  return { eventId: message.id, at: fact.at, cause: `event ${message.id}`, ...(message.actor ? { actor: message.actor } : {}) };
}

/** A removal the target already agrees with (the user is not in G) is still recorded: an older fact cannot re-grant G. */
function removalDecisions(plan: TargetPlan, actual: TargetActual, removals: readonly Keyed[]): Decision[] {
  const changing = new Set(plan.changes.flatMap((c) => c.remove.map((m) => `${foldName(c.group)}|${m}`)));
  const decisions: Decision[] = [];
  for (const { key, only } of removals) {
    const state = only === undefined ? undefined : actual.groups.get(only);
    if (actual.identities.get(key) !== 'ims' || state?.status !== 'known' || changing.has(`${only}|${key}`)) continue;
    if (!state.members.has(key)) decisions.push({ member: key, group: state.name, present: false });
  }
  return decisions;
}

/**
 * One work's share of the target's outcome: its user's changes (for a work about one group, that
 * group's and the user's disabled state), and a failure if any of them, or a group it needed, failed.
 */
function resultOf(k: Keyed, outcome: TargetOutcome, plan: TargetPlan, kind: 'aem' | 'campaign'): WorkInTarget {
  const mine = (change: { member: string; group?: string }) =>
    change.member === k.key && (k.only === undefined || change.group === undefined || foldName(change.group) === k.only);
  const failed = outcome.failed.filter(mine);
  const targetId = outcome.targetId;
  if (failed.length > 0) return { status: 'failed', failure: failureOfChanges(targetId, failed) };
  const needed = (name: string) => k.only === undefined || foldName(name) === k.only;
  const unknown = plan.unknownGroups.filter(needed);
  if (unknown.length > 0) {
    // The plan rightly removed nothing from a group it could not read, but the work is not done: it comes back.
    const error = new IncompleteReadError(kind, `${targetId}: could not read ${unknown.join(', ')}; retried so that nothing planned there is lost`);
    return { status: 'failed', failure: toTargetFailure(targetId, error) };
  }
  const applied = outcome.applied.filter(mine);
  const skipped = outcome.skipped.filter(mine);
  const deferred = plan.deferred.filter((d) => d.kind === 'group' || d.key === k.key).length;
  return { status: 'applied', outcome: { targetId, applied, failed: [], skippedNewer: skipped.length, skipped, deferred } };
}

/** The user's key in a target when no UMAPI user is at hand: only what the event carries. */
function keyFromReference(message: UserMessage, binding: TargetBinding): string | undefined {
  const ref = message.user;
  if (ref === undefined) return undefined;
  switch (binding.config.userIdAttribute) {
    case 'email':
      return foldName(ref.email);
    case 'id':
      return ref.id === undefined ? undefined : foldName(ref.id);
    case 'username':
      return undefined;
  }
}

/**
 * The event does not carry the attribute that is the user's id in this target, and the user is no
 * longer in the org to be read: the target is not completed (parked with this reason, to replay once
 * the user is found) rather than reported done having revoked nothing.
 */
export class UserKeyUnknownError extends SyncError {
  readonly code = 'USER_KEY_UNKNOWN';
  readonly retryable = false;
  constructor(targetId: string, attribute: string) {
    super(
      `cannot tell the user's ${attribute} in ${targetId}: the event does not carry it and the user is no longer in the org; ` +
        `the next reconciliation removes them (run \`ims-sync reconcile --apply\` to do it now)`,
    );
  }
}
