/**
 * The IMS + UMAPI simulator: the token endpoint and the four UMAPI reads over an org seeded from a
 * fixture and changeable at run time, with Adobe's throttling, auth answers and paging quirks
 * (contracts/ims-and-umapi.md). Runs on http-sim, so global faults and counts come with it.
 * See docs/simulator-ims.md.
 */
import type { OrgFixture } from '../../fixtures/types.js';
import { startSimulator, type Faults, type RunningSimulator, type SimHandler, type SimRequest, type SimResponse } from '../http-sim.js';
import { takeScripted, throttledAnswer, type ImsEndpoint, type UmapiFaults } from './faults.js';
import { createOrgState } from './org.js';
import { applyOrgOp, type ImsOrgControl } from './org-ops.js';
import { createWindowLimiter, UMAPI_PER_CLIENT_LIMITS, type SimLimits } from './throttle.js';
import { createTokenStore } from './tokens.js';
import { answerUmapi, parseUmapiRoute, routePage } from './umapi-routes.js';

export interface ImsSimulatorOptions {
  fixture: OrgFixture;
  port?: number;
  /** Users (and groups) a page; UMAPI's is 2000. */
  pageSize?: number;
  /** Per-client requests a minute; the contract's 25 / 5 by default, false for none. */
  limits?: SimLimits | false;
  tokenTtlSeconds?: number;
  /** The simulator's clock (token expiry, rate windows, outages). */
  now?: () => number;
  /** http-sim's global faults at start. */
  faults?: Faults;
  /** UMAPI-specific faults at start; change them later through `umapiFaults`. */
  umapiFaults?: Partial<UmapiFaults>;
  /** Retry-After (seconds) answered while the global throttle fault is on. */
  throttleRetryAfterSeconds?: number;
}

export interface ImsSimulator extends RunningSimulator {
  readonly org: ImsOrgControl;
  /** Mutable: push scripted faults, set paging defects. */
  readonly umapiFaults: UmapiFaults;
}

/** Changes the org over HTTP (see org-ops.ts); uncounted, but global faults apply to it. */
export const ORG_CONTROL_PATH = '/__ims/org';

const TOKEN_PATHS = new Set(['/ims/token/v3', '/ims/token/v2']);

export async function startImsSimulator(options: ImsSimulatorOptions): Promise<ImsSimulator> {
  const now = options.now ?? Date.now;
  const pageSize = options.pageSize ?? 2000;
  if (!(pageSize >= 1)) throw new RangeError(`pageSize must be at least 1, got ${pageSize}`);
  const fixture = options.fixture;
  const org = createOrgState(fixture);
  const tokens = createTokenStore({
    clientId: fixture.clientId,
    clientSecret: fixture.clientSecret,
    ttlSeconds: options.tokenTtlSeconds ?? 86_399,
    now,
  });
  const window = createWindowLimiter(options.limits ?? UMAPI_PER_CLIENT_LIMITS, now);
  const umapiFaults: UmapiFaults = { scripted: [], ...options.umapiFaults };

  const control: ImsOrgControl = {
    addUserToGroup: (email, group) => org.addUserToGroup(email, group),
    removeUserFromGroup: (email, group) => org.removeUserFromGroup(email, group),
    removeUser: (email) => org.removeUser(email),
    addUser: (user) => org.addUser(user),
    setUserType: (email, type) => org.setUserType(email, type),
    setGroupProfiles: (group, profiles) => org.setGroupProfiles(group, profiles),
    addGroup: (group) => org.addGroup(group),
    users: () => org.users(),
    expireTokens: () => tokens.expireAll(),
  };

  const withRequestId = (request: SimRequest, answer: SimResponse): SimResponse => {
    const requestId = request.headers['x-request-id'];
    return typeof requestId === 'string' ? { ...answer, headers: { ...answer.headers, 'x-request-id': requestId } } : answer;
  };

  const handleUmapi = (request: SimRequest): SimResponse => {
    const route = parseUmapiRoute(request.method, request.path);
    if (route === undefined) return { status: 404, headers: { 'content-type': 'text/plain' }, body: `no route ${request.method} ${request.path}` };
    if (route === 'bad-request') return { status: 400, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 'error.invalid_request' }) };
    // Contract §2: 403 with an empty body for a missing or unknown API key; 401 for a bad token.
    const apiKey = request.headers['x-api-key'];
    if (apiKey !== fixture.clientId) return { status: 403, body: '' };
    const authorization = request.headers.authorization;
    const client = tokens.clientOf(typeof authorization === 'string' ? authorization : undefined);
    if (client === undefined) {
      return { status: 401, headers: { 'www-authenticate': 'Bearer realm="JIL", error="invalid_token"' }, body: '' };
    }
    if (route.orgId !== org.orgId) {
      return { status: 403, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ result: 'error.organization.invalid_id' }) };
    }
    const scripted = takeScripted(umapiFaults, route.endpoint, routePage(route));
    if (scripted) return scripted;
    const admission = window.admit(client, route.endpoint === 'GET groups' ? 'groups' : 'users');
    if (!admission.admitted) return throttledAnswer(String(admission.retryAfterSeconds));
    return answerUmapi(org, route, request, pageSize, umapiFaults);
  };

  const handleToken = (request: SimRequest): SimResponse => {
    const scripted = takeScripted(umapiFaults, 'POST token', undefined);
    return scripted ?? tokens.handleTokenRequest(request);
  };

  const handler: SimHandler & { control(request: SimRequest): SimResponse | undefined } = {
    classify: (request) => {
      if (request.method === 'POST' && TOKEN_PATHS.has(request.path)) return { endpoint: 'POST token' satisfies ImsEndpoint, kind: 'write' };
      const route = parseUmapiRoute(request.method, request.path);
      return route && route !== 'bad-request' ? { endpoint: route.endpoint, kind: 'read' } : undefined;
    },
    handle: (request) => {
      if (request.method === 'POST' && TOKEN_PATHS.has(request.path)) return handleToken(request);
      if (request.method === 'POST' && request.path === ORG_CONTROL_PATH) return applyOrgOp(control, request.body);
      return withRequestId(request, handleUmapi(request));
    },
    throttled: () => throttledAnswer(String(options.throttleRetryAfterSeconds ?? 5)),
    // For `POST /__sim/org`, should http-sim hand unknown control routes to the handler (see docs).
    control: (request) => (request.method === 'POST' && request.path === '/__sim/org' ? applyOrgOp(control, request.body) : undefined),
    dump: () => ({
      orgId: org.orgId,
      activeUsers: org.activeUsers().length,
      groups: org.groups().map((g) => ({ name: g.name, type: g.type, profiles: g.profiles ?? [], members: org.memberCount(g.name) })),
      liveTokens: tokens.liveTokens,
      pageSize,
      limits: options.limits ?? UMAPI_PER_CLIENT_LIMITS,
      umapiFaults,
    }),
  };

  const running = await startSimulator(handler, {
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    now,
  });
  return Object.assign(running, { org: control, umapiFaults });
}

export type { ImsOrgControl } from './org-ops.js';
export type { ImsEndpoint, ScriptedFault, UmapiFaults } from './faults.js';
export type { SimLimits } from './throttle.js';
export { UMAPI_PER_CLIENT_LIMITS } from './throttle.js';
