/**
 * Apply a webhook's change (delta or hint) for one user, in every target.
 *
 * Removal first: a `membership.removed` (user left group G) or `user.removed` is applied from the
 * event itself at once, with no UMAPI call, so revocation never waits for the UMAPI budget. Only G
 * (or, for a user who left the org, every managed group) is removed; a removal from G is followed by
 * a re-check of the user as separate work (a hint on the same FIFO group, read from UMAPI within the
 * budget), which catches what else the event implies — e.g. a profile removal that ends access to an
 * instance. Last writer wins per (target, user, group), so the re-check can never re-add what a newer
 * event removed.
 *
 * Adds and hints read the truth first (one UMAPI read), then plan user-centrically in each target:
 * granting access is never urgent enough to skip the read.
 */
import { createHash } from 'node:crypto';
import { userKeyOf } from '../domain/access.js';
import { accessKeys, desiredMembers, type DesiredMembers } from '../domain/desired.js';
import { foldName, type ImsUser } from '../domain/ims.js';
import { isManagedName, targetGroupName, type ManagedGroups } from '../domain/managed.js';
import type { DeltaMessage, HintMessage } from '../domain/messages.js';
import { planTarget } from '../domain/plan.js';
import { SyncError } from '../errors.js';
import type { TargetOutcome } from './apply-plan.js';
import { applyEventPlan } from './event-plan.js';
import { managedGroupsOf } from './managed-groups.js';
import { forEachTarget, type WorkReport } from './per-target.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';
import type { WorkBudget } from './work-budget.js';

export type UserMessage = DeltaMessage | HintMessage;

/** What IMS says about the user, and as of when (epoch ms). */
type UserFact =
  | { readonly kind: 'present'; readonly user: ImsUser; readonly at: number }
  /** Not in the org (user.removed, or UMAPI answered "no such user"): every managed group goes. */
  | { readonly kind: 'gone'; readonly at: number }
  /** The event's own proof: the user left this group or profile; nothing else is known. */
  | { readonly kind: 'removed-from'; readonly group: string; readonly at: number };

type Deps = Pick<SyncRuntime, 'config' | 'clock' | 'log' | 'metrics' | 'targets' | 'umapi' | 'orgGroups' | 'queue' | 'stores'>;

export async function applyUserWork(message: UserMessage, rt: Deps, budget?: WorkBudget): Promise<WorkReport> {
  const scope = budget ? { budget } : {};
  if (message.user === undefined) throw new UserlessHintError(message.id);
  const urgent = message.kind === 'delta' ? removalProvedByEvent(message) : undefined;
  if (message.kind === 'delta' && urgent !== undefined) {
    const targets = await forEachTarget(message.id, rt, (binding) => planAndApply(binding, message, urgent, rt), scope);
    // Queued once the removal is applied everywhere: a redelivery finds the targets done and queues it again (deduplicated).
    if (urgent.kind === 'removed-from') await rt.queue.send([recheckOf(message)]);
    return { messageId: message.id, targets };
  }
  const fact = await readFact(message, rt);
  const targets = await forEachTarget(message.id, rt, (binding) => planAndApply(binding, message, fact, rt), scope);
  return { messageId: message.id, targets };
}

/** The removal an event proves on its own, if it is one. */
function removalProvedByEvent(message: DeltaMessage): UserFact | undefined {
  const at = Date.parse(message.occurredAt);
  if (message.change === 'user.removed') return { kind: 'gone', at };
  if (message.change === 'membership.removed' && message.group !== undefined) return { kind: 'removed-from', group: message.group, at };
  return undefined;
}

/** The re-check that follows a removal applied from the event: the whole user, read from UMAPI. */
export function recheckOf(message: DeltaMessage): HintMessage {
  const suffix = ':recheck';
  const id = message.id.length + suffix.length <= 128 ? `${message.id}${suffix}` : `recheck:${createHash('sha256').update(message.id).digest('hex')}`;
  return {
    kind: 'hint',
    id,
    occurredAt: message.occurredAt,
    correlationId: message.correlationId,
    source: message.source,
    ...(message.actor ? { actor: message.actor } : {}),
    user: message.user,
    reason: `re-check after ${message.change} of ${message.group ?? 'the org'} (event ${message.id})`,
  };
}

