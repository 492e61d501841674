/**
 * UMAPI-specific faults, on top of http-sim's global ones (latency, 503 rate, throttle, hang,
 * outage): scripted answers for chosen requests, and paging defects a client must notice.
 */
import type { SimResponse } from '../http-sim.js';

export type ImsEndpoint = 'POST token' | 'GET users' | 'GET user' | 'GET group users' | 'GET groups';

export interface ScriptedFault {
  readonly endpoint: ImsEndpoint;
  /** Only this page (paged endpoints); every page when left out. */
  readonly page?: number;
  /** How many matching requests get this answer before the fault is used up. */
  times: number;
  readonly status: number;
  /** For 429: seconds or an HTTP date. */
  readonly retryAfter?: string;
  readonly body?: string;
}

export interface UmapiFaults {
  /** Checked in order after authentication; each match uses up one of its `times`. */
  scripted: ScriptedFault[];
  /** Added to X-Total-Count of the org's user listing (a total that disagrees with the users served). */
  totalCountSkew?: number;
  /** This page of the org's users is served empty, with lastPage false. */
  emptyUsersPage?: number;
  /** This page of the org's users is served as the page before it (headers included). */
  repeatUsersPage?: number;
}

export const THROTTLE_BODY = JSON.stringify({ error_code: '429050', message: 'Too many requests' });

export function throttledAnswer(retryAfter: string): SimResponse {
  return { status: 429, headers: { 'content-type': 'application/json', 'retry-after': retryAfter }, body: THROTTLE_BODY };
}

/** The scripted answer for this request, if any (and use it up). */
export function takeScripted(faults: UmapiFaults, endpoint: ImsEndpoint, page: number | undefined): SimResponse | undefined {
  const fault = faults.scripted.find((f) => f.times > 0 && f.endpoint === endpoint && (f.page === undefined || f.page === page));
  if (!fault) return undefined;
  fault.times -= 1;
  if (fault.status === 429) return throttledAnswer(fault.retryAfter ?? '1');
  return {
    status: fault.status,
    headers: { 'content-type': fault.body?.startsWith('{') ? 'application/json' : 'text/plain' },
    body: fault.body ?? (fault.status >= 500 ? 'Service Unavailable' : ''),
  };
}
