/**
 * The SSM and Secrets Manager lookups `check-config` needs for `ssm:` and `secretsmanager:`
 * references. The clients are created on the first lookup that needs them, so a configuration
 * with only `env:` references is checked without AWS credentials or a region.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SSMClient } from '@aws-sdk/client-ssm';
import { secretsManagerSource, ssmParameterSource } from '../config/aws-secret-sources.js';
import { exportAwsVariables } from './connect.js';
import type { Env } from './env.js';

export interface AwsLookups {
  /** An SSM parameter's (decrypted) value. */
  ssm(name: string): Promise<string>;
  /** A Secrets Manager secret's string. */
  secretsManager(id: string): Promise<string>;
  /** Release the clients that were created. */
  close(): void;
}

export type AwsLookupsFactory = (env: Env) => AwsLookups;

export const realAwsLookups: AwsLookupsFactory = (env) => {
  let ssm: SSMClient | undefined;
  let secretsManager: SecretsManagerClient | undefined;
  return {
    ssm(name) {
      if (ssm === undefined) {
        exportAwsVariables(env);
        ssm = new SSMClient({});
      }
      return ssmParameterSource(ssm)(name);
    },
    secretsManager(id) {
      if (secretsManager === undefined) {
        exportAwsVariables(env);
        secretsManager = new SecretsManagerClient({});
      }
      return secretsManagerSource(secretsManager)(id);
    },
    close() {
      ssm?.destroy();
      secretsManager?.destroy();
    },
  };
};
