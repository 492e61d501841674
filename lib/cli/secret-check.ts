/**
 * `check-config --secrets`: every secret reference of a configuration, resolved through the same
 * resolver as production, and reported as ok or with its error. The values are dropped as soon as
 * they arrive: nothing here returns, prints or logs one.
 */
import type { SyncConfig } from '../config/schema.js';
import type { SecretResolver } from '../config/secrets.js';
import { ConfigError } from '../errors.js';
import { table } from './format.js';

export interface SecretCheck {
  /** Where the reference is, in YAML notation: `targets[2].auth.password`. */
  readonly path: string;
  readonly ref: string;
  readonly status: 'ok' | 'error';
  /** What went wrong (names the reference, never a value). */
  readonly error?: string;
}

/** The secret references of a configuration, in file order, each with its YAML path. */
export function secretReferences(config: SyncConfig): { path: string; ref: string }[] {
  const refs = [{ path: 'org.clientSecret', ref: config.org.clientSecret }];
  config.targets.forEach((target, i) => {
    const { auth } = target;
    if (auth.type === 'bearer') refs.push({ path: `targets[${i}].auth.token`, ref: auth.token });
    else refs.push({ path: `targets[${i}].auth.password`, ref: auth.password });
  });
  const generic = config.webhooks.generic;
  if (generic !== undefined) refs.push({ path: 'webhooks.generic.secret', ref: generic.secret });
  return refs;
}

export async function checkSecrets(config: SyncConfig, resolver: SecretResolver): Promise<SecretCheck[]> {
  return Promise.all(
    secretReferences(config).map(async ({ path, ref }): Promise<SecretCheck> => {
      try {
        await resolver.resolve(ref);
        return { path, ref, status: 'ok' };
      } catch (error) {
        return { path, ref, status: 'error', error: describe(error) };
      }
    }),
  );
}

function describe(error: unknown): string {
  // A ConfigError's message spans lines; its issues are the sentences.
  if (error instanceof ConfigError) return error.issues.join('; ');
  return error instanceof Error ? error.message : String(error);
}

export function renderSecrets(checks: readonly SecretCheck[]): string {
  const failed = checks.filter((c) => c.status === 'error').length;
  const heading = `Secrets (${checks.length} reference${checks.length === 1 ? '' : 's'}${failed > 0 ? `, ${failed} not resolved` : ', all resolved'}):`;
    // The reference has its own column; the resolver's "secret <ref>: " prefix would repeat it.
  const rows = checks.map((c) => [c.status, c.path, c.ref, (c.error ?? '').replace(`secret ${c.ref}: `, '')]);
  return `${heading}\n${table(['status', 'where', 'reference', 'problem'], rows)}\n`;
}
