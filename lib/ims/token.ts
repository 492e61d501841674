/**
 * IMS access tokens by OAuth Server-to-Server client credentials (contracts/ims-and-umapi.md §1).
 * One token is cached per provider (one provider per client id per cold start) and renewed a few
 * minutes before it expires, because Adobe throttles clients that mint too many tokens. Concurrent
 * callers share one request in flight. The client secret never appears in a log or an error.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { AuthError, ProtocolError, ThrottledError, TargetUnavailableError } from '../errors.js';
import { parseRetryAfter, TransportError, unavailable, type HttpResponse, type HttpTransport } from '../http.js';

export interface ImsTokenProviderDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  /** e.g. https://ims-na1.adobelogin.com/ims/token/v3 (configurable: simulators, other regions). */
  readonly tokenUrl: string;
  readonly clientId: string;
  /** Read when a token is minted, so a rotated secret is picked up without a cold start. */
  readonly clientSecret: () => Promise<string>;
  /** Sent comma-separated, e.g. openid, AdobeID, user_management_sdk. */
  readonly scopes: readonly string[];
  readonly timeoutMs?: number;
  /** Renew this long before `expires_in` runs out (default 5 minutes). */
  readonly renewBeforeMs?: number;
}

export interface ImsTokenProvider {
  getToken(): Promise<string>;
  /** Forget `token` (UMAPI refused it); a newer token cached meanwhile is kept. */
  invalidate(token: string): void;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_RENEW_BEFORE_MS = 5 * 60_000;
/** When Adobe throttles token minting without saying for how long (contract §1: "throttles clients"). */
const DEFAULT_TOKEN_THROTTLE_MS = 60_000;

const TokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  /** Seconds, about 24 h (contract §1). */
  expires_in: z.coerce.number().positive(),
});

/** The OAuth2-style error body (contract §1, [assumed]). */
const OAuthError = z.looseObject({
  error: z.string().optional(),
  error_description: z.string().optional(),
});

interface CachedToken {
  readonly token: string;
  readonly renewAt: number;
}

export function createImsTokenProvider(deps: ImsTokenProviderDeps): ImsTokenProvider {
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const renewBeforeMs = deps.renewBeforeMs ?? DEFAULT_RENEW_BEFORE_MS;
  let cached: CachedToken | undefined;
  let inFlight: Promise<string> | undefined;

  const mint = async (): Promise<string> => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: deps.clientId,
      client_secret: await deps.clientSecret(),
      scope: deps.scopes.join(','),
    });
    const startedAt = deps.clock.now();
    let response: HttpResponse;
    try {
      response = await deps.http({
        method: 'POST',
        url: deps.tokenUrl,
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        timeoutMs,
      });
    } catch (error) {
      // TransportError messages carry only the URL; anything else is reduced to its class name so
      // that nothing from the request (the form holds the secret) can leak into the error.
      if (error instanceof TransportError) throw unavailable('ims', 'POST token', error);
      throw new TargetUnavailableError('ims', `ims POST token: request failed (${error instanceof Error ? error.name : 'unknown error'})`);
    }
    const answer = readAnswer(response, deps.clientId, startedAt);
    const lifetimeMs = answer.expires_in * 1000;
    // A short-lived token (simulators, tests) would otherwise never be reused: renew at half its life at the latest.
    const renewAt = startedAt + Math.max(lifetimeMs / 2, lifetimeMs - renewBeforeMs);
    cached = { token: answer.access_token, renewAt };
    return answer.access_token;
  };

  return {
    getToken: () => {
      if (cached && deps.clock.now() < cached.renewAt) return Promise.resolve(cached.token);
      inFlight ??= mint().finally(() => {
        inFlight = undefined;
      });
      return inFlight;
    },
    invalidate: (token) => {
      if (cached?.token === token) cached = undefined;
    },
  };
}

function readAnswer(response: HttpResponse, clientId: string, nowMs: number): z.infer<typeof TokenAnswer> {
  if (response.status === 200) {
    const parsed = TokenAnswer.safeParse(parseJson(response.body));
    if (!parsed.success) {
      const field = parsed.error.issues[0]?.path.join('.') || 'body';
      throw new ProtocolError('ims', `ims POST token: answer has no valid "${field}" (${parsed.error.issues[0]?.message ?? 'not JSON'})`);
    }
    return parsed.data;
  }
  if (response.status === 429) {
    const waitMs = parseRetryAfter(response.headers['retry-after'], nowMs) ?? DEFAULT_TOKEN_THROTTLE_MS;
    throw new ThrottledError('ims', waitMs, `ims POST token: too many tokens minted for client ${clientId}; retry in ${Math.ceil(waitMs / 1000)} s`);
  }
  if (response.status >= 500) {
    throw new TargetUnavailableError('ims', `ims POST token: HTTP ${response.status}`);
  }
  if (response.status === 400 || response.status === 401 || response.status === 403) {
    const body = OAuthError.safeParse(parseJson(response.body));
    const oauthError = body.success ? body.data.error : undefined;
    const description = body.success ? body.data.error_description : undefined;
    throw new AuthError(
      'ims',
      `ims POST token: HTTP ${response.status} ${oauthError ?? 'unknown_error'}${description ? ` (${description})` : ''} for client ${clientId}`,
    );
  }
  throw new ProtocolError('ims', `ims POST token: unexpected HTTP ${response.status}`);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
