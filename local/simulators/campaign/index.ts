/**
 * The Adobe Campaign Classic simulator: `POST /nl/jsp/soaprouter.jsp`, routed by `SOAPAction`
 * (contract campaign.md §2-§5). Served on the shared simulator base (`../http-sim.ts`), which adds
 * fault injection and counts per SOAP method (read/write).
 *
 *   xtk:session#Logon                      → session token `___…` + security token `@…`
 *   xtk:queryDef#ExecuteQuery              → see query.ts
 *   xtk:session#Write / #WriteCollection   → see write.ts (also under xtk:persist)
 *
 * Every call but Logon needs a live session (cookie `__sessiontoken` or the first `<sessiontoken>`
 * parameter, and a matching `X-Security-Token`) or the configured bearer token; otherwise fault
 * XSV-350008 with HTTP 500.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { FixtureCampaignInstance } from '../../fixtures/types.js';
import { startSimulator, type Faults, type RunningSimulator, type SimHandler, type SimRequest, type SimResponse } from '../http-sim.js';
import { element, parseXml, type XmlElement } from '../../../lib/targets/campaign/xml.js';
import { elementOut, SIM_FAULTS, SimFault, soapAnswer, soapFault, stringOut } from './envelope.js';
import { CampaignModel, type OperatorGroupChange } from './model.js';
export type { OperatorGroupChange } from './model.js';
import { executeQuery } from './query.js';
import { servedSchema } from './schemas.js';
import { applyWrite } from './write.js';

export const SOAP_ROUTER_PATH = '/nl/jsp/soaprouter.jsp';
export const DEFAULT_CAMPAIGN_CREDENTIALS = { login: 'ims-sync', password: 'campaign-password' } as const;

export interface CampaignControl {
  /** An IMS first login: creates the IMS operator if needed and adds it to the (existing) groups. */
  login(operatorName: string, groups: readonly string[]): void;
  groupsOf(operator: string): string[];
  membersOf(group: string): string[];
  /** Every session now answers XSV-350008. */
  expireSessions(): void;
  snapshot(): FixtureCampaignInstance;
  /** Call `listener` for every membership a write adds or removes; returns how to stop. */
  onMembershipChange(listener: (change: OperatorGroupChange) => void): () => void;
}

export interface CampaignSimulatorOptions {
  instance: FixtureCampaignInstance;
  port?: number;
  /** Accepted by Logon; defaults to DEFAULT_CAMPAIGN_CREDENTIALS. */
  credentials?: { login: string; password: string };
  /** Accepted as `Authorization: Bearer <token>` (v8.5+); bearer auth is refused when absent. */
  bearer?: string;
  /** Session lifetime; 24 h by default (§2). */
  sessionTtlMs?: number;
  now?: () => number;
  faults?: Faults;
}

export type RunningCampaignSimulator = RunningSimulator & { readonly control: CampaignControl };

interface Session {
  readonly securityToken: string;
  readonly createdAt: number;
}

const METHODS: Record<string, 'read' | 'write'> = {
  'xtk:session#Logon': 'read',
  'xtk:queryDef#ExecuteQuery': 'read',
  'xtk:session#Write': 'write',
  'xtk:session#WriteCollection': 'write',
  'xtk:persist#Write': 'write',
  'xtk:persist#WriteCollection': 'write',
  // Only for Adobe's SDK, which reads method signatures from schemas (see schemas.ts).
  'xtk:persist#GetEntityIfMoreRecent': 'read',
};

const header = (request: SimRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};
const soapActionOf = (request: SimRequest): string => (header(request, 'soapaction') ?? '').trim().replace(/^"(.*)"$/, '$1');
/**
 * SOAP-RPC parameters are positional, as in Campaign: the first is always the session token, and
 * the names of the others vary between clients (`strLogin` in the contract, `login` in Adobe's SDK).
 */
const parameters = (call: XmlElement): readonly XmlElement[] => call.children.slice(1);

