/**
 * `apply`: one `POST <home>.rw.html` per changed group carrying all its `addMembers` and
 * `removeMembers`, one per AEM-provided group carrying every IMS group wired into it, and one per
 * user to disable or enable (contracts/aem.md §5). Writes run in parallel up to
 * `limits.concurrency`; a failed write is reported for each change it carried, never thrown.
 *
 * Before a POST, what the sync does not own is checked (./ownership.ts), whatever the plan says — a
 * reconciliation slice may be applied minutes after it was planned: members are written only into
 * IMS groups, and only the sync's own disabling is undone (one QueryBuilder read per user status
 * change: `rep:disabled` now).
 */
import { foldName } from '../../domain/ims.js';
import type { GroupChange, PlanSlice, Wiring } from '../../domain/plan-types.js';
import { NotFoundError, SyncError } from '../../errors.js';
import type { AppliedChange, ApplyResult, FailedChange } from '../port.js';
import { homeUrlPath } from './client.js';
import type { AemContext } from './context.js';
import { mapLimit } from '../../concurrency.js';
import type { Authorizable, AuthorizableKind } from './lookup.js';
import { DISABLE_REASON, LeftAloneError, disabledBy } from './ownership.js';
import { queryAuthorizable } from './queries.js';

/** Whether the POST is still needed: `skip` when the instance is already as asked. Throws to refuse it. */
type Check = (ctx: AemContext, found: Authorizable) => Promise<'post' | 'skip'>;

interface Write {
  readonly kind: AuthorizableKind;
  /** The authorizable whose home is posted to. */
  readonly target: string;
  readonly fields: readonly (readonly [string, string])[];
  /** What this one POST applies, all or nothing. */
  readonly changes: readonly AppliedChange[];
  readonly check?: Check;
}

const imsGroupOnly: Check = async (ctx, group) => {
  if (await ctx.directory.isIms(group)) return 'post';
  throw new LeftAloneError(`aem write group "${group.id}": not an IMS group (no rep:externalId ending in ";ims"), never written`);
};

/** Disable only an enabled user (a reason someone else gave is kept); re-enable only a user the sync disabled. */
const ownDisablingOnly =
  (disable: boolean): Check =>
  async (ctx, user) => {
    const by = disabledBy((await queryAuthorizable(ctx.client, 'user', user.id)).disabledReason);
    if (disable) return by === undefined ? 'post' : 'skip';
    if (by === 'other') throw new LeftAloneError(`aem enable user "${user.id}": disabled by someone else (another reason), never re-enabled`);
    return by === 'sync' ? 'post' : 'skip';
  };

const memberChanges = (change: GroupChange): Write => ({
  kind: 'group',
  target: change.group,
  fields: [
    ['_charset_', 'utf-8'],
    ...change.add.map((id) => ['addMembers', id] as const),
    ...change.remove.map((id) => ['removeMembers', id] as const),
  ],
  changes: [
    ...change.add.map((member): AppliedChange => ({ op: 'add', group: change.group, member })),
    ...change.remove.map((member): AppliedChange => ({ op: 'remove', group: change.group, member })),
  ],
  check: imsGroupOnly,
});

/** Invert IMS group → provided groups into provided group → IMS groups: one POST per provided group. */
const wiringWrites = (wiring: readonly Wiring[]): Write[] => {
  const byProvided = new Map<string, { name: string; members: string[] }>();
  for (const { group, memberOf } of wiring) {
    for (const provided of memberOf) {
      const entry = byProvided.get(foldName(provided)) ?? { name: provided, members: [] };
      if (!entry.members.some((m) => foldName(m) === foldName(group))) entry.members.push(group);
      byProvided.set(foldName(provided), entry);
    }
  }
  return [...byProvided.values()].map(({ name, members }) => ({
    kind: 'group',
    target: name,
    fields: [['_charset_', 'utf-8'], ...members.map((id) => ['addMembers', id] as const)],
    changes: members.map((member): AppliedChange => ({ op: 'wire', group: name, member })),
  }));
};

const userStatus = (user: string, disable: boolean): Write => ({
  kind: 'user',
  target: user,
  // An empty reason re-enables the user (./ownership.ts).
  fields: [
    ['_charset_', 'utf-8'],
    ['disableUser', disable ? DISABLE_REASON : ''],
  ],
  changes: [{ op: disable ? 'disable' : 'enable', member: user }],
  check: ownDisablingOnly(disable),
});

async function post(ctx: AemContext, write: Write): Promise<void> {
  const call = `write ${write.kind} "${write.target}"`;
  const found = await ctx.directory.find(write.kind, write.target);
  if (found === undefined) throw new NotFoundError('aem', `aem ${call}: no such ${write.kind}`);
  if (write.check !== undefined && (await write.check(ctx, found)) === 'skip') return;
  await ctx.client.postForm(call, `${homeUrlPath(call, found.home)}.rw.html`, write.fields);
}

export async function apply(ctx: AemContext, slice: PlanSlice): Promise<ApplyResult> {
  const writes: Write[] = [
    ...slice.changes.filter((c) => c.add.length + c.remove.length > 0).map(memberChanges),
    ...wiringWrites(slice.wiring),
    ...slice.disable.map((user) => userStatus(user, true)),
    ...slice.enable.map((user) => userStatus(user, false)),
  ];
  const outcomes = await mapLimit(writes, ctx.config.limits.concurrency, async (write) => {
    try {
      await post(ctx, write);
      return { applied: write.changes, failed: [] };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      // Typed errors know; anything else (a bug, an unexpected answer) is not worth retrying blindly.
      const retryable = error instanceof SyncError ? error.retryable : false;
      return { applied: [], failed: write.changes.map((c): FailedChange => ({ ...c, error: message, retryable })) };
    }
  });
  return { applied: outcomes.flatMap((o) => o.applied), failed: outcomes.flatMap((o) => o.failed) };
}
