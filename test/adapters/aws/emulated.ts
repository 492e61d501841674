/**
 * Test helpers: emulators started around a file or each test, SDK clients pointed at them
 * explicitly (tests may; lib/ never does), a manual clock, and message factories.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { DeltaMessage, ReconcileMessage } from '../../../lib/domain/messages.js';
import type { TableRef } from '../../../lib/aws/table.js';
import { startEmulators, type EmulatorEnv, type Emulators } from '../../../local/emulators.js';

export type EmulatedClients = ReturnType<typeof clientsFor>;

export function clientsFor(env: EmulatorEnv) {
  const common = { region: env.AWS_REGION, credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY } };
  const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_DYNAMODB }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  const sqs = new SQSClient({ ...common, endpoint: env.AWS_ENDPOINT_URL_SQS });
  const table: TableRef = { dynamo, tableName: env.TABLE_NAME };
  return { dynamo, sqs, table, destroy: () => (dynamo.destroy(), sqs.destroy()) };
}

export interface UseEmulatorsOptions {
  /** `'test'` starts fresh emulators for every test (empty queues), `'file'` (default) once for all. */
  readonly per?: 'file' | 'test';
  /** Also put the emulators' variables into process.env while they run (restored afterwards). */
  readonly intoProcessEnv?: boolean;
}

/**
 * Registers the hooks that start the emulators and make clients for them, and that destroy the
 * clients and await the emulators' stop. The accessors are valid inside tests only.
 */
export function useEmulators(options: UseEmulatorsOptions = {}): { readonly env: EmulatorEnv; readonly clients: EmulatedClients } {
  let emulators: Emulators | undefined;
  let clients: EmulatedClients | undefined;
  const saved = { ...process.env };
  const [before, after] = options.per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];

  before(async () => {
    emulators = await startEmulators();
    clients = clientsFor(emulators.env);
    if (options.intoProcessEnv) Object.assign(process.env, emulators.env);
  });
  after(async () => {
    if (emulators && options.intoProcessEnv) {
      for (const name of Object.keys(emulators.env)) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
    clients?.destroy();
    await emulators?.stop();
    clients = undefined;
    emulators = undefined;
  });

  return {
    get env() {
      if (!emulators) throw new Error('useEmulators: env is only available while the emulators run (inside a test)');
      return emulators.env;
    },
    get clients() {
      if (!clients) throw new Error('useEmulators: clients are only available while the emulators run (inside a test)');
      return clients;
    },
  };
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
