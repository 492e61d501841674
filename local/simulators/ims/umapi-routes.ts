/**
 * The UMAPI reads (contracts/ims-and-umapi.md §3) over the simulated org, with the real shapes:
 * paging headers as strings, the last page served again past the end, only active users, fields
 * without a value left out, and `directOnly` defaulting to true.
 */
import type { FixtureGroup, FixtureUser } from '../../fixtures/types.js';
import type { SimRequest, SimResponse } from '../http-sim.js';
import type { UmapiFaults } from './faults.js';
import type { OrgState } from './org.js';

export const UMAPI_PREFIX = '/v2/usermanagement/';

export type UmapiRoute =
  | { endpoint: 'GET users'; orgId: string; page: number }
  | { endpoint: 'GET group users'; orgId: string; page: number; group: string }
  | { endpoint: 'GET user'; orgId: string; email: string }
  | { endpoint: 'GET groups'; orgId: string; page: number };

/** Decode the path into a route; a name that held `/` stays one segment because it arrives as %2F. */
export function parseUmapiRoute(method: string, path: string): UmapiRoute | 'bad-request' | undefined {
  if (method !== 'GET' || !path.startsWith(UMAPI_PREFIX)) return undefined;
  let parts: string[];
  try {
    parts = path.slice(UMAPI_PREFIX.length).split('/').map(decodeURIComponent);
  } catch {
    return 'bad-request';
  }
  const pageOf = (s: string | undefined): number | undefined => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const [kind, orgId, third, fourth] = parts;
  if (orgId === undefined) return undefined;
  if (kind === 'organizations' && parts.length === 4 && third === 'users' && fourth) return { endpoint: 'GET user', orgId, email: fourth };
  const page = pageOf(third);
  if (kind === 'users' && parts.length === 3 && page !== undefined) return { endpoint: 'GET users', orgId, page };
  if (kind === 'users' && parts.length === 4 && page !== undefined && fourth) return { endpoint: 'GET group users', orgId, page, group: fourth };
  if (kind === 'groups' && parts.length === 3 && page !== undefined) return { endpoint: 'GET groups', orgId, page };
  if ((kind === 'users' || kind === 'groups') && page === undefined) return 'bad-request';
  return undefined;
}

export const routePage = (route: UmapiRoute): number | undefined => ('page' in route ? route.page : undefined);

const json = (status: number, value: unknown, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json;charset=UTF-8', ...headers },
  body: JSON.stringify(value),
});

/** A user as UMAPI shows it: no empty fields, `groups` depending on directOnly. */
export function userView(org: OrgState, user: FixtureUser, directOnly: boolean): Record<string, unknown> {
  const groups = org.groupsOf(user, directOnly);
  const domain = user.email.includes('@') ? user.email.slice(user.email.lastIndexOf('@') + 1) : undefined;
  return {
    id: user.id,
    email: user.email,
    status: user.status ?? 'active',
    username: user.username ?? user.email,
    ...(domain ? { domain } : {}),
    ...(user.firstname ? { firstname: user.firstname } : {}),
    ...(user.lastname ? { lastname: user.lastname } : {}),
    country: 'US',
    type: user.type,
    ...(groups.length > 0 ? { groups } : {}),
  };
}

function groupView(org: OrgState, group: FixtureGroup, index: number): Record<string, unknown> {
  const common = { groupId: 4_000_000 + index, groupName: group.name, type: group.type, memberCount: org.memberCount(group.name) };
  return group.type === 'USER_GROUP'
    ? { ...common, adminGroupName: `_admin_${group.name}` }
    : { ...common, ...(group.productName ? { productName: group.productName } : {}), licenseQuota: 'UNLIMITED' };
}

interface Page<T> {
  items: T[];
  page: number;
  lastPage: boolean;
  headers: Record<string, string>;
}

/** Asking past the last page answers the last page again (contract §3.1). */
function pageOf<T>(all: readonly T[], asked: number, pageSize: number, totalSkew = 0): Page<T> {
  const pageCount = Math.max(1, Math.ceil(all.length / pageSize));
  const page = Math.min(asked, pageCount - 1);
  return {
    items: all.slice(page * pageSize, (page + 1) * pageSize),
    page,
    lastPage: page === pageCount - 1,
    headers: {
      'x-total-count': String(all.length + totalSkew),
      'x-page-count': String(pageCount),
      'x-current-page': String(page),
      'x-page-size': String(pageSize),
    },
  };
}

export function answerUmapi(org: OrgState, route: UmapiRoute, request: SimRequest, pageSize: number, faults: UmapiFaults): SimResponse {
  // directOnly is true unless asked otherwise (contract §3.1).
  const directOnly = request.query.get('directOnly') !== 'false';
  switch (route.endpoint) {
    case 'GET users': {
      let asked = route.page;
      if (faults.repeatUsersPage !== undefined && asked === faults.repeatUsersPage && asked > 0) asked -= 1;
      const page = pageOf(org.activeUsers(), asked, pageSize, faults.totalCountSkew ?? 0);
      if (faults.emptyUsersPage !== undefined && route.page === faults.emptyUsersPage) {
        return json(200, { lastPage: false, result: 'success', users: [] }, page.headers);
      }
      return json(200, { lastPage: page.lastPage, result: 'success', users: page.items.map((u) => userView(org, u, directOnly)) }, page.headers);
    }
    case 'GET group users': {
      const group = org.getGroup(route.group);
      const members = org.membersOf(route.group, directOnly);
      if (!group || !members) {
        return json(404, { lastPage: false, result: 'error.group.not_found', message: `Not found: Group ${route.group}` });
      }
      const page = pageOf(members, route.page, pageSize);
      const users = page.items.map((u) => userView(org, u, directOnly));
      return json(200, { lastPage: page.lastPage, result: 'success', groupName: group.name, users }, page.headers);
    }
    case 'GET user': {
      const user = org.getActiveUser(route.email);
      if (!user) return json(404, { result: 'error.user.not_found', message: `User not found ${route.email}` });
      return json(200, { result: 'success', user: userView(org, user, directOnly) });
    }
    case 'GET groups': {
      const all = org.groups().map((g, i) => groupView(org, g, i));
      const page = pageOf(all, route.page, pageSize);
      return json(200, { lastPage: page.lastPage, result: 'success', groups: page.items }, page.headers);
    }
  }
}

