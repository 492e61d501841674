import { systemClock } from '../../../lib/clock.js';
import { CampaignTarget } from '../../../lib/config/schema.js';
import { fetchTransport, type HttpRequest, type HttpTransport } from '../../../lib/http.js';
import type { TargetAdapter } from '../../../lib/targets/port.js';
import { buildCampaignTarget, type CampaignCredentials, type CampaignTuning } from '../../../lib/targets/campaign/index.js';
import type { FixtureCampaignInstance } from '../../../local/fixtures/types.js';
import { DEFAULT_CAMPAIGN_CREDENTIALS } from '../../../local/simulators/campaign/index.js';

export const HOSTILE = {
  injection: "a' or 1=1 or '",
  markup: '<x>&',
  unicode: 'ünïcødé 名前',
  spaces: 'with  spaces ',
  traversal: '../x',
  backslash: 'back\\slash\\',
} as const;

/** A small instance: IMS and local operators, managed groups, and names chosen to break naive code. */
export const testInstance = (): FixtureCampaignInstance => ({
  targetId: 'acme-campaign',
  operators: [
    { name: 'admin', ims: false },
    { name: 'webservice-api', ims: false },
    { name: 'Jane@acme.com', ims: true },
    { name: 'omar@acme.com', ims: true },
    { name: 'sam@acme.com', ims: true },
    { name: 'idle@acme.com', ims: true },
    { name: "o'brien@acme.com", ims: true },
    { name: '<x>&@acme.com', ims: true },
  ],
  groups: [
    { name: 'admin' },
    { name: 'delivery' },
    { name: 'campaign-managers' },
    { name: 'content-reviewers' },
    ...Object.values(HOSTILE).map((name) => ({ name })),
  ],
  memberships: [
    { operator: 'admin', group: 'admin' },
    { operator: 'webservice-api', group: 'delivery' },
    { operator: 'Jane@acme.com', group: 'delivery' },
    { operator: 'sam@acme.com', group: 'delivery' },
    { operator: 'omar@acme.com', group: 'campaign-managers' },
    { operator: 'sam@acme.com', group: 'campaign-managers' },
    { operator: "o'brien@acme.com", group: HOSTILE.injection },
    { operator: '<x>&@acme.com', group: HOSTILE.markup },
  ],
});

export interface RecordedCall {
  readonly action: string;
  readonly schema?: string;
  readonly body: string;
}

/** A transport that records each SOAP call (action, queried schema) before passing it on. */
export function recording(inner: HttpTransport = fetchTransport): { transport: HttpTransport; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const transport: HttpTransport = async (request: HttpRequest) => {
    const body = request.body ?? '';
    calls.push({ action: request.headers?.soapaction ?? '', schema: /<queryDef schema="([^"]+)"/.exec(body)?.[1], body });
    return inner(request);
  };
  return { transport, calls };
}

export const sessionCredentials = (): Promise<CampaignCredentials> => Promise.resolve({ type: 'session', ...DEFAULT_CAMPAIGN_CREDENTIALS });

export function campaignTarget(options: {
  url: string;
  transport?: HttpTransport;
  credentials?: () => Promise<CampaignCredentials>;
  tuning?: Partial<CampaignTuning>;
  timeoutMs?: number;
}): TargetAdapter {
  const config = CampaignTarget.parse({
    id: 'acme-campaign',
    kind: 'campaign',
    baseUrl: options.url,
    auth: { type: 'session', login: DEFAULT_CAMPAIGN_CREDENTIALS.login, password: 'env:CAMPAIGN_PASSWORD' },
    associationMask: 'Campaign - acme-prod - (.*)',
    limits: { requestsPerSecond: 1000, concurrency: 4, timeoutMs: options.timeoutMs ?? 2000 },
  });
  return buildCampaignTarget({
    http: options.transport ?? fetchTransport,
    clock: systemClock,
    config,
    credentials: options.credentials ?? sessionCredentials,
    tuning: options.tuning,
  });
}
