/**
 * Proving a removal its event does not prove. A user who left a Campaign product profile P may
 * still hold P through a user group that carries it (`isRemovalProvedByEvent`). P's member list,
 * read after the event, settles it for every such removal at once: it is read with
 * `directOnly=false` (contracts/ims-and-umapi.md §3.3), so it lists whoever reaches P either way,
 * and a user it does not list holds P no longer. Those removals are then applied as a removal its
 * event proves is: at once, then re-checked.
 *
 * One read of P proves the batch's removals from P (a FIFO group holds them together:
 * `messageGroupOf`), and, kept in the recent reads, every removal delivered later that happened
 * before it (`recent-group-reads.ts`). A recent read of the user's whole record that happened after
 * the event (their own, or a list holding them: the whole org's in a small org's burst) settles it
 * too, with no read at all. P's list is read when it costs no more pages than `GET user`
 * for each of those removals would; else each is read alone by the read path, as an addition is.
 *
 * Never a proof from what is not known: a user P's list still holds keeps P (through a group), and
 * is left to the read path, which plans their whole record; a list that could not be read (throttled,
 * failed, P unknown to UMAPI) proves nothing.
 */
import { foldName } from '../domain/ims.js';
import type { DeltaMessage } from '../domain/messages.js';
import { servedBy, type GroupRead } from './recent-group-reads.js';
import type { SyncRuntime } from './runtime.js';

/** Users per page of a group's member list (contracts/ims-and-umapi.md §3.3, as §3.1). */
const USERS_PER_PAGE = 2000;

/** A membership removal from a group, by its index in the batch. */
interface Removal {
  readonly index: number;
  readonly message: DeltaMessage;
}

type Deps = Pick<SyncRuntime, 'umapi' | 'clock' | 'orgGroups' | 'recentGroupReads' | 'log'>;

/**
 * Which of `removals` (by their index in the batch) a member list
 * of their group, read after them, proves. `receivedBy`: a time after the batch was received.
 */
export async function proveRemovalsByLists(removals: readonly Removal[], receivedBy: number, rt: Deps): Promise<Set<number>> {
  const proved = new Set<number>();
  const recent = rt.recentGroupReads;
  if (recent === undefined || removals.length === 0) return proved;
  const byGroup = new Map<string, Removal[]>();
  for (const removal of removals) {
    if (removal.message.group === undefined) continue;
    const key = foldName(removal.message.group);
    byGroup.set(key, [...(byGroup.get(key) ?? []), removal]);
  }
  for (const list of byGroup.values()) {
    const group = (list[0] as Removal).message.group as string;
    const eventAt = (message: DeltaMessage): number => Date.parse(message.occurredAt);
    /** Decides the removals `read` speaks for (`covers`); answers the others. */
    const decide = (read: GroupRead, of: readonly Removal[], covers: (removal: Removal) => boolean): Removal[] => {
      const undecided: Removal[] = [];
      for (const removal of of) {
        if (!covers(removal)) undecided.push(removal);
        else if (!read.members.has(foldName(removal.message.user.email))) proved.add(removal.index);
      }
      return undecided;
    };
    // An earlier read speaks for a removal if it began after the batch was received, or the event is old enough for it.
    const covers = (readAt: number) => (r: Removal) => readAt > receivedBy || servedBy(readAt, eventAt(r.message), rt.clock.now());
    const cached = recent.get(group, rt.clock.now());
    const undecided = cached === undefined ? list : decide(cached, list, covers(cached.readAt));
    // Or a recent read of the user's whole record (their own, or a list holding them: the org's, another group's).
    const open = undecided.filter((removal) => {
      const seen = recent.findUser(foldName(removal.message.user.email), rt.clock.now());
      if (seen === undefined || !covers(seen.readAt)(removal)) return true;
      if (seen.user === undefined || !seen.user.groups.some((g) => foldName(g) === foldName(group))) proved.add(removal.index);
      return false;
    });
    if (open.length === 0) continue;
    // The group sizes that say whether a list is worth its pages come with the org's group list (cached 10 minutes).
    if (rt.orgGroups.peek() === undefined) await rt.orgGroups.get().catch(() => undefined);
    const size = rt.orgGroups.sizeOf(group);
    if (size === undefined || Math.max(1, Math.ceil(size / USERS_PER_PAGE)) > open.length) continue;
    try {
      const readAt = rt.clock.now();
      const members = await rt.umapi.listGroupUsers(group);
      if (members === undefined) continue;
      recent.put(group, { readAt, members });
      // Read now, after the batch was received: it speaks for each of them.
      decide({ readAt, members: new Map(members.map((user) => [foldName(user.email), user])) }, open, () => true);
    } catch (error) {
      // Proves nothing: the read path reads them (or finds the budget spent, and they wait on the queue).
      rt.log.info('removals not proved by their group list', { group, removals: open.length, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return proved;
}
