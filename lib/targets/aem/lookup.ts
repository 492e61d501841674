/**
 * Home paths of authorizables, looked up and cached per adapter: they are random node names on
 * real instances, never computable from ids (contracts/aem.md §3).
 *
 * The search's `named` condition matches more than the exact id (prefixes, names), so answers are
 * filtered on `authorizableId`, compared case-insensitively as Oak looks ids up; an exact-case
 * match wins over a folded one. Only found authorizables are cached: a missing group may be
 * created by the next IMS login.
 */
import { foldName } from '../../domain/ims.js';
import type { AemClient } from './client.js';
import { isImsExternalId, queryImsGroups, type QueriedAuthorizable } from './queries.js';
import { SearchAnswer } from './schemas.js';

export type AuthorizableKind = 'user' | 'group';

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

  constructor(private readonly client: AemClient) {}

  private static key(kind: AuthorizableKind, id: string): string {
    return `${kind}:${foldName(id)}`;
  }

  cached(kind: AuthorizableKind, id: string): Authorizable | undefined {
    return this.cache.get(Directory.key(kind, id));
  }

  remember(kind: AuthorizableKind, found: QueriedAuthorizable): void {
    this.cache.set(Directory.key(kind, found.id), { id: found.id, kind, home: found.home, ims: found.ims });
  }

  forget(kind: AuthorizableKind, id: string): void {
    this.cache.delete(Directory.key(kind, id));
  }

  /** From the cache, else by search. Undefined: no such authorizable. */
  async find(kind: AuthorizableKind, id: string): Promise<Authorizable | undefined> {
    return this.cached(kind, id) ?? this.search(kind, id);
  }

  /** Always asks AEM (one call), and caches what it finds. */
  async search(kind: AuthorizableKind, id: string): Promise<Authorizable | undefined> {
    const query = JSON.stringify({ condition: [{ named: id }] });
    const params = new URLSearchParams({ query, offset: '0' });
    const answer = await this.client.getJson(
      `search ${kind} "${id}"`,
      `/libs/granite/security/search/authorizables.json?${params.toString()}`,
      SearchAnswer,
    );
    const candidates = answer.authorizables.filter((a) => a.type === kind && foldName(a.authorizableId) === foldName(id));
    const best = candidates.find((a) => a.authorizableId === id) ?? candidates[0];
    if (best === undefined) return undefined;
    const found: Authorizable = { id: best.authorizableId, kind, home: best.home, ims: isImsExternalId(best.externalId) };
    this.cache.set(Directory.key(kind, id), found);
    return found;
  }

  /** Every IMS group in ONE call; also fills the cache with their homes. */
  async loadImsGroups(): Promise<QueriedAuthorizable[]> {
    const groups = await queryImsGroups(this.client);
    for (const group of groups) this.remember('group', group);
    return groups;
  }
}
