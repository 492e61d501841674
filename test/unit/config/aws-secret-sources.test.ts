import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { describe, expect, it } from 'vitest';
import {
  secretsManagerSource,
  ssmParameterSource,
  type SecretsManagerSender,
  type SsmSender,
} from '../../../lib/config/aws-secret-sources.js';
import { ConfigError, NotFoundError } from '../../../lib/errors.js';

describe('ssmParameterSource', () => {
  it('asks GetParameter for the name, decrypted, and returns the value', async () => {
    const sent: unknown[] = [];
    const client: SsmSender = {
      send: async (command) => {
        sent.push(command.input);
        return { Parameter: { Name: '/a', Value: 'decrypted' }, $metadata: {} };
      },
    };

    const value = await ssmParameterSource(client)('/ims-sync/aem-password');

    expect(value).toBe('decrypted');
    expect(sent).toEqual([{ Name: '/ims-sync/aem-password', WithDecryption: true }]);
  });

  it('turns ParameterNotFound into NotFoundError', async () => {
    const client: SsmSender = {
      send: () => Promise.reject(new ParameterNotFound({ message: 'not found', $metadata: {} })),
    };

    await expect(ssmParameterSource(client)('/missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('passes any other failure on unchanged, for the caller to treat as transient', async () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const client: SsmSender = { send: () => Promise.reject(throttled) };

    await expect(ssmParameterSource(client)('/a')).rejects.toBe(throttled);
  });

  it('refuses an answer without a value', async () => {
    const client: SsmSender = { send: async () => ({ $metadata: {} }) };

    await expect(ssmParameterSource(client)('/a')).rejects.toBeInstanceOf(ConfigError);
  });

  it('accepts a real SSMClient', () => {
    const real = new SSMClient({ region: 'eu-west-1' });

    const source = ssmParameterSource(real);

    expect(typeof source).toBe('function');
    expect(new GetParameterCommand({ Name: '/a' }).input).toEqual({ Name: '/a' });
    real.destroy();
  });
});

describe('secretsManagerSource', () => {
  it('asks GetSecretValue for the id and returns the SecretString', async () => {
    const sent: unknown[] = [];
    const client: SecretsManagerSender = {
      send: async (command) => {
        sent.push(command.input);
        return { SecretString: 'campaign-password', $metadata: {} };
      },
    };

    const value = await secretsManagerSource(client)('arn:aws:secretsmanager:eu-west-1:123456789012:secret:c-AbCdEf');

    expect(value).toBe('campaign-password');
    expect(sent).toEqual([{ SecretId: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:c-AbCdEf' }]);
  });

  it('turns ResourceNotFoundException into NotFoundError', async () => {
    const client: SecretsManagerSender = {
      send: () => Promise.reject(new ResourceNotFoundException({ message: 'not found', $metadata: {} })),
    };

    await expect(secretsManagerSource(client)('missing')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a binary secret, naming the fix', async () => {
    const client: SecretsManagerSender = {
      send: async () => ({ SecretBinary: new Uint8Array([1, 2]), $metadata: {} }),
    };

    const error = await secretsManagerSource(client)('bin').then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error instanceof ConfigError ? error.issues : undefined).toEqual([
      'secretsmanager:bin: GetSecretValue returned no SecretString — store the secret as text, not binary',
    ]);
  });

  it('accepts a real SecretsManagerClient', () => {
    const real = new SecretsManagerClient({ region: 'eu-west-1' });

    const source = secretsManagerSource(real);

    expect(typeof source).toBe('function');
    expect(new GetSecretValueCommand({ SecretId: 'x' }).input).toEqual({ SecretId: 'x' });
    real.destroy();
  });
});
