/**
 * One UMAPI request with the policy Adobe's own client follows (contracts/ims-and-umapi.md §2, §4):
 * every attempt draws from the shared rate limiter first; 401 gets one fresh token, then fails;
 * 429 waits `Retry-After`; 502/503/504 and timeouts back off `2^(n-1)*base + jitter`; a wait too
 * long to hold in-process surfaces as ThrottledError so the caller can delay its work instead.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AuthError, ProtocolError, TargetUnavailableError, ThrottledError } from '../errors.js';
import { parseRetryAfter, TransportError, unavailable, type HttpResponse, type HttpTransport } from '../http.js';
import { withRetry, type RetryClassifier, type RetryPolicy } from '../retry.js';
import type { RateLimiter, UmapiFamily, UmapiLane } from './port.js';
import type { ImsTokenProvider } from './token.js';

/** Adobe's client: 4 attempts, 15 s base, up to 5 s jitter (contract §4). */
export const DEFAULT_UMAPI_RETRY: RetryPolicy = {
  system: 'umapi',
  attempts: 4,
  baseDelayMs: 15_000,
  maxJitterMs: 5_000,
  // Longer waits are better spent with the SQS message delayed than with a Lambda held.
  maxInlineWaitMs: 30_000,
};

export interface UmapiRequestDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  readonly tokens: Pick<ImsTokenProvider, 'getToken' | 'invalidate'>;
  readonly limiter: RateLimiter;
  /** Sent as X-Api-Key. */
  readonly clientId: string;
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  readonly random?: () => number;
  /** For X-Request-Id; a UUID by default. */
  readonly requestId?: () => string;
}

export interface UmapiCall {
  /** For errors and logs, e.g. "GET users page 3". */
  readonly name: string;
  readonly family: UmapiFamily;
  /** Whose budget it draws from (default `event`); every attempt draws again from the same lane. */
  readonly lane?: UmapiLane;
  /** The longest wait for its turn held in-process, when not the limiter's own. */
  readonly maxWaitMs?: number;
  readonly url: string;
  /** Hand a 404 back to the caller (user or group not found) instead of failing. */
  readonly allowNotFound?: boolean;
}

export interface UmapiAnswer extends HttpResponse {
  readonly requestId: string;
}

export type UmapiRequester = (call: UmapiCall) => Promise<UmapiAnswer>;

export function createUmapiRequester(deps: UmapiRequestDeps): UmapiRequester {
  const random = deps.random ?? Math.random;
  const newRequestId = deps.requestId ?? randomUUID;
  const backoffMs = (attempt: number): number => 2 ** (attempt - 1) * deps.retry.baseDelayMs + random() * deps.retry.maxJitterMs;

  return async (call) => {
    // Errors worth another attempt, with the wait the server asked for (undefined: back off).
    const retryable = new WeakMap<object, number | undefined>();
    const classify: RetryClassifier = (error) => {
      if (typeof error === 'object' && error !== null && retryable.has(error)) {
        const waitMs = retryable.get(error);
        return waitMs === undefined ? { retry: true } : { retry: true, waitMs };
      }
      // The token endpoint being down is as transient as UMAPI being down.
      if (error instanceof TargetUnavailableError && error.system === 'ims') return { retry: true };
      return { retry: false };
    };
    let refreshed = false;

    const sendOnce = async (): Promise<{ answer: UmapiAnswer; token: string }> => {
      await deps.limiter.acquire(call.family, call.lane ?? 'event', call.maxWaitMs);
      const token = await deps.tokens.getToken();
      const requestId = newRequestId();
      try {
        const response = await deps.http({
          method: 'GET',
          url: call.url,
          headers: {
            authorization: `Bearer ${token}`,
            'x-api-key': deps.clientId,
            'x-request-id': requestId,
            accept: 'application/json',
          },
          timeoutMs: deps.timeoutMs,
        });
        return { answer: { ...response, requestId }, token };
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        const failure = unavailable('umapi', `${call.name} (request ${requestId})`, error);
        retryable.set(failure, undefined);
        throw failure;
      }
    };

    const attempt = async (attemptNumber: number): Promise<UmapiAnswer> => {
      for (;;) {
        const { answer, token } = await sendOnce();
        const what = `umapi ${call.name} (request ${answer.requestId})`;
        if (answer.status === 200 || (answer.status === 404 && call.allowNotFound)) return answer;
        if (answer.status === 401) {
          // Contract §2: a refused token gets one fresh token, then the call fails.
          deps.tokens.invalidate(token);
          if (refreshed) throw new AuthError('umapi', `${what}: HTTP 401, access token refused even after a refresh`);
          refreshed = true;
          continue;
        }
        if (answer.status === 403) {
          throw new AuthError('umapi', `${what}: HTTP 403, X-Api-Key "${deps.clientId}" refused`);
        }
        if (answer.status === 429) {
          const asked = parseRetryAfter(answer.headers['retry-after'], deps.clock.now());
          const waitMs = asked ?? backoffMs(attemptNumber);
          const throttled = new ThrottledError('umapi', waitMs, `${what}: HTTP 429; retry in ${Math.ceil(waitMs / 1000)} s`);
          retryable.set(throttled, waitMs);
          throw throttled;
        }
        if (answer.status >= 500) {
          const failure = new TargetUnavailableError('umapi', `${what}: HTTP ${answer.status}`);
          // Contract §4: Adobe's client retries 502/503/504 only.
          if (answer.status === 502 || answer.status === 503 || answer.status === 504) retryable.set(failure, undefined);
          throw failure;
        }
        throw new ProtocolError('umapi', `${what}: unexpected HTTP ${answer.status}`);
      }
    };

    return withRetry(attempt, classify, deps.retry, { clock: deps.clock, random });
  };
}
