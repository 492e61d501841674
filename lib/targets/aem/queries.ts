/**
 * The QueryBuilder reads (contracts/aem.md §3, §6): whole lists of authorizables in ONE call each,
 * so their cost does not grow with the number of calls. `p.limit=-1` always (the default is 10), and
 * an answer that says it was cut (`more`, or fewer hits than `total`) is an IncompleteReadError.
 */
import { IncompleteReadError, ProtocolError } from '../../errors.js';
import type { AemClient } from './client.js';
import { foldName } from '../../domain/ims.js';
import { QueryAnswer, type QueryHit } from './schemas.js';

/** IMS authorizables carry `rep:externalId = "<id>;ims"` (contracts/aem.md §1). */
export const IMS_EXTERNAL_ID_SUFFIX = ';ims';
export const isImsExternalId = (externalId: string | undefined): boolean =>
  externalId !== undefined && externalId.toLowerCase().endsWith(IMS_EXTERNAL_ID_SUFFIX);

export interface QueriedAuthorizable {
  readonly id: string;
  readonly home: string;
  readonly ims: boolean;
  /** The value of `rep:disabled`: the reason a user is disabled; undefined when enabled. */
  readonly disabledReason: string | undefined;
}

const SELECTIVE = { 'p.limit': '-1', 'p.hits': 'selective', 'p.properties': 'jcr:path rep:authorizableId rep:externalId rep:disabled' };
const IMS_ONLY = { property: 'rep:externalId', 'property.operation': 'like', 'property.value': `%${IMS_EXTERNAL_ID_SUFFIX}` };

async function queryHits(client: AemClient, call: string, params: Record<string, string>): Promise<QueryHit[]> {
  const answer = await client.getJson(call, `/bin/querybuilder.json?${new URLSearchParams(params).toString()}`, QueryAnswer);
  if (!answer.success) throw new ProtocolError('aem', `aem ${call}: QueryBuilder answered success=false`);
  if (answer.more === true || (answer.total !== undefined && answer.hits.length < answer.total)) {
    throw new IncompleteReadError('aem', `aem ${call}: QueryBuilder returned ${answer.hits.length} of ${answer.total ?? 'more'} hits`);
  }
  return answer.hits;
}

const toAuthorizable = (hit: QueryHit): QueriedAuthorizable => ({
  id: hit['rep:authorizableId'],
  home: hit['jcr:path'],
  ims: isImsExternalId(hit['rep:externalId']),
  disabledReason: hit['rep:disabled'],
});

async function query(client: AemClient, call: string, params: Record<string, string>): Promise<QueriedAuthorizable[]> {
  const hits = await queryHits(client, call, params);
  return hits.map(toAuthorizable);
}

/** Every IMS group of the instance. */
export async function queryImsGroups(client: AemClient): Promise<QueriedAuthorizable[]> {
  const hits = await query(client, 'list IMS groups', { path: '/home/groups', type: 'rep:Group', ...IMS_ONLY, ...SELECTIVE });
  // The `like` filter is the server's; keep only what really ends in ";ims".
  return hits.filter((hit) => hit.ims);
}

/** Every IMS user of the instance, those who left the org included (contracts/aem.md §6). */
export async function queryImsUsers(client: AemClient): Promise<QueriedAuthorizable[]> {
  const hits = await query(client, 'list IMS users', { path: '/home/users', type: 'rep:User', ...IMS_ONLY, ...SELECTIVE });
  return hits.filter((hit) => hit.ims);
}

/** Every group, IMS or not: tells group members from users when a member list does not say. */
export async function queryAllGroups(client: AemClient): Promise<QueriedAuthorizable[]> {
  return query(client, 'list all groups', { path: '/home/groups', type: 'rep:Group', ...SELECTIVE });
}

/**
 * One authorizable (id as AEM spells it) through the documented QueryBuilder (contracts/aem.md §3,
 * §6): its `rep:externalId` (IMS or not) and, for a user, its `rep:disabled` (the reason) — for when
 * the search answer did not say, since the search documents neither. Hits are filtered on the exact
 * id, compared case-insensitively as Oak looks ids up. No hit (it just vanished, or the answer is not
 * what was asked) is an IncompleteReadError: what it is stays unknown, never "local" or "enabled",
 * and the work is retried.
 */
export async function queryAuthorizable(client: AemClient, kind: 'user' | 'group', id: string): Promise<QueriedAuthorizable> {
  const call = `read rep:externalId of ${kind} "${id}"`;
  const hits = await queryHits(client, call, {
    path: kind === 'user' ? '/home/users' : '/home/groups',
    type: kind === 'user' ? 'rep:User' : 'rep:Group',
    property: 'rep:authorizableId',
    'property.value': id,
    ...SELECTIVE,
  });
  const matching = hits.filter((hit) => foldName(hit['rep:authorizableId']) === foldName(id));
  const hit = matching.find((h) => h['rep:authorizableId'] === id) ?? matching[0];
  if (hit === undefined) throw new IncompleteReadError('aem', `aem ${call}: QueryBuilder found no ${kind} "${id}" (IMS or local unknown)`);
  return toAuthorizable(hit);
}

/** Ids per QueryBuilder call when looking users up by id: keeps the URL far below any limit. */
const IDS_PER_QUERY = 50;

/**
 * Users by id, many in one QueryBuilder call each (a `property` predicate's `1_value`, `2_value`, …
 * are combined with OR by default: AEM 6.5 Query Builder predicate reference, `property`), with
 * their home, IMS-ness and disabled reason. The
 * predicate compares exactly: an id AEM spells in another case is not found here, and the caller
 * looks it up by search as before. A user not found may simply not exist (no first login yet).
 */
export async function queryUsersById(client: AemClient, ids: readonly string[]): Promise<QueriedAuthorizable[]> {
  const found: QueriedAuthorizable[] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_QUERY) {
    const chunk = ids.slice(start, start + IDS_PER_QUERY);
    const values = Object.fromEntries(chunk.map((id, i) => [`property.${i + 1}_value`, id]));
    const wanted = new Set(chunk.map(foldName));
    const hits = await query(client, `look up ${chunk.length} users`, { path: '/home/users', type: 'rep:User', property: 'rep:authorizableId', ...values, ...SELECTIVE });
    found.push(...hits.filter((hit) => wanted.has(foldName(hit.id))));
  }
  return found;
}

