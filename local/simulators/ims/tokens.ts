/**
 * The simulated IMS token endpoint (contracts/ims-and-umapi.md §1): client credentials in a form
 * body, a bearer token with `expires_in` in seconds, OAuth-style errors.
 */
import { randomBytes } from 'node:crypto';
import type { SimRequest, SimResponse } from '../http-sim.js';

export interface TokenStore {
  /** POST /ims/token/v3 (and v2). */
  handleTokenRequest(request: SimRequest): SimResponse;
  /** The client id a live token was minted for; undefined for a missing, unknown or expired token. */
  clientOf(authorization: string | undefined): string | undefined;
  expireAll(): void;
  readonly liveTokens: number;
}

export interface TokenStoreOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly ttlSeconds: number;
  readonly now: () => number;
}

const json = (status: number, value: unknown): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json;charset=UTF-8' },
  body: JSON.stringify(value),
});

export function createTokenStore(options: TokenStoreOptions): TokenStore {
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  const store: TokenStore = {
    handleTokenRequest: (request) => {
      const form = new URLSearchParams(request.body);
      const grantType = form.get('grant_type');
      const clientId = form.get('client_id');
      const secret = form.get('client_secret');
      if (grantType !== 'client_credentials') {
        return json(400, { error: 'unsupported_grant_type', error_description: `grant_type must be client_credentials, got ${grantType ?? 'nothing'}` });
      }
      if (!clientId) return json(400, { error: 'invalid_request', error_description: 'missing client_id parameter' });
      if (clientId !== options.clientId || secret !== options.clientSecret) {
        return json(401, { error: 'invalid_client', error_description: 'invalid client_id or client_secret' });
      }
      const token = `sim-${randomBytes(16).toString('hex')}`;
      tokens.set(token, { clientId, expiresAt: options.now() + options.ttlSeconds * 1000 });
      return json(200, { access_token: token, token_type: 'bearer', expires_in: options.ttlSeconds });
    },
    clientOf: (authorization) => {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
      const entry = match?.[1] ? tokens.get(match[1]) : undefined;
      if (!entry) return undefined;
      if (options.now() >= entry.expiresAt) {
        tokens.delete(match?.[1] ?? '');
        return undefined;
      }
      return entry.clientId;
    },
    expireAll: () => tokens.clear(),
    get liveTokens() {
      return tokens.size;
    },
  };
  return store;
}
