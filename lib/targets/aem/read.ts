/**
 * `readState`, two ways.
 *
 * Reconciliation (no `users`): identities first (a failure throws: without them nothing can be
 * planned), then every managed group, in parallel up to `limits.concurrency`, each failing alone to
 * `unknown`. A fixed handful of calls plus one per group, whatever the number of users: all IMS
 * users in one QueryBuilder call, all group homes in one, then one `.rw.json` per group (more only
 * when a list is cut), and one more QueryBuilder call only when a non-IMS member's list item does
 * not say whether it is a user or a group.
 *
 * User-centric (webhook, `users` given): each user is looked up (search, cached) and their own
 * `.rw.json` says which groups they are a declared member of — a few calls per user, whatever the
 * size of the groups; or, for a batch with more users than groups, one member list per group. When the search answer does not say whether a user is IMS, one QueryBuilder
 * call on their `rep:externalId` does. Group existence comes from the IMS group list (one
 * QueryBuilder call, cached). Under `disable-user` revocation each user's `rep:disabled` is read
 * too (one QueryBuilder call, which also says IMS or local), so a plan can tell who disabled them.
 * A configured group that is not an IMS group is `local`: never written.
 * A failed read throws: the user's state is unknown, and the work is retried.
 */
import { foldName } from '../../domain/ims.js';
import type { DisabledBy, GroupState, IdentityKind, TargetActual } from '../../domain/state.js';
import { AuthError } from '../../errors.js';
import type { ReadScope } from '../port.js';
import type { AemContext } from './context.js';
import { mapLimit } from '../../concurrency.js';
import { homeUrlPath } from './client.js';
import { disabledBy } from './ownership.js';
import { queryAllGroups, queryAuthorizable, queryImsUsers } from './queries.js';
import { readGroup, type RawGroupRead } from './read-group.js';
import { UserAnswer, type MemberItem } from './schemas.js';

type Known = Extract<RawGroupRead, { status: 'known' }>;

export async function readState(ctx: AemContext, scope: ReadScope): Promise<TargetActual> {
  const concurrency = ctx.config.limits.concurrency;
  const userScope = scope.users === undefined ? undefined : new Set(scope.users.map(foldName));
  if (userScope !== undefined) return readUserCentric(ctx, scope.groups, [...userScope]);
  const { identities, disabled } = await readImsUsers(ctx);

  await seedGroupHomes(ctx, scope.groups);
  const reads = await mapLimit(scope.groups, concurrency, async (name) => ({ name, read: await readGroup(ctx, name) }));

  const isMember = await classifyMembers(ctx, reads, identities);

  const groups = new Map<string, GroupState>();
  for (const { name, read } of reads) {
    groups.set(foldName(name), read.status === 'known' ? toKnown(read, isMember) : read);
  }
  return { targetId: ctx.config.id, groups, identities, disabled };
}

const toKnown = (read: Known, isMember: (item: MemberItem) => boolean): GroupState => ({
  status: 'known',
  name: read.name,
  members: new Set(read.members.filter(isMember).map((m) => foldName(m.authorizableId))),
  memberOf: new Set(read.memberOf.map((m) => foldName(m.authorizableId))),
});

/** All IMS users in one QueryBuilder call, and who disabled those that are (for `disable-user` revocation). */
async function readImsUsers(ctx: AemContext): Promise<{ identities: Map<string, IdentityKind>; disabled: Map<string, DisabledBy> }> {
  const identities = new Map<string, IdentityKind>();
  const disabled = new Map<string, DisabledBy>();
  for (const user of await queryImsUsers(ctx.client)) {
    identities.set(foldName(user.id), 'ims');
    const by = disabledBy(user.disabledReason);
    if (by !== undefined) disabled.set(foldName(user.id), by);
    ctx.directory.remember('user', user);
  }
  return { identities, disabled };
}

