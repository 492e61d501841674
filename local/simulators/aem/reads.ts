/**
 * The read endpoints the AEM client uses (contracts/aem.md §3, §4, §6), with the quirks that
 * matter to it: the search's `named` matches substrings of ids and names, QueryBuilder's default
 * `p.limit` is 10, and `ml` cuts member lists (membersTotal -1).
 */
import type { SimResponse } from '../http-sim.js';
import type { AemModel, SimAuthorizable } from './model.js';

/** `ml` when the request gives none. Real AEM's default is not documented; small, so it shows. */
export const DEFAULT_ML = 100;
/** QueryBuilder's documented default `p.limit`. */
const DEFAULT_P_LIMIT = 10;

const json = (status: number, value: unknown): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(value),
});

const externalId = (a: SimAuthorizable): string | undefined => (a.ims ? `${a.id};ims` : undefined);

const item = (a: SimAuthorizable, withExternalId: boolean) => ({
  type: a.kind,
  authorizableId: a.id,
  name: a.id,
  home: a.home,
  ...(withExternalId && a.ims ? { externalId: externalId(a) } : {}),
});

export interface SearchOptions {
  /** False: items never carry `externalId`, only the fields contracts/aem.md §3 documents. */
  readonly externalId: boolean;
}

/** `GET /libs/granite/security/search/authorizables.json?query=<json>&offset=<n>` */
export function search(model: AemModel, query: URLSearchParams, options: SearchOptions = { externalId: true }): SimResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(query.get('query') ?? '{}');
  } catch {
    return json(400, { error: 'query is not JSON' });
  }
  const conditions = (parsed as { condition?: unknown }).condition;
  const named = Array.isArray(conditions)
    ? conditions.flatMap((c: unknown) => (typeof (c as { named?: unknown }).named === 'string' ? [(c as { named: string }).named] : []))
    : [];
  const offset = Number(query.get('offset') ?? '0') || 0;
  const matches = model
    .all()
    .filter((a) => named.every((n) => a.id.toLowerCase().includes(n.toLowerCase())))
    .sort((x, y) => x.id.localeCompare(y.id));
  const page = matches.slice(offset);
  return json(200, { authorizables: page.map((a) => item(a, options.externalId)), total: matches.length, offset, results: page.length });
}

const likeToRegExp = (pattern: string): RegExp =>
  new RegExp(
    `^${[...pattern].map((c) => (c === '%' ? '.*' : c === '_' ? '.' : c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`,
    's',
  );

const propertyOf = (a: SimAuthorizable, name: string): string | undefined => {
  if (name === 'rep:externalId') return externalId(a);
  if (name === 'rep:authorizableId') return a.id;
  if (name === 'jcr:path') return a.home;
  if (name === 'rep:disabled') return a.disabled;
  return undefined;
};

/** `GET /bin/querybuilder.json`: path, type, one property predicate (equals/like/exists, N_value), p.limit/p.offset/p.hits/p.properties. */
export function queryBuilder(model: AemModel, query: URLSearchParams): SimResponse {
  const path = query.get('path') ?? '/';
  const type = query.get('type');
  const property = query.get('property');
  const operation = query.get('property.operation') ?? 'equals';
  const values = [...query.entries()].filter(([k]) => /^property\.(\d+_)?value$/.test(k)).map(([, v]) => v);
  let hits = model.all().filter((a) => a.home.startsWith(`${path.replace(/\/$/, '')}/`));
  if (type === 'rep:User') hits = hits.filter((a) => a.kind === 'user');
  else if (type === 'rep:Group') hits = hits.filter((a) => a.kind === 'group');
  else if (type !== null && type !== 'rep:Authorizable') hits = [];
  if (property) {
    hits = hits.filter((a) => {
      const value = propertyOf(a, property);
      if (operation === 'exists') return value !== undefined;
      if (value === undefined) return false;
      if (values.length === 0) return true;
      return values.some((v) => (operation === 'like' ? likeToRegExp(v).test(value) : v === value));
    });
  }
  hits.sort((x, y) => x.home.localeCompare(y.home));
  const limit = Number(query.get('p.limit') ?? DEFAULT_P_LIMIT);
  const offset = Number(query.get('p.offset') ?? '0') || 0;
  const page = limit < 0 ? hits.slice(offset) : hits.slice(offset, offset + limit);
  const selective = query.get('p.hits') === 'selective';
  const properties = (query.get('p.properties') ?? '').split(/\s+/).filter(Boolean);
  const shaped = page.map((a) => {
    if (!selective) return { path: a.home, name: a.home.split('/').pop(), title: a.id };
    const hit: Record<string, string> = {};
    for (const name of properties) {
      const value = propertyOf(a, name);
      if (value !== undefined) hit[name] = value;
    }
    return hit;
  });
  return json(200, { success: true, results: page.length, total: hits.length, more: offset + page.length < hits.length, offset, hits: shaped });
}

/** `GET <home>.rw.json?props=...&ml=<n>` */
export function readAuthorizable(model: AemModel, target: SimAuthorizable, query: URLSearchParams): SimResponse {
  const props = new Set((query.get('props') ?? '').split(',').map((p) => p.trim()).filter(Boolean));
  const mlParam = query.get('ml');
  const ml = mlParam === null ? DEFAULT_ML : Number(mlParam);
  if (!Number.isInteger(ml) || ml < 0) return json(400, { error: `ml must be a whole number, not "${mlParam}"` });
  const listed = (ids: Iterable<string>) => [...ids].map((id) => model.require(id)).map((a) => ({ authorizableId: a.id, name: a.id }));
  const answer: Record<string, unknown> = { type: target.kind, authorizableId: target.id, name: target.id, home: target.home };
  if (target.kind === 'user') answer.disabled = target.disabled !== undefined;
  const members = [...target.members];
  const cut = members.length > ml;
  if (props.has('declaredMembers') && target.kind === 'group') answer.declaredMembers = listed(members.slice(0, ml));
  if (props.has('membersTotal') && target.kind === 'group') answer.membersTotal = cut ? -1 : members.length;
  if (props.has('declaredMemberOf')) answer.declaredMemberOf = listed(model.memberOf(target.id).map((g) => g.id));
  return json(200, answer);
}
