/**
 * Read what IMS says now about the users a batch needs, with the fewest UMAPI requests
 * (contracts/ims-and-umapi.md §3, §4: 25 user reads a minute per client id, 2000 users a page).
 *
 * One `GET user` each, unless several of them have events about the same group G and G's member
 * list (from the org's group list, when cached) costs fewer pages than they would: then G's list is
 * read once, and every listed user's record comes with it (`directOnly=false`, so the same record as
 * `GET user`). A user the list does not hold is read on their own: not being in G says nothing of
 * their other groups.
 *
 * Once UMAPI asks us to wait, the users not read yet wait too: asking again would only spend the
 * budget's turn of the reads already promised.
 */
import { foldName } from '../domain/ims.js';
import { ThrottledError } from '../errors.js';
import { CLOCK_SKEW_MS, REUSE_EVENT_AGE_MS, type GroupRead } from './recent-group-reads.js';
import type { SyncRuntime } from './runtime.js';
import type { UserFact, UserMessage } from './user-batch.js';

/** Users per page of a group's member list (contracts/ims-and-umapi.md §3.1). */
const USERS_PER_PAGE = 2000;

export type FactOrError = UserFact | { readonly error: unknown };

type Deps = Pick<SyncRuntime, 'umapi' | 'clock' | 'orgGroups' | 'recentGroupReads'>;

/** Facts by folded email. */
export async function readFacts(messages: readonly UserMessage[], rt: Deps): Promise<Map<string, FactOrError>> {
  const facts = new Map<string, FactOrError>();
  const emails = new Map<string, string>();
  /** The latest event time of each user's messages: a list read serves them only if it is newer. */
  const latestEvent = new Map<string, number>();
  const usersOfGroup = new Map<string, Set<string>>();
  for (const message of messages) {
    const email = message.user?.email ?? '';
    const key = foldName(email);
    emails.set(key, email);
    latestEvent.set(key, Math.max(latestEvent.get(key) ?? 0, Date.parse(message.occurredAt)));
    if (message.group !== undefined) usersOfGroup.set(message.group, (usersOfGroup.get(message.group) ?? new Set<string>()).add(key));
  }
  /** A list read now, after this batch was received, so after every event in it (their times are clamped to receipt). */
  const serve = (read: GroupRead, users: Iterable<string>): void => {
    for (const key of users) {
      const user = read.members.get(key);
      if (user !== undefined && !facts.has(key)) facts.set(key, { kind: 'present', user, at: read.readAt });
    }
  };
  const recent = rt.recentGroupReads;
  if (recent !== undefined) {
    // A recent read of the user, or any recent list holding them, is their whole record (a re-check names no group).
    for (const key of emails.keys()) {
      const seen = recent.findUser(key, rt.clock.now());
      if (seen === undefined || !servedBy(seen.readAt, latestEvent.get(key) ?? 0, rt.clock.now())) continue;
      facts.set(key, seen.user === undefined ? { kind: 'gone', at: seen.readAt } : { kind: 'present', user: seen.user, at: seen.readAt });
    }
  }
  // The group sizes that tell whether a list is cheaper come with the org's group list (cached 10 minutes).
  // Only worth it when several users of the batch name one group; a lone event is one `GET user`.
  const shared = [...usersOfGroup.values()].some((users) => users.size >= 2);
  if (shared && rt.orgGroups.peek() === undefined) await rt.orgGroups.get().catch(() => undefined);

  let throttled: ThrottledError | undefined;
  const attempt = async (read: () => Promise<void>, waiting: Iterable<string>): Promise<void> => {
    if (throttled === undefined) {
      try {
        return await read();
      } catch (error) {
        if (error instanceof ThrottledError) throttled = error;
        for (const key of waiting) if (!facts.has(key)) facts.set(key, { error });
        return;
      }
    }
    for (const key of waiting) if (!facts.has(key)) facts.set(key, { error: throttled });
  };

  for (const [group, users] of cheaperByGroup(usersOfGroup, facts, rt)) {
    await attempt(async () => {
      const readAt = rt.clock.now();
      const members = (await rt.umapi.listGroupUsers(group)) ?? [];
      recent?.put(group, { readAt, members });
      serve({ readAt, members: new Map(members.map((user) => [foldName(user.email), user])) }, users);
    }, []);
  }
  for (const [key, email] of emails) {
    if (facts.has(key)) continue;
    await attempt(async () => {
      const readAt = rt.clock.now();
      const user = await rt.umapi.getUser(email);
      recent?.putUser(key, { readAt, user });
      facts.set(key, user === undefined ? { kind: 'gone', at: readAt } : { kind: 'present', user, at: readAt });
    }, [key]);
  }
  return facts;
}

/**
 * A read made at `readAt` serves a user whose latest event happened at `eventAt` only if it was made
 * after it (less the clock skew), and only for recent events: an event delivered long after it
 * happened (an Adobe retry hours later) is read afresh rather than trusted to be older than a read.
 * A stale answer could only miss an add: every fact carries its read time, and last writer wins
 * keeps it from undoing a newer event's removal.
 */
function servedBy(readAt: number, eventAt: number, now: number): boolean {
  return eventAt + CLOCK_SKEW_MS <= readAt && now - eventAt <= REUSE_EVENT_AGE_MS;
}

/**
 * Groups whose member list costs fewer pages than reading their unread batch users one by one,
 * largest saving first. With a cache of recent reads, a list that costs as many pages as the users
 * it serves here also serves the burst's next batches: then a tie is worth it (never for one user).
 */
function cheaperByGroup(usersOfGroup: ReadonlyMap<string, ReadonlySet<string>>, facts: ReadonlyMap<string, FactOrError>, rt: Deps): [string, ReadonlySet<string>][] {
  const worth: { group: string; users: ReadonlySet<string>; saving: number }[] = [];
  for (const [group, users] of usersOfGroup) {
    const size = rt.orgGroups.sizeOf(group);
    const unread = [...users].filter((key) => !facts.has(key)).length;
    if (size === undefined || unread === 0) continue;
    const pages = Math.max(1, Math.ceil(size / USERS_PER_PAGE));
    const saving = unread - pages;
    if (saving > 0 || (saving === 0 && unread >= 2 && rt.recentGroupReads !== undefined)) worth.push({ group, users, saving });
  }
  return worth.sort((a, b) => b.saving - a.saving).map(({ group, users }) => [group, users]);
}
