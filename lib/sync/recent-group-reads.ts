/**
 * UMAPI reads made by this container in the last minutes — group member lists, single users and
 * whole-org reads — so that a burst of events about the same groups or users, spread over many SQS
 * batches, reads each group or user (or, in a small org, the org) once instead of once per event.
 *
 * A list read at R is the truth at R for everyone it holds: it serves an event that happened before
 * R (less a margin for clock skew between Adobe and us), never a later one. A user it does not hold
 * is read on their own. Target state is never cached across batches; this is IMS's side only.
 */
import { foldName, type ImsUser } from '../domain/ims.js';

export interface GroupRead {
  readonly readAt: number;
  /** By folded email. */
  readonly members: ReadonlyMap<string, ImsUser>;
}

export interface RecentGroupReads {
  /** The newest read of the group, if it is recent. */
  get(group: string, now: number): GroupRead | undefined;
  put(group: string, read: { readonly readAt: number; readonly members: readonly ImsUser[] }): void;
  /** A single user's read (`GET user`): their record, or undefined when UMAPI did not know them (not in the org). */
  putUser(emailKey: string, read: { readonly readAt: number; readonly user: ImsUser | undefined }): void;
  /**
   * The newest recent read of this user: their own, or any group list holding them (a list holds each
   * member's whole record, `directOnly=false`). `user` undefined: not in the org as of `readAt`.
   */
  findUser(emailKey: string, now: number): { readonly readAt: number; readonly user: ImsUser | undefined } | undefined;
  /**
   * A read of the whole org: each listed user's record as of `readAt`, found by `findUser` like a
   * group list's. A user it did not list is not known by it (a live org's read may miss someone).
   */
  putOrg(read: { readonly readAt: number; readonly users: readonly ImsUser[] }): void;
  /** When the newest recent org read was made, if any. */
  orgReadAt(now: number): number | undefined;
  /** How many pages the org's user list had when last counted (by the first page of a read), if within the last hour. */
  orgPages(now: number): number | undefined;
  noteOrgPages(pages: number, now: number): void;
}

/**
 * How long a read may serve events that happened before it. Its facts carry the read's time, so
 * last writer wins keeps an old read from undoing any newer event; the bound is memory, and
 * `REUSE_EVENT_AGE_MS` keeps late deliveries out.
 */
export const GROUP_READ_TTL_MS = 10 * 60_000;
/** An event serves from a list only if it happened this long before the read (Adobe's clock vs ours). */
export const CLOCK_SKEW_MS = 5_000;
/** Only events this recent are served from an earlier read; older ones (late deliveries) are read afresh. */
export const REUSE_EVENT_AGE_MS = 10 * 60_000;
/** An org's size changes slowly: it decides only whether reading the whole org is worth it. */
const ORG_SIZE_TTL_MS = 60 * 60_000;
/** The org read's entry among the group lists: no group name has a control character. */
const ORG_KEY = '\u0000org';
/** Users kept in all lists together: ~0.5 KB each, so at most ~25 MB of the worker's memory. */
const MAX_CACHED_USERS = 50_000;

export function createRecentGroupReads(): RecentGroupReads {
  const reads = new Map<string, GroupRead>();
  const singles = new Map<string, { readonly readAt: number; readonly user: ImsUser | undefined }>();
  /** Users held in `reads`, all lists together. */
  let users = 0;
  let orgCount: { pages: number; at: number } | undefined;
  function put(group: string, read: { readonly readAt: number; readonly members: readonly ImsUser[] }): void {
    const key = foldName(group);
    users -= reads.get(key)?.members.size ?? 0;
    reads.delete(key);
    const members = new Map(read.members.map((user) => [foldName(user.email), user]));
    reads.set(key, { readAt: read.readAt, members });
    users += members.size;
    // Oldest first out (a Map keeps insertion order).
    for (const [oldest, entry] of reads) {
      if (users <= MAX_CACHED_USERS || oldest === key) break;
      reads.delete(oldest);
      users -= entry.members.size;
    }
  }
  return {
    get(group, now) {
      const read = reads.get(foldName(group));
      return read !== undefined && now - read.readAt <= GROUP_READ_TTL_MS ? read : undefined;
    },
    putUser(emailKey, read) {
      singles.delete(emailKey);
      singles.set(emailKey, read);
      // Oldest first out.
      for (const oldest of singles.keys()) {
        if (singles.size <= MAX_CACHED_USERS) break;
        singles.delete(oldest);
      }
    },
    findUser(emailKey, now) {
      const own = singles.get(emailKey);
      let found: { readAt: number; user: ImsUser | undefined } | undefined = own !== undefined && now - own.readAt <= GROUP_READ_TTL_MS ? own : undefined;
      for (const read of reads.values()) {
        const user = read.members.get(emailKey);
        if (user !== undefined && now - read.readAt <= GROUP_READ_TTL_MS && (found === undefined || read.readAt > found.readAt)) found = { readAt: read.readAt, user };
      }
      return found;
    },
    putOrg(read) {
      put(ORG_KEY, { readAt: read.readAt, members: read.users });
    },
    orgReadAt(now) {
      const read = reads.get(ORG_KEY);
      return read !== undefined && now - read.readAt <= GROUP_READ_TTL_MS ? read.readAt : undefined;
    },
    orgPages: (now) => (orgCount !== undefined && now - orgCount.at <= ORG_SIZE_TTL_MS ? orgCount.pages : undefined),
    noteOrgPages(pages, now) {
      orgCount = { pages, at: now };
    },
    put,
  };
}

/**
 * A read made at `readAt` serves a user whose latest event happened at `eventAt` only if it was made
 * after it (less the clock skew), and only for recent events: an event delivered long after it
 * happened (an Adobe retry hours later) is read afresh rather than trusted to be older than a read.
 * A stale answer could only miss an add: every fact carries its read time, and last writer wins
 * keeps it from undoing a newer event's removal.
 */
export function servedBy(readAt: number, eventAt: number, now: number): boolean {
  return eventAt + CLOCK_SKEW_MS <= readAt && now - eventAt <= REUSE_EVENT_AGE_MS;
}
