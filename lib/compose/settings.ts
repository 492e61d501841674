/**
 * Configuration and secrets, read once per cold start from `SYNC_CONFIG` (a file in the package, or
 * `ssm:<parameter>`); secret references resolve lazily, each once.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { requireEnv } from '../aws/env.js';
import { secretsManagerSource, ssmParameterSource } from '../config/aws-secret-sources.js';
import { loadConfig } from '../config/loader.js';
import type { SyncConfig } from '../config/schema.js';
import { createSecretResolver, type SecretResolver } from '../config/secrets.js';

export interface Settings {
  readonly config: SyncConfig;
  readonly secrets: SecretResolver;
}

export async function loadSettings(env: NodeJS.ProcessEnv): Promise<Settings> {
  const ssm = ssmParameterSource(new SSMClient({}));
  const config = await loadConfig(requireEnv('SYNC_CONFIG', env), { env, ssmGetParameter: ssm });
  const secrets = createSecretResolver({ env, ssm, secretsManager: secretsManagerSource(new SecretsManagerClient({})) });
  return { config, secrets };
}
