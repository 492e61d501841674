/**
 * Reading one group's declared members and memberships (contracts/aem.md §4). A cut list
 * (`membersTotal` -1, or fewer items than the total) is read again with a larger `ml`, and when the
 * largest allowed `ml` is still cut the group is unknown: a cut list is never taken as complete.
 * A group that is not an IMS group is `local` (reported, never written), and when whether it is one
 * cannot be read, `unknown`.
 */
import { AuthError, IncompleteReadError, NotFoundError } from '../../errors.js';
import { homeUrlPath } from './client.js';
import type { AemContext } from './context.js';
import { GroupAnswer, type MemberItem } from './schemas.js';

/** How far a raised `ml` jumps. */
const ML_GROWTH = 10;

export type RawGroupRead =
  | { readonly status: 'known'; readonly name: string; readonly members: readonly MemberItem[]; readonly memberOf: readonly MemberItem[] }
  | { readonly status: 'missing' }
  /** Exists, but is not an IMS group: never written (./ownership.ts), so its members are not read. */
  | { readonly status: 'local'; readonly name: string }
  | { readonly status: 'unknown'; readonly reason: string };

const PROPS = 'declaredMembers,declaredMemberOf,membersTotal';

const isCut = (answer: GroupAnswer): boolean =>
  answer.membersTotal < 0 || answer.declaredMembers.length < answer.membersTotal;

/** `readLocal`: read a group that is not an IMS group too (the access review's read-only look at AEM-provided groups). */
export async function readGroup(ctx: AemContext, name: string, options: { readonly readLocal?: boolean } = {}): Promise<RawGroupRead> {
  const call = `read group "${name}"`;
  try {
    let group = await ctx.directory.find('group', name);
    let lookedUpAgain = false;
    let ml = ctx.memberList.initial;
    while (group !== undefined) {
      if (options.readLocal !== true && !(await ctx.directory.isIms(group))) return { status: 'local', name: group.id };
      let answer: GroupAnswer;
      try {
        const path = `${homeUrlPath(call, group.home)}.rw.json?props=${PROPS}&ml=${ml}`;
        answer = await ctx.client.getJson(call, path, GroupAnswer);
      } catch (error) {
        // A cached home can go stale (group deleted and recreated by a later login): look it up once more.
        if (error instanceof NotFoundError && !lookedUpAgain) {
          lookedUpAgain = true;
          ctx.directory.forget('group', name);
          group = await ctx.directory.search('group', name);
          continue;
        }
        throw error;
      }
      if (!isCut(answer)) {
        return { status: 'known', name: answer.authorizableId, members: answer.declaredMembers, memberOf: answer.declaredMemberOf };
      }
      if (ml >= ctx.memberList.max) {
        throw new IncompleteReadError('aem', `aem ${call}: member list still cut at ml=${ml} (membersTotal ${answer.membersTotal})`);
      }
      ml = Math.min(ml * ML_GROWTH, ctx.memberList.max);
    }
    return { status: 'missing' };
  } catch (error) {
    // Bad credentials are not about this group: every other read would fail the same way.
    if (error instanceof AuthError) throw error;
    return { status: 'unknown', reason: error instanceof Error ? error.message : String(error) };
  }
}
