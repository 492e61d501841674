/**
 * The Campaign Classic TargetAdapter: composes the SOAP transport, the session, the target's
 * limits and the read/apply modules. Nothing outside `lib/targets/campaign` knows any of it.
 */
import type { Clock } from '../../clock.js';
import type { CampaignTarget } from '../../config/schema.js';
import type { HttpTransport } from '../../http.js';
import type { TargetAdapter } from '../port.js';
import { applyCampaignSlice } from './apply.js';
import { createCallLimiter } from '../call-limiter.js';
import { selectAll, type SoapCall } from './query.js';
import { readCampaignState } from './read-state.js';
import { readCampaignDirectMemberships } from './read-direct.js';
import { GROUP, ID, NAME, rowValues } from './schema.js';
import { createSession, type CampaignCredentials } from './session.js';
import { postSoap, type SoapAuth, type SoapRequest } from './soap.js';
import { retryTransient, TARGET_RETRY, withRetry, type RetryPolicy } from '../../retry.js';

export interface CampaignTuning {
  /** Rows per ExecuteQuery page (`lineCount`). */
  readonly lineCount: number;
  /** Names per `IN (...)` list. */
  readonly namesPerCondition: number;
  /** Operators per WriteCollection call. */
  readonly operatorsPerWrite: number;
}

export const DEFAULT_CAMPAIGN_TUNING: CampaignTuning = { lineCount: 1000, namesPerCondition: 200, operatorsPerWrite: 100 };

export interface CampaignTargetDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  readonly config: CampaignTarget;
  /** Resolved secrets; asked again at each new logon (a bearer token may have been refreshed). */
  readonly credentials: () => Promise<CampaignCredentials>;
  /** Batch sizes; defaults suit production, tests shrink them to force paging and chunking. */
  readonly tuning?: Partial<CampaignTuning>;
  /** Overrides of the in-process retry policy (tests shorten it). */
  readonly retry?: Partial<Omit<RetryPolicy, 'system'>>;
}

export const soapRouterUrl = (baseUrl: string): string => `${baseUrl.replace(/\/+$/, '')}/nl/jsp/soaprouter.jsp`;

export function buildCampaignTarget(deps: CampaignTargetDeps): TargetAdapter {
  const { config, clock } = deps;
  const tuning: CampaignTuning = { ...DEFAULT_CAMPAIGN_TUNING, ...deps.tuning };
  const limiter = createCallLimiter(config.limits, clock);
  const postDeps = { http: deps.http, endpoint: soapRouterUrl(config.baseUrl), timeoutMs: config.limits.timeoutMs, now: () => clock.now() };
  // Every HTTP request, Logon included, goes through the limiter; a 5xx, timeout or 429 is retried a
  // few times in-process as AEM's are (reads and writes alike are idempotent: insertOrUpdate, delete).
  const policy = { system: 'campaign' as const, ...TARGET_RETRY, ...deps.retry };
  const post = (request: SoapRequest, auth: SoapAuth) => withRetry(() => limiter.run(() => postSoap(postDeps, request, auth)), retryTransient, policy, { clock });
  const session = createSession(post, deps.credentials);
  const call: SoapCall = (request) => session.call(request);

  return {
    id: config.id,
    kind: 'campaign',
    async listGroups() {
      const rows = await selectAll(call, { schema: GROUP, select: [NAME], orderBy: [ID] }, tuning.lineCount);
      return rows.map((row) => rowValues(row, GROUP, { name: NAME }).name);
    },
    readState: (scope) => readCampaignState(call, config.id, scope, tuning),
    readDirectMemberships: (managedGroups, imsOperators) => readCampaignDirectMemberships(call, managedGroups, imsOperators, tuning),
    apply: (slice) => applyCampaignSlice(call, slice, tuning),
  };
}
