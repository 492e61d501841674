/**
 * For the access review: which IMS users are declared members of a group that is not an IMS group
 * (AEM-provided groups such as content-authors, and any other local group) — access that removing
 * the user in the Admin Console does not take away (contracts/aem.md §1, §6). Read only: all groups
 * in one QueryBuilder call, then one `.rw.json` per local group; the IMS users are the caller's.
 */
import { mapLimit } from '../../concurrency.js';
import type { DirectMemberships } from '../../domain/findings.js';
import { foldName } from '../../domain/ims.js';
import type { AemContext } from './context.js';
import { queryAllGroups } from './queries.js';
import { readGroup } from './read-group.js';

export async function readDirectMemberships(ctx: AemContext, managedGroups: readonly string[], imsUsers: ReadonlySet<string>): Promise<DirectMemberships> {
  const allGroups = await queryAllGroups(ctx.client);
  const managed = new Set(managedGroups.map(foldName));
  const local = allGroups.filter((group) => !group.ims && !managed.has(foldName(group.id)));
  for (const group of local) ctx.directory.remember('group', group);

  const reads = await mapLimit(local, ctx.config.limits.concurrency, async (group) => ({ name: group.id, read: await readGroup(ctx, group.id, { readLocal: true }) }));
  const byUser = new Map<string, string[]>();
  const unknownGroups: string[] = [];
  for (const { name, read } of reads) {
    if (read.status === 'unknown') unknownGroups.push(name);
    if (read.status !== 'known') continue;
    for (const member of read.members) {
      const key = foldName(member.authorizableId);
      // Only IMS users: nested groups (IMS groups wired in) and local users are not direct IMS access.
      if (member.type !== 'group' && imsUsers.has(key)) byUser.set(key, [...(byUser.get(key) ?? []), read.name]);
    }
  }
  return { byUser, unknownGroups };
}
