import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../lib/aws/clients.js';
import { optionalIntEnv, requireEnv } from '../../../lib/aws/env.js';
import { ConfigError } from '../../../lib/errors.js';
import { useEmulators } from './emulated.js';

describe('AWS clients from the standard environment variables', () => {
  const aws = useEmulators({ intoProcessEnv: true });

  it('reach the emulators through AWS_ENDPOINT_URL_* with no endpoint in code', async () => {
    const { dynamo, sqs } = createAwsClients();
    const key = { pk: 'PROBE#clients', sk: '-' };

    await dynamo.send(new PutCommand({ TableName: aws.env.TABLE_NAME, Item: { ...key, ok: true } }));
    const item = await dynamo.send(new GetCommand({ TableName: aws.env.TABLE_NAME, Key: key }));
    const queue = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: aws.env.QUEUE_URL, AttributeNames: ['FifoQueue', 'RedrivePolicy'] }));
    dynamo.destroy();
    sqs.destroy();

    expect(item.Item?.['ok']).toBe(true);
    expect(queue.Attributes?.FifoQueue).toBe('true');
    expect(JSON.parse(queue.Attributes?.RedrivePolicy ?? '{}')).toMatchObject({ maxReceiveCount: 16 });
  });
});

describe('requireEnv', () => {
  it('returns a set variable', () => {
    expect(requireEnv('TABLE_NAME', { TABLE_NAME: 'ims-group-sync-prod' })).toBe('ims-group-sync-prod');
  });

  it('fails fast naming the variable and what it is for', () => {
    expect(() => requireEnv('QUEUE_URL', { QUEUE_URL: '  ' })).toThrow(ConfigError);
    expect(() => requireEnv('QUEUE_URL', {})).toThrow(/QUEUE_URL is not set: it is the URL of the FIFO work queue/);
  });
});

describe('optionalIntEnv', () => {
  const range = { min: 1, max: 900 };
  it('gives the default when the variable is unset or blank', () => {
    expect(optionalIntEnv('WORKER_RETRY_DELAY_SECONDS', 30, range, {})).toBe(30);
    expect(optionalIntEnv('WORKER_RETRY_DELAY_SECONDS', 30, range, { WORKER_RETRY_DELAY_SECONDS: ' ' })).toBe(30);
  });
  it('reads a whole number in range', () => {
    expect(optionalIntEnv('WORKER_RETRY_DELAY_SECONDS', 30, range, { WORKER_RETRY_DELAY_SECONDS: '5' })).toBe(5);
  });
  it.each(['0', '901', '2.5', 'soon'])('refuses %s, naming the variable and the range', (raw) => {
    expect(() => optionalIntEnv('WORKER_RETRY_DELAY_SECONDS', 30, range, { WORKER_RETRY_DELAY_SECONDS: raw })).toThrow(
      /WORKER_RETRY_DELAY_SECONDS: must be a whole number from 1 to 900/,
    );
  });
});
