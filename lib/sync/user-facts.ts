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
 * When the batch still has as many users to read as the org has pages (a burst of re-checks and
 * additions in a small org), the whole org is read instead, once per container at a time: every
 * listed user's record then serves this batch and, for the next minutes, every event older than the
 * read, whatever batch it comes in (`recent-group-reads.ts`). An org too large for that costs at most
 * its first page, once an hour, to find out.
 *
 * Once UMAPI asks us to wait, the users not read yet wait too: asking again would only spend the
 * budget's turn of the reads already promised.
 *
 * A user the batch holds only re-checks for (`HintMessage.recheck`: their removal is applied
 * already) is read last, and only with a turn of the budget nobody else has reserved: while
 * removals still to be proved and additions wait for the budget, re-checks wait on the queue.
 */
import { foldName } from '../domain/ims.js';
import { ThrottledError } from '../errors.js';
import { servedBy, type GroupRead, type RecentGroupReads } from './recent-group-reads.js';
import type { SyncRuntime } from './runtime.js';
import type { UserFact, UserMessage } from './user-batch.js';

/** Users per page of a group's member list (contracts/ims-and-umapi.md §3.1). */
const USERS_PER_PAGE = 2000;

export type FactOrError = UserFact | { readonly error: unknown };

type Deps = Pick<SyncRuntime, 'umapi' | 'clock' | 'orgGroups' | 'recentGroupReads'>;

/** The org read in flight in this container, if any, and when it began. */
const orgReads = new WeakMap<RecentGroupReads, { readonly startedAt: number; readonly read: Promise<GroupRead | undefined> }>();

/**
 * Facts by folded email. `receivedBy`: a time after every message of the batch was received (now,
 * unless the caller took it earlier): a read begun since (strictly later, on a clock counting
 * milliseconds) serves all of them.
 */
export async function readFacts(messages: readonly UserMessage[], rt: Deps, receivedBy = rt.clock.now()): Promise<Map<string, FactOrError>> {
  const facts = new Map<string, FactOrError>();
  const emails = new Map<string, string>();
  /** The latest event time of each user's messages: a list read serves them only if it is newer. */
  const latestEvent = new Map<string, number>();
  const usersOfGroup = new Map<string, Set<string>>();
  /** Users whose every message in the batch is a re-check (`HintMessage.recheck`). */
  const onlyRechecks = new Set<string>();
  const notOnlyRechecks = new Set<string>();
  for (const message of messages) {
    const email = message.user?.email ?? '';
    const key = foldName(email);
    if (message.kind === 'hint' && message.recheck === true && !notOnlyRechecks.has(key)) onlyRechecks.add(key);
    else {
      notOnlyRechecks.add(key);
      onlyRechecks.delete(key);
    }
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
      if (seen === undefined || !(seen.readAt > receivedBy || servedBy(seen.readAt, latestEvent.get(key) ?? 0, rt.clock.now()))) continue;
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

  const unread = (): string[] => [...emails.keys()].filter((key) => !facts.has(key));
  if (recent !== undefined && unread().length >= 2) {
    const joined = orgReads.get(recent);
    if (joined !== undefined) {
      const read = await joined.read.catch(() => undefined);
      if (read !== undefined && joined.startedAt >= receivedBy) serve(read, unread());
      else if (read !== undefined) serve(read, unread().filter((key) => servedBy(read.readAt, latestEvent.get(key) ?? 0, rt.clock.now())));
    }
    // A user a recent org read would serve, yet did not list (gone from the org, or missed by a read
    // of a changing org), is read on their own: reading the org again would not list them either.
    const orgAt = recent.orgReadAt(rt.clock.now());
    const waiting = unread().filter((key) => orgAt === undefined || !servedBy(orgAt, latestEvent.get(key) ?? 0, rt.clock.now()));
    if (waiting.length >= 2 && !orgReads.has(recent)) {
      await attempt(async () => {
        const read = readOrgIfCheaper(waiting.length, recent, rt);
        orgReads.set(recent, { startedAt: rt.clock.now(), read });
        try {
          const done = await read;
          if (done !== undefined) serve(done, waiting);
        } finally {
          orgReads.delete(recent);
        }
      }, []);
    }
  }
  for (const [group, users] of cheaperByGroup(usersOfGroup, facts, rt)) {
    await attempt(async () => {
      const readAt = rt.clock.now();
      const members = (await rt.umapi.listGroupUsers(group)) ?? [];
      recent?.put(group, { readAt, members });
      serve({ readAt, members: new Map(members.map((user) => [foldName(user.email), user])) }, users);
    }, []);
  }
  // Re-checks last, and only with a turn nobody else waits for: their removal is applied already.
  const singles = [...emails].filter(([key]) => !facts.has(key)).sort(([a], [b]) => Number(onlyRechecks.has(a)) - Number(onlyRechecks.has(b)));
  for (const [key, email] of singles) {
    await attempt(async () => {
      const readAt = rt.clock.now();
      const user = await rt.umapi.getUser(email, onlyRechecks.has(key) ? { maxWaitMs: 0 } : {});
      recent?.putUser(key, { readAt, user });
      facts.set(key, user === undefined ? { kind: 'gone', at: readAt } : { kind: 'present', user, at: readAt });
    }, [key]);
  }
  return facts;
}

/** The org read is given up after its first page when the org proves too large for it to pay. */
class OrgTooLargeToRead extends Error {}

/**
 * Event work reads the whole org only up to this many pages (10k users): its later pages may each
 * wait `ORG_PAGE_WAIT_MS` for their turn, and the batch waits with them.
 */
const MAX_ORG_READ_PAGES = 5;
/** About two turns of the users budget at its default 25 a minute. */
const ORG_PAGE_WAIT_MS = 4_000;

/**
 * The whole org, read from the event lane, when it costs no more pages than the `unread` users it
 * would save reading one by one. Remembered in `recent`; undefined when not worth it.
 */
async function readOrgIfCheaper(unread: number, recent: RecentGroupReads, rt: Deps): Promise<GroupRead | undefined> {
  const worth = (pages: number): boolean => pages <= Math.min(unread, MAX_ORG_READ_PAGES);
  const known = recent.orgPages(rt.clock.now());
  if (known !== undefined && !worth(known)) return undefined;
  const readAt = rt.clock.now();
  try {
    const users = await rt.umapi.listUsers({
      lane: 'event',
      laterPagesWaitMs: ORG_PAGE_WAIT_MS,
      // A live org changes under the read: a user it misses is read on their own, never taken for gone.
      onChurn: () => undefined,
      onPage: ({ page, usersSoFar, totalUsers }) => {
        // The page size is read, never assumed (contracts/ims-and-umapi.md §3.1): the first page's.
        if (page !== 0 || totalUsers === undefined || usersSoFar === 0) return;
        const pages = Math.max(1, Math.ceil(totalUsers / usersSoFar));
        recent.noteOrgPages(pages, rt.clock.now());
        if (!worth(pages)) throw new OrgTooLargeToRead();
      },
    });
    recent.putOrg({ readAt, users });
    return { readAt, members: new Map(users.map((user) => [foldName(user.email), user])) };
  } catch (error) {
    if (error instanceof OrgTooLargeToRead) return undefined;
    throw error;
  }
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