async function readFact(message: UserMessage, rt: Deps): Promise<UserFact> {
  const email = message.user?.email ?? '';
  const readAt = rt.clock.now();
  const user = await rt.umapi.getUser(email);
  if (user === undefined) return { kind: 'gone', at: readAt };
  return { kind: 'present', user, at: readAt };
}

async function planAndApply(binding: TargetBinding, message: UserMessage, fact: UserFact, rt: Deps): Promise<TargetOutcome | 'not-concerned'> {
  const target = binding.config;
  const key = fact.kind === 'present' ? userKeyOf(fact.user, target) : keyFromReference(message, binding);
  if (key === undefined) {
    // A user with access always has the attribute; one who left the org cannot be found without it.
    if (fact.kind === 'present') return 'not-concerned';
    throw new UserKeyUnknownError(target.id, target.userIdAttribute);
  }
  const managed = await managedFor(binding, fact, rt);
  if (managed.size === 0) return 'not-concerned';

  const actual = await binding.adapter.readState({ groups: [...managed.values()].map((g) => g.name), users: [key] });
  let desired: DesiredMembers;
  if (fact.kind === 'present') {
    desired = desiredMembers([fact.user], target, managed, rt.config.identity);
    if (!desired.has(key)) desired = new Map([[key, new Set<string>()]]);
  } else {
    // Gone: nothing. Removed from G: `managed` holds G alone, so desiring nothing removes G alone.
    desired = new Map([[key, new Set<string>()]]);
  }
  const access = fact.kind === 'present' ? accessKeys([fact.user], target, rt.config.identity) : new Set<string>();
  const planned = planTarget({ target, managed, desired, actual, scope: [key], access });
  // A removal from one group says nothing of the user's access elsewhere: it never disables or enables.
  const plan = fact.kind === 'removed-from' ? { ...planned, disable: [], enable: [] } : planned;
  const context = { binding, eventId: message.id, at: fact.at, cause: `event ${message.id}`, ...(message.actor ? { actor: message.actor } : {}) };
  return applyEventPlan(plan, { actual, desired, keys: [key] }, context, rt);
}

/**
 * The managed groups a user's work looks at. A removal from G: G alone, if the target manages it.
 * Otherwise every managed group the user can be in. AEM: the configured names, the instance's own
 * IMS groups and the user's IMS groups cover them (no org-wide read). Campaign: the groups named by
 * the org's profiles and those the sync managed before; once a reconciliation has remembered them,
 * no `GET groups` call (5 a minute) is needed, so a user who left the org is revoked with no UMAPI call.
 */
async function managedFor(binding: TargetBinding, fact: UserFact, rt: Deps): Promise<ManagedGroups> {
  const target = binding.config;
  if (fact.kind === 'removed-from') {
    if (!isManagedName(target, fact.group)) return new Map();
    const hinted = foldName(targetGroupName(target, fact.group));
    const managed = await managedGroupsOf(binding, [fact.group], rt, { remember: false });
    return new Map([...managed].filter(([folded]) => folded === hinted));
  }
  const candidates = new Set<string>(fact.kind === 'present' ? fact.user.groups : []);
  if (target.kind === 'aem') {
    for (const name of await binding.adapter.listGroups()) candidates.add(name);
  } else {
    const known = rt.orgGroups.peek() ?? ((await rt.stores.managedGroups.list(target.id, target.associationMask)).length > 0 ? [] : await rt.orgGroups.get());
    for (const name of known) candidates.add(name);
  }
  return managedGroupsOf(binding, candidates, rt, { remember: fact.kind === 'present' });
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

/** A hint that names only a group is reconciled for that group, not per user. */
export class UserlessHintError extends SyncError {
  readonly code = 'USERLESS_HINT';
  readonly retryable = false;
  constructor(messageId: string) {
    super(`message ${messageId} names no user`);
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
