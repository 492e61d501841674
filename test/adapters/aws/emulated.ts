/**
 * Test helpers: SDK clients pointed at the emulators explicitly (tests may; lib/ never does), a
 * manual clock, and message factories.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeltaMessage, ReconcileMessage } from '../../../lib/domain/messages.js';
import type { TableRef } from '../../../lib/aws/table.js';
import type { EmulatorEnv } from '../../../local/emulators.js';

export function clientsFor(env: EmulatorEnv) {
  const common = { region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_SQS });
  const table: TableRef = { dynamo, tableName: env.TABLE_NAME };
  return { dynamo, sqs, table, destroy: () => (dynamo.destroy(), sqs.destroy()) };
}

export { fakeClock as manualClock } from '../../support/clock.js';

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

export function delta(overrides: Partial<DeltaMessage> = {}): DeltaMessage {
  return {
    kind: 'delta',
    id: uniqueId('evt'),
    occurredAt: '2026-11-23T12:00:00.000Z',
    correlationId: uniqueId('corr'),
    source: 'adobe-io',
    change: 'membership.added',
    user: { email: 'ada@acme.example' },
    group: 'AEM - authors',
    ...overrides,
  };
}

export function reconcile(overrides: Partial<ReconcileMessage> = {}): ReconcileMessage {
  return {
    kind: 'reconcile',
    id: 'run-1',
    occurredAt: '2026-11-23T12:00:00.000Z',
    correlationId: uniqueId('corr'),
    source: 'schedule',
    runId: 'run-1',
    targetId: 'acme-prod-author',
    snapshotAt: '2026-11-23T12:00:00.000Z',
    slice: { changes: [{ group: 'authors', add: ['ada@acme.example'], remove: [] }], wiring: [], disable: [], enable: [] },
    ...overrides,
  };
}

/** Everything visible on a queue now (kept in flight for a minute), with system attributes. */
export async function drain(sqs: SQSClient, queueUrl: string) {
  const received = [];
  for (;;) {
    const answer = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 60, AttributeNames: ['All'], MessageAttributeNames: ['All'] }),
    );
    if (!answer.Messages || answer.Messages.length === 0) return received;
    received.push(...answer.Messages);
  }
}
