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
import type { SyncRuntime } from './runtime.js';
import type { UserFact, UserMessage } from './user-batch.js';

/** Users per page of a group's member list (contracts/ims-and-umapi.md §3.1). */
const USERS_PER_PAGE = 2000;

export type FactOrError = UserFact | { readonly error: unknown };

type Deps = Pick<SyncRuntime, 'umapi' | 'clock' | 'orgGroups'>;

/** Facts by folded email. */
export async function readFacts(messages: readonly UserMessage[], rt: Deps): Promise<Map<string, FactOrError>> {
  const facts = new Map<string, FactOrError>();
  const emails = new Map<string, string>();
  const usersOfGroup = new Map<string, Set<string>>();
  for (const message of messages) {
    const email = message.user?.email ?? '';
    emails.set(foldName(email), email);
    if (message.group !== undefined) {
      const users = usersOfGroup.get(message.group) ?? new Set<string>();
      usersOfGroup.set(message.group, users.add(foldName(email)));
    }
  }
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

  for (const [group, users] of cheaperByGroup(usersOfGroup, rt)) {
    const unread = [...users].filter((key) => !facts.has(key));
    if (unread.length < 2) continue;
    await attempt(async () => {
      const readAt = rt.clock.now();
      const members = await rt.umapi.listGroupUsers(group);
      for (const user of members ?? []) {
        const key = foldName(user.email);
        if (users.has(key) && !facts.has(key)) facts.set(key, { kind: 'present', user, at: readAt });
      }
    }, []);
  }
  for (const [key, email] of emails) {
    if (facts.has(key)) continue;
    await attempt(async () => {
      const readAt = rt.clock.now();
      const user = await rt.umapi.getUser(email);
      facts.set(key, user === undefined ? { kind: 'gone', at: readAt } : { kind: 'present', user, at: readAt });
    }, [key]);
  }
  return facts;
}

/** Groups whose member list costs fewer pages than reading their batch users one by one, largest saving first. */
function cheaperByGroup(usersOfGroup: ReadonlyMap<string, ReadonlySet<string>>, rt: Deps): [string, ReadonlySet<string>][] {
  const worth: { group: string; users: ReadonlySet<string>; saving: number }[] = [];
  for (const [group, users] of usersOfGroup) {
    const size = rt.orgGroups.sizeOf(group);
    if (size === undefined || users.size < 2) continue;
    const pages = Math.max(1, Math.ceil(size / USERS_PER_PAGE));
    if (pages < users.size) worth.push({ group, users, saving: users.size - pages });
  }
  return worth.sort((a, b) => b.saving - a.saving).map(({ group, users }) => [group, users]);
}
