/**
 * Apply a webhook's change (delta or hint) for one user, in every target.
 *
 * The user's current state is read from UMAPI once (one call, through the shared budget) and planned
 * user-centrically in each target. That read is the truth at its time, so late or duplicated events
 * are harmless. Two cases need no read: a user removed from the org loses every managed group, and,
 * when UMAPI cannot be read right now, a precise "removed from group G" is applied at once from the
 * event itself (removing access is the urgent direction) before the message is retried for the rest.
 */
import { userKeyOf } from '../domain/access.js';
import { accessKeys, desiredMembers, type DesiredMembers } from '../domain/desired.js';
import { foldName, type ImsUser } from '../domain/ims.js';
import { isManagedName, managedGroupsFor, targetGroupName } from '../domain/managed.js';
import type { DeltaMessage, HintMessage } from '../domain/messages.js';
import { planTarget } from '../domain/plan.js';
import type { TargetPlan } from '../domain/plan-types.js';
import { SyncError } from '../errors.js';
import { applyPlanSlice, type TargetOutcome } from './apply-plan.js';
import { unchangedDecisions } from './decisions.js';
import { forEachTarget, type WorkReport } from './per-target.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';

export type UserMessage = DeltaMessage | HintMessage;

/** What IMS says about the user, and as of when (epoch ms). */
type UserFact =
  | { readonly kind: 'present'; readonly user: ImsUser; readonly at: number }
  | { readonly kind: 'gone'; readonly at: number }
  /** Fallback while UMAPI cannot be read: only this one removal is known. */
  | { readonly kind: 'removed-from'; readonly group: string; readonly at: number };

export async function applyUserWork(message: UserMessage, rt: SyncRuntime): Promise<WorkReport> {
  const user = message.user;
  if (user === undefined) throw new UserlessHintError(message.id);
  let fact: UserFact;
  let pendingError: unknown;
  try {
    fact = await resolveFact(message, rt);
  } catch (error) {
    const isRemoval = message.kind === 'delta' && message.change === 'membership.removed' && message.group !== undefined;
    if (!isRemoval || !(error instanceof SyncError) || !error.retryable) throw error;
    // UMAPI is throttled or down: apply what the event itself proves, then retry the message for the rest.
    rt.log.warn('UMAPI unavailable: applying the precise removal from the event, full re-check retried later', { error: error.message });
    fact = { kind: 'removed-from', group: message.group ?? '', at: Date.parse(message.occurredAt) };
    pendingError = error;
  }

  // The fallback's claim has its own key, so that the full re-check of a redelivery is not skipped as done.
  const claimKey = fact.kind === 'removed-from' ? `${message.id}#precise` : message.id;
  const targets = await forEachTarget(claimKey, rt, (binding) => planAndApply(binding, message, fact, rt));
  if (pendingError !== undefined) throw pendingError;
  return { messageId: message.id, targets };
}

async function resolveFact(message: UserMessage, rt: SyncRuntime): Promise<UserFact> {
  if (message.kind === 'delta' && message.change === 'user.removed') {
    return { kind: 'gone', at: Date.parse(message.occurredAt) };
  }
  const email = message.user?.email ?? '';
  const readAt = rt.clock.now();
  const user = await rt.umapi.getUser(email);
  if (user === undefined) return { kind: 'gone', at: readAt };
  return { kind: 'present', user, at: readAt };
}

async function planAndApply(binding: TargetBinding, message: UserMessage, fact: UserFact, rt: SyncRuntime): Promise<TargetOutcome | 'not-concerned'> {
  const target = binding.config;
  const key = fact.kind === 'present' ? userKeyOf(fact.user, target) : keyFromReference(message, binding);
  if (key === undefined) {
    rt.log.warn('cannot tell the user key in this target; left to reconciliation', { targetId: target.id, userIdAttribute: target.userIdAttribute });
    return 'not-concerned';
  }
  if (fact.kind === 'removed-from' && !isManagedName(target, fact.group)) return 'not-concerned';

  const candidates = new Set<string>(target.kind === 'aem' ? await binding.adapter.listGroups() : []);
  if (fact.kind === 'present') for (const name of fact.user.groups) candidates.add(name);
  if (fact.kind === 'removed-from') candidates.add(fact.group);
  // AEM: configured names and the instance's own IMS groups suffice, org names only add pattern matches.
  // Campaign: managed groups come only from the org's profiles (contracts/campaign.md §6): no names, no plan.
  const orgNames = target.kind === 'aem' ? await orgGroupsOrNothing(rt) : await rt.orgGroups.get();
  for (const name of orgNames) candidates.add(name);
  const managed = managedGroupsFor(target, candidates);
  if (managed.size === 0) return 'not-concerned';

  const actual = await binding.adapter.readState({ groups: [...managed.values()].map((g) => g.name), users: [key] });
  let desired: DesiredMembers;
  switch (fact.kind) {
    case 'present':
      desired = desiredMembers([fact.user], target, managed, rt.config.identity);
      if (!desired.has(key)) desired = new Map([[key, new Set<string>()]]);
      break;
    case 'gone':
      desired = new Map([[key, new Set<string>()]]);
      break;
    case 'removed-from': {
      // Keep every group the user is in now, but the one the event says they left.
      const left = foldName(targetGroupName(target, fact.group));
      const now = new Set<string>();
      for (const [name, state] of actual.groups) if (state.status === 'known' && state.members.has(key) && name !== left) now.add(name);
      desired = new Map([[key, now]]);
      break;
    }
  }
  const access = fact.kind === 'present' ? accessKeys([fact.user], target, rt.config.identity) : new Set<string>();
  const planned: TargetPlan = planTarget({ target, managed, desired, actual, scope: [key], access });
  // The fallback knows one removal, not whether the user keeps access elsewhere: it never disables.
  const plan = fact.kind === 'removed-from' ? { ...planned, disable: [], enable: [] } : planned;
  return applyPlanSlice(plan, plan.deferred, {
    binding,
    eventId: message.id,
    at: fact.at,
    cause: `event ${message.id}`,
    ...(message.actor ? { actor: message.actor } : {}),
  }, rt, unchangedDecisions(plan, actual, desired, [key]));
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

async function orgGroupsOrNothing(rt: SyncRuntime): Promise<readonly string[]> {
  try {
    return await rt.orgGroups.get();
  } catch (error) {
    rt.log.warn('org group names unavailable; planning with the names at hand', { error: String(error) });
    return [];
  }
}

/** A hint that names only a group is reconciled for that group, not per user. */
export class UserlessHintError extends SyncError {
  readonly code = 'USERLESS_HINT';
  readonly retryable = false;
  constructor(messageId: string) {
    super(`message ${messageId} names no user`);
  }
}
