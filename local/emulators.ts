/**
 * DynamoDB and SQS on this machine (contracts/aws.md §4): dynalite (in memory, or on disk with
 * `persistDir`) and local-aws-sqs, on free 127.0.0.1 ports, with the table and queues that
 * `serverless.yml` declares. The returned `env` is what a process needs to use them through the
 * SDK's standard variables; the code under test has no endpoint settings of its own.
 *
 * Start time measured here: about 0.1–0.3 s for both servers plus the table and two queues
 * (`startupMs` reports it).
 */
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createSqsServer } from 'local-aws-sqs';
import { loadAwsResources, type QueueResource } from './aws-resources.js';
import { PROJECT_SERVERLESS_YML } from './event-source.js';

export interface EmulatorEnv {
  readonly AWS_ENDPOINT_URL_SQS: string;
  readonly AWS_ENDPOINT_URL_DYNAMODB: string;
  readonly AWS_REGION: string;
  readonly AWS_ACCESS_KEY_ID: string;
  readonly AWS_SECRET_ACCESS_KEY: string;
  readonly QUEUE_URL: string;
  /** Revocations' own queue (lib/domain/messages.ts, laneOf). */
  readonly REVOCATION_QUEUE_URL: string;
  readonly DEAD_LETTER_QUEUE_URL: string;
  readonly TABLE_NAME: string;
}

export interface Emulators {
  readonly env: EmulatorEnv;
  /** How long starting took, in milliseconds. */
  readonly startupMs: number;
  stop(): Promise<void>;
}

export interface EmulatorOptions {
  /** Keep DynamoDB data on disk here (LevelDB); in memory when absent. SQS is always in memory. */
  readonly persistDir?: string;
  /** The stage used in resource names (default `local`). */
  readonly stage?: string;
  /** Defaults to the project's serverless.yml. */
  readonly serverlessYml?: string;
}

interface DynaliteOptions {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}

// dynalite is CommonJS without type declarations: its one export, typed here.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('emulator did not bind a TCP port'));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Dead-letter queues first: a redrive policy needs its target's ARN. */
function inCreationOrder(queues: readonly QueueResource[]): QueueResource[] {
  return [...queues].sort((a, b) => Number(a.deadLetterTarget !== undefined) - Number(b.deadLetterTarget !== undefined));
}

export async function startEmulators(options: EmulatorOptions = {}): Promise<Emulators> {
  const started = performance.now();
  const resources = await loadAwsResources(options.serverlessYml ?? PROJECT_SERVERLESS_YML, options.stage ?? 'local');
  const workQueue = resources.queues.find((q) => q.logicalId === 'WorkQueue');
  const revocationQueue = resources.queues.find((q) => q.logicalId === 'RevocationQueue');
  const deadLetterQueue = resources.queues.find((q) => q.logicalId === workQueue?.deadLetterTarget);
  const table = resources.tables[0];
  if (!workQueue || !revocationQueue || !deadLetterQueue || !table) {
    throw new Error('serverless.yml must declare WorkQueue and RevocationQueue, each with a redrive policy, their dead-letter queue and a DynamoDB table');
  }

  const dynamoServer = dynalite({ ...(options.persistDir ? { path: options.persistDir } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const sqsServer = await createSqsServer({ port: 0, hostname: '127.0.0.1', region: REGION, emulateQueueCreationLifecycle: false, emulateLazyQueues: false });
  const servers = [dynamoServer, sqsServer];
  try {
    const dynamoEndpoint = await listen(dynamoServer);
    const sqsAddress = sqsServer.address();
    if (sqsAddress === null || typeof sqsAddress === 'string') throw new Error('local-aws-sqs did not bind a TCP port');
    const sqsEndpoint = `http://127.0.0.1:${sqsAddress.port}`;

    const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: REGION, credentials: CREDENTIALS });
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: REGION, credentials: CREDENTIALS });
    try {
      for (const t of resources.tables) {
        try {
          await dynamo.send(
            new CreateTableCommand({
              TableName: t.tableName,
              BillingMode: 'PAY_PER_REQUEST',
              AttributeDefinitions: t.attributeDefinitions,
              KeySchema: t.keySchema,
              ...(t.globalSecondaryIndexes.length > 0 ? { GlobalSecondaryIndexes: t.globalSecondaryIndexes } : {}),
            }),
          );
        } catch (error) {
          // A table kept on disk from an earlier start is reused as it is.
          if (!(error instanceof Error && error.name === 'ResourceInUseException')) throw error;
        }
      }

      const urls = new Map<string, string>();
      const arns = new Map<string, string>();
      for (const queue of inCreationOrder(resources.queues)) {
        const attributes = { ...queue.attributes };
        if (queue.deadLetterTarget !== undefined) {
          const targetArn = arns.get(queue.deadLetterTarget);
          if (!targetArn) throw new Error(`serverless.yml: ${queue.logicalId} redrives to ${queue.deadLetterTarget}, which is not a queue declared there`);
          attributes['RedrivePolicy'] = JSON.stringify({ deadLetterTargetArn: targetArn, maxReceiveCount: queue.maxReceiveCount });
        }
        const created = await sqs.send(new CreateQueueCommand({ QueueName: queue.queueName, Attributes: attributes }));
        if (!created.QueueUrl) throw new Error(`local-aws-sqs: CreateQueue ${queue.queueName} returned no QueueUrl`);
        const described = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: created.QueueUrl, AttributeNames: ['QueueArn'] }));
        const arn = described.Attributes?.QueueArn;
        if (!arn) throw new Error(`local-aws-sqs: GetQueueAttributes ${queue.queueName} returned no QueueArn`);
        urls.set(queue.logicalId, created.QueueUrl);
        arns.set(queue.logicalId, arn);
      }

      const env: EmulatorEnv = {
        AWS_ENDPOINT_URL_SQS: sqsEndpoint,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
        QUEUE_URL: urls.get(workQueue.logicalId) ?? '',
        REVOCATION_QUEUE_URL: urls.get(revocationQueue.logicalId) ?? '',
        DEAD_LETTER_QUEUE_URL: urls.get(deadLetterQueue.logicalId) ?? '',
        TABLE_NAME: table.tableName,
      };
      return {
        env,
        startupMs: Math.round(performance.now() - started),
        stop: async () => {
          await Promise.all(servers.map(close));
        },
      };
    } finally {
      dynamo.destroy();
      sqs.destroy();
    }
  } catch (error) {
    await Promise.allSettled(servers.map(close));
    throw error;
  }
}
