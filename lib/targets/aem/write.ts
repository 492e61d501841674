/**
 * `apply`: one `POST <home>.rw.html` per changed group carrying all its `addMembers` and
 * `removeMembers`, one per AEM-provided group carrying every IMS group wired into it, and one per
 * user to disable or enable (contracts/aem.md §5). Writes run in parallel up to
 * `limits.concurrency`; a failed write is reported for each change it carried, never thrown.
 */
import { foldName } from '../../domain/ims.js';
import type { GroupChange, PlanSlice, Wiring } from '../../domain/plan-types.js';
import { NotFoundError, SyncError } from '../../errors.js';
import type { AppliedChange, ApplyResult, FailedChange } from '../port.js';
import { homeUrlPath } from './client.js';
import type { AemContext } from './context.js';
import { mapLimit } from '../../concurrency.js';
import type { AuthorizableKind } from './lookup.js';

/** Recorded by AEM as the reason of a disabled user (Jackrabbit `User.disable(reason)`). */
export const DISABLE_REASON = 'Access revoked in Adobe IMS (ims-group-sync)';

interface Write {
  readonly kind: AuthorizableKind;
  /** The authorizable whose home is posted to. */
  readonly target: string;
  readonly fields: readonly (readonly [string, string])[];
  /** What this one POST applies, all or nothing. */
  readonly changes: readonly AppliedChange[];
}

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
  // An empty reason re-enables the user [assumed: Jackrabbit User.disable(null) semantics].
  fields: [
    ['_charset_', 'utf-8'],
    ['disableUser', disable ? DISABLE_REASON : ''],
  ],
  changes: [{ op: disable ? 'disable' : 'enable', member: user }],
});

async function post(ctx: AemContext, write: Write): Promise<void> {
  const call = `write ${write.kind} "${write.target}"`;
  const found = await ctx.directory.find(write.kind, write.target);
  if (found === undefined) throw new NotFoundError('aem', `aem ${call}: no such ${write.kind}`);
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
