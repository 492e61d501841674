/**
 * Secret references (`env:NAME`, `ssm:/path`, `secretsmanager:<arn or name>`) resolved to their
 * values: each reference is looked up once and cached for `SECRET_MAX_AGE_MS` (so a rotated secret
 * is picked up without a cold start), and callers that ask at the same time share the one lookup in
 * flight. A failed lookup is not cached, so the next call tries again. Errors name the reference,
 * never a value.
 */
import { ConfigError, NotFoundError, TargetUnavailableError } from '../errors.js';
import type { Env } from './interpolate.js';
import { SECRET_REF_PATTERN } from './schema.js';

export interface SecretSources {
  readonly env: Env;
  /** Reads an SSM parameter, decrypted; throws `NotFoundError` when it does not exist. */
  readonly ssm?: (name: string) => Promise<string>;
  /** Reads a Secrets Manager secret's string; throws `NotFoundError` when it does not exist. */
  readonly secretsManager?: (id: string) => Promise<string>;
}

export interface SecretResolver {
  resolve(ref: string): Promise<string>;
}

/** How long a resolved value is trusted: a secret rotated in SSM or Secrets Manager is picked up within this, without a cold start. */
export const SECRET_MAX_AGE_MS = 5 * 60_000;

export function createSecretResolver(deps: SecretSources & { now?: () => number; maxAgeMs?: number }): SecretResolver {
  const cache = new Map<string, { value: Promise<string>; at: number }>();
  const now = deps.now ?? Date.now;
  const maxAgeMs = deps.maxAgeMs ?? SECRET_MAX_AGE_MS;
  return {
    resolve(ref: string): Promise<string> {
      const cached = cache.get(ref);
      if (cached !== undefined && now() - cached.at < maxAgeMs) return cached.value;
      const lookup = lookUp(ref, deps);
      cache.set(ref, { value: lookup, at: now() });
      lookup.catch(() => cache.delete(ref));
      return lookup;
    },
  };
}

async function lookUp(ref: string, deps: SecretSources): Promise<string> {
  // The schema only lets references through; anything else may be a secret pasted in the wrong place.
  if (!SECRET_REF_PATTERN.test(ref)) {
    throw new ConfigError([
      'a value that is not a secret reference was given where one is expected (the value is not shown) — use "env:NAME", "ssm:/path" or "secretsmanager:<arn>"',
    ]);
  }
  const separator = ref.indexOf(':');
  const scheme = ref.slice(0, separator);
  const key = ref.slice(separator + 1);
  if (scheme === 'env') {
    const value = deps.env[key];
    if (value === undefined || value === '') {
      throw new ConfigError([`secret ${ref}: environment variable ${key} is not set or empty — set it on the function`]);
    }
    return value;
  }
  const source = scheme === 'ssm' ? deps.ssm : deps.secretsManager;
  if (source === undefined) {
    throw new ConfigError([`secret ${ref}: no ${scheme === 'ssm' ? 'SSM' : 'Secrets Manager'} client was given to the secret resolver`]);
  }
  let value: string;
  try {
    value = await source(key);
  } catch (error) {
    if (error instanceof NotFoundError) {
      throw new ConfigError([`secret ${ref}: does not exist — create it, or fix the reference`]);
    }
    if (error instanceof ConfigError) throw error;
    // Transient (throttling, network, permissions being deployed): the caller may retry later.
    throw new TargetUnavailableError('config', `secret ${ref}: lookup failed (${errorName(error)})`, { cause: error });
  }
  if (value === '') {
    throw new ConfigError([`secret ${ref}: is empty — store the secret's value in it`]);
  }
  return value;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown error';
}