async function readUserCentric(ctx: AemContext, groupNames: readonly string[], keys: readonly string[]): Promise<TargetActual> {
  const concurrency = ctx.config.limits.concurrency;
  // Memberships from whichever costs fewer calls: each user's own `.rw.json`, or, for a batch of
  // users about a few groups (a burst of removals), each group's member list.
  const byGroup = groupNames.length < keys.length;
  await ctx.directory.lookUpUsers(keys);
  const users = await mapLimit(keys, concurrency, async (key) => ({ key, user: await ctx.directory.find('user', key) }));
  const identities = new Map<string, IdentityKind>();
  const readsDisabled = ctx.config.revocation === 'disable-user';
  const disabled = new Map<string, DisabledBy>();
  const memberOf = new Map<string, Set<string>>();
  await mapLimit(users, concurrency, async ({ key, user }) => {
    if (user === undefined) return;
    if (readsDisabled) {
      // Who disabled the user is the value of `rep:disabled` (./ownership.ts), which neither the
      // search nor `.rw.json` documents: one QueryBuilder call, which says IMS or local too.
      const found = await queryAuthorizable(ctx.client, 'user', user.id);
      identities.set(key, found.ims ? 'ims' : 'local');
      const by = disabledBy(found.disabledReason);
      if (by !== undefined) disabled.set(key, by);
    } else {
      // Unknown IMS-ness is read, never defaulted to local: a local user is never revoked (contracts/aem.md §6).
      identities.set(key, (await ctx.directory.isIms(user)) ? 'ims' : 'local');
    }
    if (byGroup) return;
    const call = `read user "${user.id}"`;
    const answer = await ctx.client.getJson(call, `${homeUrlPath(call, user.home)}.rw.json?props=declaredMemberOf`, UserAnswer);
    memberOf.set(key, new Set(answer.declaredMemberOf.map((g) => foldName(g.authorizableId))));
  });
  const inScope = new Set(keys);

  if (groupNames.some((name) => ctx.directory.cached('group', name) === undefined)) await ctx.directory.loadImsGroups();
  const groups = new Map<string, GroupState>();
  await mapLimit(groupNames, concurrency, async (name) => {
    // Not an IMS group: a configured name the list did not have, looked up on its own (rare).
    const group = await ctx.directory.find('group', name);
    const folded = foldName(name);
    if (group === undefined) {
      groups.set(folded, { status: 'missing' });
      return;
    }
    if (!(await ctx.directory.isIms(group))) {
      groups.set(folded, { status: 'local', name: group.id });
      return;
    }
    if (byGroup) {
      const read = await readGroup(ctx, name);
      if (read.status !== 'known') {
        groups.set(folded, read);
        return;
      }
      const members = new Set(read.members.map((m) => foldName(m.authorizableId)).filter((key) => inScope.has(key)));
      groups.set(folded, { status: 'known', name: read.name, members, memberOf: new Set() });
      return;
    }
    const members = new Set([...memberOf].filter(([, of]) => of.has(folded)).map(([key]) => key));
    groups.set(folded, { status: 'known', name: group.id, members, memberOf: new Set() });
  });
  // Outside `disable-user` nothing reads who is disabled: absent, so no plan relies on it.
  return { targetId: ctx.config.id, groups, identities, ...(readsDisabled ? { disabled } : {}) };
}

/** With several homes unknown, one QueryBuilder call finds them all instead of one search each. */
async function seedGroupHomes(ctx: AemContext, names: readonly string[]): Promise<void> {
  const uncached = names.filter((name) => ctx.directory.cached('group', name) === undefined);
  if (uncached.length < 2) return;
  try {
    await ctx.directory.loadImsGroups();
  } catch (error) {
    if (error instanceof AuthError) throw error;
    // Not fatal: each group falls back to its own search, and fails alone if that fails too.
  }
}

/**
 * Decide which members of the read groups count, and add the local users among them to
 * `identities`: IMS users count; other users count as `local` (reported, never removed);
 * groups nested in a managed group are not identities and are left out.
 */
async function classifyMembers(
  ctx: AemContext,
  reads: readonly { read: RawGroupRead }[],
  identities: Map<string, IdentityKind>,
): Promise<(item: MemberItem) => boolean> {
  const known = reads.flatMap(({ read }) => (read.status === 'known' ? [read] : []));
  const nonIms = known.flatMap((read) => read.members).filter((m) => !identities.has(foldName(m.authorizableId)));
  const groupIds = nonIms.some((m) => m.type === undefined)
    ? new Set((await queryAllGroups(ctx.client)).map((g) => foldName(g.id)))
    : new Set<string>();
  const isGroup = (m: MemberItem): boolean => m.type === 'group' || (m.type === undefined && groupIds.has(foldName(m.authorizableId)));
  for (const member of nonIms) {
    if (!isGroup(member)) identities.set(foldName(member.authorizableId), 'local');
  }
  return (m) => !isGroup(m);
}
