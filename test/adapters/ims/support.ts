/**
 * Shared arrangements for the IMS adapter tests: the simulator on an ephemeral port, a token
 * provider and a UMAPI client wired to it over real HTTP, with tiny retry delays.
 */
import type { Clock } from '../../../lib/clock.js';
import { systemClock } from '../../../lib/clock.js';
import { fetchTransport, type HttpTransport } from '../../../lib/http.js';
import type { RateLimiter, UmapiFamily, UmapiLane } from '../../../lib/ims/port.js';
import { createImsTokenProvider, type ImsTokenProvider } from '../../../lib/ims/token.js';
import { createUmapiClient } from '../../../lib/ims/umapi.js';
import type { RetryPolicy } from '../../../lib/retry.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import type { OrgFixture } from '../../../local/fixtures/types.js';
import { startImsSimulator, type ImsSimulatorOptions } from '../../../local/simulators/ims/index.js';

export const TINY_RETRY: Partial<RetryPolicy> = { baseDelayMs: 5, maxJitterMs: 5, maxInlineWaitMs: 5_000 };

/** Real time, but sleeps are recorded and skipped, so back-off waits can be asserted exactly. */
export function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms), sleeps };
}

/** A limiter that never waits and remembers every acquire: its family, its lane in `lanes`, the longest wait asked in `waits`. */
export function countingLimiter(): RateLimiter & { acquired: UmapiFamily[]; lanes: `${UmapiFamily}/${UmapiLane}`[]; waits: (number | undefined)[] } {
  const acquired: UmapiFamily[] = [];
  const lanes: `${UmapiFamily}/${UmapiLane}`[] = [];
  const waits: (number | undefined)[] = [];
  return {
    acquire: async (family, lane = 'event', maxWaitMs) => {
      acquired.push(family);
      lanes.push(`${family}/${lane}`);
      waits.push(maxWaitMs);
    },
    acquired,
    lanes,
    waits,
  };
}

export async function startSim(options: Partial<ImsSimulatorOptions> & { fixture?: OrgFixture } = {}) {
  return startImsSimulator({ limits: false, ...options, fixture: options.fixture ?? demoOrg() });
}

export interface ClientOptions {
  clock?: Clock;
  limiter?: RateLimiter;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  clientId?: string;
  tokens?: ImsTokenProvider;
  http?: HttpTransport;
  random?: () => number;
}

export function clientFor(sim: { url: string }, fixture: OrgFixture, options: ClientOptions = {}) {
  const clock = options.clock ?? systemClock;
  const http = options.http ?? fetchTransport;
  const tokens =
    options.tokens ??
    createImsTokenProvider({
      http,
      clock,
      tokenUrl: `${sim.url}/ims/token/v3`,
      clientId: fixture.clientId,
      clientSecret: async () => fixture.clientSecret,
      scopes: ['openid', 'AdobeID', 'user_management_sdk'],
      timeoutMs: options.timeoutMs ?? 2_000,
    });
  const umapi = createUmapiClient({
    http,
    clock,
    tokens,
    limiter: options.limiter ?? countingLimiter(),
    baseUrl: `${sim.url}/v2/usermanagement`,
    orgId: fixture.orgId,
    clientId: options.clientId ?? fixture.clientId,
    timeoutMs: options.timeoutMs ?? 2_000,
    retry: options.retry ?? TINY_RETRY,
    random: options.random ?? (() => 0.5),
  });
  return { umapi, tokens };
}
