/**
 * Home paths of authorizables, looked up and cached per adapter: they are random node names on
 * real instances, never computable from ids (contracts/aem.md §3).
 *
 * The search's `named` condition matches more than the exact id (prefixes, names), so answers are
 * filtered on `authorizableId`, compared case-insensitively as Oak looks ids up; an exact-case
 * match wins over a folded one. Only found authorizables are cached: a missing group may be
 * created by the next IMS login.
 *
 * IMS-ness comes from `rep:externalId` (contracts/aem.md §1, §6). The search documents no such field
 * (§3): when its item has no `externalId`, IMS-ness is unknown (`ims: undefined`), never "local", and
 * `isIms` reads it through the documented QueryBuilder, one call, cached. Groups as users: only an
 * IMS group is ever written (./ownership.ts).
 */
import { foldName } from '../../domain/ims.js';
import type { AemClient } from './client.js';
import { AuthError } from '../../errors.js';
import { isImsExternalId, queryAuthorizable, queryImsGroups, queryImsUsers, queryUsersById, type QueriedAuthorizable } from './queries.js';
import { SearchAnswer } from './schemas.js';

export type AuthorizableKind = 'user' | 'group';

/** How long one listing of the instance's IMS groups serves later calls. */
export const IMS_GROUP_LIST_TTL_MS = 30_000;

/**
 * Calls spent finding users (a search for one, or a QueryBuilder lookup of a batch's users) within
 * `USER_LOOKUP_WINDOW_MS` after which a user not cached is looked for in the instance's whole IMS
 * user list (one QueryBuilder call) instead: a burst of removals is about many users, a few a
 * batch, and a call per batch (or per user) would spend a third or more of the instance's request
 * budget on finding them. A lone event still costs one search.
 */
export const USER_LOOKUPS_BEFORE_LIST = 10;
export const USER_LOOKUP_WINDOW_MS = 60_000;

/**
 * How long one listing of the IMS users serves: it is who exists and where (identities and homes),
 * never anyone's membership. A user it does not hold (a first login since) is searched as before.
 */
export const IMS_USER_LIST_TTL_MS = 600_000;

export interface Authorizable {
  /** As AEM spells it. */
  readonly id: string;
  readonly kind: AuthorizableKind;
  readonly home: string;
  /** Created by IMS login; undefined when the answer that found it did not say. */
  readonly ims?: boolean;
}

export class Directory {
  private readonly cache = new Map<string, Authorizable>();

  private imsGroups: { readonly at: number; readonly list: Promise<QueriedAuthorizable[]> } | undefined;

  private imsUsers: { readonly at: number; readonly list: Promise<unknown> } | undefined;

  /** When the recent calls finding users were made (epoch ms), the oldest first. */
  private userLookups: number[] = [];

  /**
   * Groups a search did not find, and when: not searched again for as long as the IMS group list
   * is reused (a group created meanwhile is deferred that long, as with the list). Every batch
   * about a user who left the org otherwise searches each managed name the instance lacks.
   */
  private readonly missingGroups = new Map<string, number>();

  constructor(
    private readonly client: AemClient,
    private readonly now: () => number = Date.now,
  ) {}

  private static key(kind: AuthorizableKind, id: string): string {
    return `${kind}:${foldName(id)}`;
  }

  cached(kind: AuthorizableKind, id: string): Authorizable | undefined {
    return this.cache.get(Directory.key(kind, id));
  }

  remember(kind: AuthorizableKind, found: QueriedAuthorizable): void {
    this.cache.set(Directory.key(kind, found.id), { id: found.id, kind, home: found.home, ims: found.ims });
    this.missingGroups.delete(Directory.key(kind, found.id));
  }

  forget(kind: AuthorizableKind, id: string): void {
    this.cache.delete(Directory.key(kind, id));
  }

  /** From the cache, else (many users sought lately) the IMS user list, else by search. Undefined: no such authorizable. */
  async find(kind: AuthorizableKind, id: string): Promise<Authorizable | undefined> {
    const cached = this.cached(kind, id);
    if (cached !== undefined) return cached;
    const missingSince = this.missingGroups.get(Directory.key(kind, id));
    if (missingSince !== undefined && this.now() - missingSince <= IMS_GROUP_LIST_TTL_MS) return undefined;
    if (kind === 'user' && (await this.listUsersIfBusy())) {
      const listed = this.cached(kind, id);
      if (listed !== undefined) return listed;
    }
    return this.search(kind, id);
  }

