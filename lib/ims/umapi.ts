/**
 * The UMAPI reads the sync needs (contracts/ims-and-umapi.md §3), behind the Umapi port. Every
 * path segment is percent-encoded: group names carry spaces and punctuation, and a name such as
 * `../x` must stay data.
 */
import type { Clock } from '../clock.js';
import { foldName, type ImsGroup, type ImsUser } from '../domain/ims.js';
import { IncompleteReadError, ProtocolError, ValidationError } from '../errors.js';
import type { HttpTransport } from '../http.js';
import type { RetryPolicy } from '../retry.js';
import type { RateLimiter, Umapi } from './port.js';
import type { ImsTokenProvider } from './token.js';
import { GroupsPage, isNotFound, OneUser, parseBody, UsersPage } from './umapi-bodies.js';
import { readAllPages } from './umapi-paging.js';
import { createUmapiRequester, DEFAULT_UMAPI_RETRY, type UmapiAnswer } from './umapi-request.js';

export interface UmapiClientDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  readonly tokens: Pick<ImsTokenProvider, 'getToken' | 'invalidate'>;
  readonly limiter: RateLimiter;
  /** e.g. https://usermanagement.adobe.io/v2/usermanagement */
  readonly baseUrl: string;
  readonly orgId: string;
  /** The client id, sent as X-Api-Key. */
  readonly clientId: string;
  readonly timeoutMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly random?: () => number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * One path segment. `.` and `..` cannot be sent at all: URL parsers resolve them (even encoded as
 * %2E) before the request leaves, so such a name would address another resource.
 */
export function pathSegment(value: string, what: string): string {
  if (value === '' || value === '.' || value === '..') {
    throw new ValidationError(`umapi: ${what} "${value}" cannot be used in a URL path`);
  }
  return encodeURIComponent(value);
}

export function createUmapiClient(deps: UmapiClientDeps): Umapi {
  const send = createUmapiRequester({
    http: deps.http,
    clock: deps.clock,
    tokens: deps.tokens,
    limiter: deps.limiter,
    clientId: deps.clientId,
    timeoutMs: deps.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    retry: { ...DEFAULT_UMAPI_RETRY, ...deps.retry },
    ...(deps.random ? { random: deps.random } : {}),
  });
  const base = deps.baseUrl.replace(/\/+$/, '');
  const org = pathSegment(deps.orgId, 'org id');

  const usersPage = (answer: UmapiAnswer, call: string) => {
    const body = parseBody(UsersPage, answer, call);
    return { items: body.users, lastPage: body.lastPage };
  };

  return {
    listUsers: async (options) => {
      const users = await readAllPages<ImsUser>({
        call: 'GET users',
        // The full org read is what reconciliations and plans make: it draws from their lane, so
        // the single-user, group-member and group-list reads of event work never queue behind it.
        // Event work reading the whole org (a burst, lib/sync/user-facts.ts) says so.
        fetchPage: (page, call) =>
          send({
            name: call,
            family: 'users',
            lane: options?.lane ?? 'reconcile',
            ...(page > 0 && options?.laterPagesWaitMs !== undefined ? { maxWaitMs: options.laterPagesWaitMs } : {}),
            url: `${base}/users/${org}/${page}?directOnly=false` }),
        parsePage: usersPage,
        key: (user) => user.id,
        ...(options?.onPage ? { onPage: options.onPage } : {}),
        ...(options?.onChurn ? { onChurn: options.onChurn } : {}),
      });
      // readAllPages answers undefined only for a missing resource, which this listing has not.
      // An org listing no user at all is not a believable answer (the org whose credential reads it has
      // users; a proxy or an outage answering an empty page is more likely): unknown, never "everyone left".
      if (users === undefined || users.length === 0) {
        throw new IncompleteReadError('umapi', 'umapi GET users: the org listed no users at all; taken for a failed read, not for an empty org');
      }
      return users;
    },

    getUser: async (email, options) => {
      const call = 'GET user';
      const answer = await send({
        name: call,
        family: 'users',
        ...(options?.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}),
        // directOnly=false as for the user lists (§3.1): access to an instance may come through a user
        // group's profile, and a user read without it would look as if they had lost that access.
        // [assumed] that the single-user read honours the parameter as the list reads do (§3.2 is silent).
        url: `${base}/organizations/${org}/users/${pathSegment(email, 'email')}?directOnly=false`,
        allowNotFound: true,
      });
      if (answer.status === 404) {
        if (isNotFound(answer, 'error.user.not_found')) return undefined;
        // A 404 that is not UMAPI's "user not found" (a proxy, a wrong base URL) says nothing about the user.
        throw new ProtocolError('umapi', `umapi ${call} (request ${answer.requestId}): HTTP 404 without result "error.user.not_found"`);
      }
      return parseBody(OneUser, answer, call).user;
    },

    listGroupUsers: async (group, options) => {
      const segment = pathSegment(group, 'group name');
      return readAllPages<ImsUser>({
        call: `GET group users "${group}"`,
        fetchPage: (page, call) =>
          send({ name: call, family: 'users', ...(options?.maxWaitMs !== undefined ? { maxWaitMs: options.maxWaitMs } : {}), url: `${base}/users/${org}/${page}/${segment}?directOnly=false`, allowNotFound: true }),
        parsePage: usersPage,
        key: (user) => user.id,
        isMissing: (answer) => isNotFound(answer, 'error.group.not_found'),
      });
    },

    listGroups: async () => {
      const groups = await readAllPages<ImsGroup>({
        call: 'GET groups',
        fetchPage: (page, call) => send({ name: call, family: 'groups', url: `${base}/groups/${org}/${page}` }),
        parsePage: (answer, call) => {
          const body = parseBody(GroupsPage, answer, call);
          return { items: body.groups, lastPage: body.lastPage };
        },
        key: (group) => foldName(group.groupName),
      });
      return groups ?? [];
    },
  };
}
