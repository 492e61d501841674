/**
 * Adobe I/O Events public keys, fetched from the one configured key host and cached for at most
 * 24 hours (contracts/io-events.md §3: "Cache keys for at most 24 h"; Adobe sends no cache headers).
 *
 * The key path comes from a request header, so it is attacker-controlled: it must have the documented
 * shape before anything is fetched, and it is only ever appended to `keyHost` — never used as a URL.
 */
import { createPublicKey } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { ConfigError, InvalidSignatureError, TargetUnavailableError } from '../../errors.js';
import { TransportError, unavailable, type HttpTransport } from '../../http.js';

/**
 * `/prod/keys/pub-key-<id>.pem`. Adobe documents `<id>` as a random UUID; keys seen in the wild
 * (e.g. `pub-key-0eVF88tU5Q.pem`) use a shorter random id, so any 8-64 characters of `[A-Za-z0-9_-]`
 * are accepted: that alphabet has no `/`, `.` or `%`, so the path can never leave `/prod/keys/`.
 * Only `/prod/`: a production registration is never signed with Adobe's stage keys.
 */
export const KEY_PATH_PATTERN = /^\/prod\/keys\/pub-key-[A-Za-z0-9_-]{8,64}\.pem$/;

export const MAX_KEY_AGE_MS = 24 * 60 * 60 * 1000;
/** Adobe waits 10 s for the whole delivery (§2): a key fetch must leave time for the rest. */
const DEFAULT_TIMEOUT_MS = 3_000;
/** Only keys that verified as PEM are cached, and Adobe uses two at a time; this bound is generous. */
const MAX_CACHED_KEYS = 16;

export interface PublicKeyCache {
  /** The PEM public key at `path` on the key host. Throws InvalidSignatureError or TargetUnavailableError. */
  get(path: string): Promise<string>;
}

export interface PublicKeyCacheDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  /** Origin of the key host, `https://static.adobeioevents.com` in production. */
  readonly keyHost: string;
  /** How long a fetched key is trusted; at most (and by default) 24 h. */
  readonly maxAgeMs?: number;
  readonly timeoutMs?: number;
}

interface CachedKey {
  readonly pem: string;
  readonly fetchedAt: number;
}

export function createPublicKeyCache(deps: PublicKeyCacheDeps): PublicKeyCache {
  const origin = keyHostOrigin(deps.keyHost);
  const maxAgeMs = deps.maxAgeMs ?? MAX_KEY_AGE_MS;
  if (!(maxAgeMs > 0 && maxAgeMs <= MAX_KEY_AGE_MS)) {
    throw new ConfigError([`adobe-io public key cache: maxAgeMs must be between 1 and ${MAX_KEY_AGE_MS} (24 h), got ${maxAgeMs}`]);
  }
  const timeoutMs = deps.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const cache = new Map<string, CachedKey>();
  const inFlight = new Map<string, Promise<string>>();

  const fresh = (entry: CachedKey | undefined): entry is CachedKey =>
    entry !== undefined && deps.clock.now() - entry.fetchedAt < maxAgeMs;

  const remember = (path: string, pem: string): void => {
    for (const [key, entry] of cache) if (!fresh(entry)) cache.delete(key);
    // Map keeps insertion order: the first entry is the oldest.
    while (cache.size >= MAX_CACHED_KEYS) {
      const oldest = cache.keys().next();
      if (oldest.done) break;
      cache.delete(oldest.value);
    }
    cache.set(path, { pem, fetchedAt: deps.clock.now() });
  };

  const fetchKey = async (path: string): Promise<string> => {
    const url = origin + path;
    let response;
    try {
      response = await deps.http({ method: 'GET', url, headers: { accept: 'application/x-pem-file, text/plain' }, timeoutMs });
    } catch (error) {
      if (error instanceof TransportError) throw unavailable('io-events', `GET public key ${path}`, error);
      throw error;
    }
    const { status } = response;
    // CloudFront in front of S3 answers 403 for an object that does not exist.
    if (status === 403 || status === 404 || status === 410) {
      throw new InvalidSignatureError(`io-events GET public key ${path}: no such key on ${origin} (HTTP ${status})`);
    }
    if (status !== 200) {
      throw new TargetUnavailableError('io-events', `io-events GET public key ${path}: HTTP ${status} from ${origin}`);
    }
    if (!isRsaPublicKeyPem(response.body)) {
      throw new TargetUnavailableError('io-events', `io-events GET public key ${path}: the answer is not a PEM RSA public key`);
    }
    remember(path, response.body);
    return response.body;
  };

  return {
    async get(path) {
      if (!KEY_PATH_PATTERN.test(path)) {
        throw new InvalidSignatureError(
          `io-events public key path ${JSON.stringify(path.slice(0, 120))} does not have the documented shape /prod/keys/pub-key-<id>.pem; not fetched`,
        );
      }
      const cached = cache.get(path);
      if (fresh(cached)) return cached.pem;
      // Two signatures of one delivery, or concurrent deliveries, share one fetch.
      const pending = inFlight.get(path);
      if (pending) return pending;
      const started = fetchKey(path).finally(() => inFlight.delete(path));
      inFlight.set(path, started);
      return started;
    },
  };
}

function keyHostOrigin(keyHost: string): string {
  let url: URL;
  try {
    url = new URL(keyHost);
  } catch {
    throw new ConfigError([`webhooks.adobeIo.keyHost: must be a URL like "https://static.adobeioevents.com", got ${JSON.stringify(keyHost)}`]);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || (url.pathname !== '/' && url.pathname !== '') || url.search || url.username) {
    throw new ConfigError([`webhooks.adobeIo.keyHost: must be an origin only (scheme and host), e.g. "https://static.adobeioevents.com", got ${JSON.stringify(keyHost)}`]);
  }
  return url.origin;
}

/** A PEM *public* key (a private key would also load with createPublicKey, so the armour is checked first). */
function isRsaPublicKeyPem(body: string): boolean {
  if (!body.includes('-----BEGIN PUBLIC KEY-----') || body.includes('PRIVATE KEY')) return false;
  try {
    return createPublicKey({ key: body, format: 'pem' }).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}