  /**
   * Reads the IMS user list into the cache when users have been searched one by one often lately
   * and no fresh list has been read; true when a fresh list is in the cache. A failed list read is
   * no answer: users are searched as before until the list is due again (a refused login still
   * throws, and is tried again next time).
   */
  private async listUsersIfBusy(): Promise<boolean> {
    const now = this.now();
    if (this.imsUsers !== undefined && now - this.imsUsers.at <= IMS_USER_LIST_TTL_MS) return this.imsUsers.list.then(() => true, () => false);
    this.userLookups = this.userLookups.filter((at) => now - at <= USER_LOOKUP_WINDOW_MS);
    if (this.userLookups.length < USER_LOOKUPS_BEFORE_LIST) return false;
    const loading = queryImsUsers(this.client).then((users) => {
      for (const user of users) this.remember('user', user);
    });
    this.imsUsers = { at: now, list: loading };
    try {
      await loading;
      return true;
    } catch (error) {
      if (error instanceof AuthError) {
        if (this.imsUsers?.list === loading) this.imsUsers = undefined;
        throw error;
      }
      return false;
    }
  }

  /**
   * Finds the users not cached yet before they are needed one by one: from the IMS user list when
   * many users were looked up lately, else all in one QueryBuilder lookup (one each 50 ids). One
   * user alone is left to `find` (one search). A failed lookup is not fatal: each user is then
   * searched on its own; refused credentials still throw.
   */
  async lookUpUsers(ids: readonly string[]): Promise<void> {
    const uncached = (): string[] => ids.filter((id) => this.cached('user', id) === undefined);
    if (uncached().length === 0) return;
    await this.listUsersIfBusy();
    const unknown = uncached();
    if (unknown.length < 2) return;
    this.userLookups.push(this.now());
    try {
      for (const user of await queryUsersById(this.client, unknown)) this.remember('user', user);
    } catch (error) {
      if (error instanceof AuthError) throw error;
    }
  }

  /** Always asks AEM (one call), and caches what it finds. */
  async search(kind: AuthorizableKind, id: string): Promise<Authorizable | undefined> {
    if (kind === 'user') this.userLookups.push(this.now());
    const query = JSON.stringify({ condition: [{ named: id }] });
    const params = new URLSearchParams({ query, offset: '0' });
    const answer = await this.client.getJson(
      `search ${kind} "${id}"`,
      `/libs/granite/security/search/authorizables.json?${params.toString()}`,
      SearchAnswer,
    );
    const candidates = answer.authorizables.filter((a) => a.type === kind && foldName(a.authorizableId) === foldName(id));
    const best = candidates.find((a) => a.authorizableId === id) ?? candidates[0];
    if (best === undefined) {
      if (kind === 'group') this.missingGroups.set(Directory.key(kind, id), this.now());
      return undefined;
    }
    this.missingGroups.delete(Directory.key(kind, id));
    // An absent `externalId` says nothing (contracts/aem.md §3 does not document it): unknown, not local.
    const ims = best.externalId === undefined ? undefined : isImsExternalId(best.externalId);
    const found: Authorizable = { id: best.authorizableId, kind, home: best.home, ...(ims === undefined ? {} : { ims }) };
    this.cache.set(Directory.key(kind, id), found);
    return found;
  }

  /**
   * Whether a found user or group is an IMS one: as recorded, else from `rep:externalId` by
   * QueryBuilder (one call, then cached). A failed read throws: the caller must not take it for local.
   */
  async isIms(found: Authorizable): Promise<boolean> {
    if (found.ims !== undefined) return found.ims;
    const { ims } = await queryAuthorizable(this.client, found.kind, found.id);
    this.cache.set(Directory.key(found.kind, found.id), { ...found, ims });
    return ims;
  }

  /** Every IMS group in ONE call; also fills the cache with their homes. */
  /**
   * Every IMS group of the instance (one QueryBuilder call), shared by the calls of the next
   * `IMS_GROUP_LIST_TTL_MS`: a burst's batches ask for it once, not once each. It is the list of
   * groups, not anyone's membership, and a group created meanwhile is only deferred until it is seen.
   */
  async loadImsGroups(): Promise<QueriedAuthorizable[]> {
    const now = this.now();
    if (this.imsGroups === undefined || now - this.imsGroups.at > IMS_GROUP_LIST_TTL_MS) {
      const loading = queryImsGroups(this.client).then((groups) => {
        for (const group of groups) this.remember('group', group);
        return groups;
      });
      this.imsGroups = { at: now, list: loading };
      // A failed load must not stick: the next call tries again.
      loading.catch(() => {
        if (this.imsGroups?.list === loading) this.imsGroups = undefined;
      });
    }
    return this.imsGroups.list;
  }
}
