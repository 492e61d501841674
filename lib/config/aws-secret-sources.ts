/**
 * The `ssm` and `secretsManager` lookups of the secret resolver (and the `ssm:` configuration
 * loader), built on clients that the composition root creates once per cold start.
 */
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, type GetParameterCommandOutput } from '@aws-sdk/client-ssm';
import { ConfigError, NotFoundError } from '../errors.js';

/** What this module needs of an `SSMClient`. */
export interface SsmSender {
  send(command: GetParameterCommand): Promise<GetParameterCommandOutput>;
}

/** What this module needs of a `SecretsManagerClient`. */
export interface SecretsManagerSender {
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
}

/** `GetParameter` with decryption, so SecureString parameters come back in clear. */
export function ssmParameterSource(client: SsmSender): (name: string) => Promise<string> {
  return async (name) => {
    let output: GetParameterCommandOutput;
    try {
      output = await client.send(new GetParameterCommand({ Name: name, WithDecryption: true }));
    } catch (error) {
      if (error instanceof ParameterNotFound || isNamed(error, 'ParameterNotFound')) {
        throw new NotFoundError('config', `SSM GetParameter ${name}: parameter not found`);
      }
      throw error;
    }
    const value = output.Parameter?.Value;
    if (value === undefined) throw new ConfigError([`ssm:${name}: GetParameter returned no Parameter.Value`]);
    return value;
  };
}

/** `GetSecretValue`; the secret must be a string (SecretString), not binary. */
export function secretsManagerSource(client: SecretsManagerSender): (id: string) => Promise<string> {
  return async (id) => {
    let output: GetSecretValueCommandOutput;
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: id }));
    } catch (error) {
      if (error instanceof ResourceNotFoundException || isNamed(error, 'ResourceNotFoundException')) {
        throw new NotFoundError('config', `Secrets Manager GetSecretValue ${id}: secret not found`);
      }
      throw error;
    }
    const value = output.SecretString;
    if (value === undefined) {
      throw new ConfigError([`secretsmanager:${id}: GetSecretValue returned no SecretString — store the secret as text, not binary`]);
    }
    return value;
  };
}

/** SDK errors deserialised from another copy of the SDK fail `instanceof`; their name still says what they are. */
function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}