const cookie = (request: SimRequest, name: string): string | undefined => {
  for (const part of (header(request, 'cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
};

/** The `pSessionInfo` of a Logon answer: Adobe's SDK reads `serverInfo` and `userInfo` from it. */
const sessionInfo = (instanceName: string, login: string, ttlMs: number, nowMs: number) =>
  element('sessionInfo', {}, [
    element('serverInfo', {
      buildNumber: '9390',
      majNumber: '8',
      minNumber: '5',
      servicePack: '0',
      releaseName: '8.5.0',
      instanceName,
      serverDate: new Date(nowMs).toISOString(),
      sessionTimeOut: String(Math.floor(ttlMs / 1000)),
      securityTimeOut: String(Math.floor(ttlMs / 1000)),
    }),
    element('userInfo', { login, loginId: '1', locale: 'en-US', timezone: 'UTC' }, [element('login-right', { right: 'admin' })]),
  ]);

export async function startCampaignSimulator(options: CampaignSimulatorOptions): Promise<RunningCampaignSimulator> {
  const model = new CampaignModel(options.instance);
  const credentials = options.credentials ?? DEFAULT_CAMPAIGN_CREDENTIALS;
  const ttlMs = options.sessionTtlMs ?? 24 * 60 * 60 * 1000;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();

  const authenticate = (request: SimRequest, tokenParam: string): void => {
    const authorization = header(request, 'authorization');
    if (authorization !== undefined && /^Bearer /i.test(authorization)) {
      if (options.bearer !== undefined && authorization.slice(7).trim() === options.bearer) return;
      throw new SimFault(SIM_FAULTS.sessionExpired, 'bearer token refused');
    }
    const fromCookie = cookie(request, '__sessiontoken');
    if (fromCookie !== undefined && tokenParam !== '' && fromCookie !== tokenParam) {
      throw new SimFault(SIM_FAULTS.sessionExpired, 'cookie and sessiontoken parameter disagree');
    }
    const token = tokenParam || fromCookie || '';
    const session = sessions.get(token);
    if (!session || now() - session.createdAt >= ttlMs) throw new SimFault(SIM_FAULTS.sessionExpired);
    if (header(request, 'x-security-token') !== session.securityToken) throw new SimFault(SIM_FAULTS.sessionExpired, 'X-Security-Token missing or wrong');
  };

  const logon = (call: XmlElement): SimResponse => {
    const [login, password] = parameters(call);
    if (login?.text !== credentials.login || password?.text !== credentials.password) throw new SimFault(SIM_FAULTS.badLogin);
    const sessionToken = `___${randomUUID()}`;
    const securityToken = `@${randomBytes(24).toString('base64url')}`;
    sessions.set(sessionToken, { securityToken, createdAt: now() });
    return soapAnswer('xtk:session', 'Logon', [
      stringOut('pstrSessionToken', sessionToken),
      elementOut('pSessionInfo', sessionInfo(model.targetId, credentials.login, ttlMs, now())),
      stringOut('pstrSecurityToken', securityToken),
    ]);
  };

  /** The document inside the first parameter (`<entity>`, `<domDoc>`...). */
  const documentParam = (call: XmlElement, what: string): XmlElement => {
    const content = parameters(call)[0]?.children[0];
    if (!content) throw new SimFault(SIM_FAULTS.badRequest, `the ${what} parameter is missing or empty`);
    return content;
  };

  const handle = (request: SimRequest): SimResponse => {
    if (request.method !== 'POST' || request.path !== SOAP_ROUTER_PATH) {
      return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' };
    }
    const action = soapActionOf(request);
    const [urn = '', method = ''] = action.split('#');
    let call: XmlElement | undefined;
    try {
      const root = parseXml(request.body, 'simulator request');
      const body = root.name === 'Envelope' ? root.children.find((c) => c.name === 'Body') : undefined;
      call = body?.children[0];
    } catch (error) {
      return soapFault(SIM_FAULTS.badRequest, error instanceof Error ? error.message : String(error));
    }
    if (!call || call.name !== method || METHODS[action] === undefined) return soapFault(SIM_FAULTS.unknownMethod, action);
    try {
      if (action === 'xtk:session#Logon') return logon(call);
      const tokenParam = call.children[0]?.text.trim() ?? '';
      authenticate(request, tokenParam);
      if (method === 'GetEntityIfMoreRecent') {
        const schema = servedSchema(parameters(call)[0]?.text.trim() ?? '');
        return soapAnswer(urn, method, [schema ? elementOut('pdomDoc', schema) : element('pdomDoc', { 'xsi:type': 'ns:Element' })]);
      }
      if (method === 'ExecuteQuery') return soapAnswer(urn, method, [elementOut('pdomOutput', executeQuery(model, documentParam(call, 'queryDef')))]);
      applyWrite(model, documentParam(call, 'document'));
      return soapAnswer(urn, method, []);
    } catch (error) {
      if (error instanceof SimFault) return soapFault(error.faultString, error.detail);
      throw error;
    }
  };

  const handler: SimHandler = {
    classify(request) {
      const action = soapActionOf(request);
      const kind = METHODS[action];
      return kind === undefined ? undefined : { endpoint: action, kind };
    },
    handle,
    throttled: () => ({ status: 429, headers: { 'content-type': 'text/plain', 'retry-after': '1' }, body: 'Too Many Requests' }),
    dump: () => model.snapshot(),
  };

  const control: CampaignControl = {
    login(operatorName, groups) {
      const op = model.addOperator(operatorName, true);
      for (const name of groups) {
        const group = model.group(name);
        if (group) model.link(op, group);
      }
    },
    groupsOf: (operator) => model.groupsOf(operator),
    membersOf: (group) => model.membersOf(group),
    expireSessions: () => sessions.clear(),
    snapshot: () => model.snapshot(),
    onMembershipChange: (listener) => {
      model.membershipListeners.add(listener);
      return () => void model.membershipListeners.delete(listener);
    },
  };

  const running = await startSimulator(handler, { port: options.port, faults: options.faults, now });
  return Object.assign(running, { control });
}
