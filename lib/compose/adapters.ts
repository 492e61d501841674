/**
 * The adapters of the external systems, built from configuration: one per target, and the UMAPI
 * client with its token provider and shared limiter.
 */
import type { Clock } from '../clock.js';
import type { SyncConfig, Target } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import type { HttpTransport } from '../http.js';
import type { RateLimiter, Umapi } from '../ims/port.js';
import { createImsTokenProvider } from '../ims/token.js';
import { createUmapiClient } from '../ims/umapi.js';
import type { TargetBinding } from '../sync/runtime.js';
import { buildAemTarget } from '../targets/aem/adapter.js';
import { buildCampaignTarget } from '../targets/campaign/adapter.js';
import type { TargetAdapter } from '../targets/port.js';

export interface AdapterDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  readonly secrets: SecretResolver;
}

/**
 * A target's auth block with its secret reference resolved: the adapters' credentials have the
 * configuration's shape (basic / session: a password; bearer: a token). Asked again at each new
 * logon, so a rotated secret is picked up (the resolver re-reads after its maximum age).
 */
async function withSecret<A extends { readonly password: string } | { readonly token: string }>(auth: A, secrets: SecretResolver): Promise<A> {
  return 'password' in auth ? { ...auth, password: await secrets.resolve(auth.password) } : { ...auth, token: await secrets.resolve(auth.token) };
}

export function buildTargetAdapter(target: Target, deps: AdapterDeps): TargetAdapter {
  const { http, clock, secrets } = deps;
  if (target.kind === 'aem') {
    return buildAemTarget({ http, clock, config: target, credentials: () => withSecret(target.auth, secrets) });
  }
  return buildCampaignTarget({ http, clock, config: target, credentials: () => withSecret(target.auth, secrets) });
}

export function buildTargets(config: SyncConfig, deps: AdapterDeps): TargetBinding[] {
  return config.targets.map((target) => ({ config: target, adapter: buildTargetAdapter(target, deps) }));
}

export function buildUmapi(config: SyncConfig, deps: AdapterDeps & { limiter: RateLimiter }): Umapi {
  const { org } = config;
  const tokens = createImsTokenProvider({
    http: deps.http,
    clock: deps.clock,
    tokenUrl: org.imsTokenUrl,
    clientId: org.clientId,
    clientSecret: () => deps.secrets.resolve(org.clientSecret),
    scopes: org.scopes,
  });
  return createUmapiClient({
    http: deps.http,
    clock: deps.clock,
    tokens,
    limiter: deps.limiter,
    baseUrl: org.umapiBaseUrl,
    orgId: org.id,
    clientId: org.clientId,
  });
}
