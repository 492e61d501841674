/**
 * The pipeline-test world: the AWS emulators (dynalite + local-aws-sqs, with serverless.yml's table
 * and queues), the IMS/UMAPI, AEM (prod + stage) and Campaign simulators seeded with the demo org,
 * and a local I/O Events key server — everything the function roots read from `process.env`.
 *
 * `startPipelineWorld()` sets `process.env` (SYNC_CONFIG, the simulator URLs, the secrets, the AWS
 * endpoints, queue and table) so a REAL root can then be imported: `await import('../../functions/worker.js')`
 * builds itself from the environment at import. Vitest isolates modules per test file, so one world
 * per file. `stop()` (await it in afterAll) stops every server and restores the environment.
 *
 * It also carries its own minimal SQS event source (`queueDriver`), independent of the local stack:
 * ReceiveMessage (AttributeNames All) → an SQSEvent → the handler → delete what succeeded. A failed
 * record comes back after its visibility timeout, and the emulator's redrive policy parks it in the
 * dead-letter queue after maxReceiveCount receives, as the Lambda event source mapping would.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseDocument } from 'yaml';
import type { TableRef } from '../../lib/aws/table.js';
import { buildIngestDeps } from '../../lib/compose/ingest.js';
import { buildAwsRuntime, buildStores, type AwsRuntime } from '../../lib/compose/runtime.js';
import { loadSettings, type Settings } from '../../lib/compose/settings.js';
import { systemClock } from '../../lib/clock.js';
import { createMemoryLog, createMemoryMetrics } from '../../lib/observability/memory.js';
import type { IngestDeps } from '../../lib/sync/ingest.js';
import type { Stores } from '../../lib/sync/runtime.js';
import { startEmulators, type Emulators } from '../../local/emulators.js';
import { DEMO_CLIENT_SECRET, demoOrg } from '../../local/fixtures/demo-org.js';
import type { OrgFixture } from '../../local/fixtures/types.js';
import { startAemSimulator, type RunningAemSimulator } from '../../local/simulators/aem/index.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../local/simulators/campaign/index.js';
import { startImsSimulator, type ImsSimulator, type ImsSimulatorOptions } from '../../local/simulators/ims/index.js';
import { FIXED_TEST_KEYS, SAMPLE_GENERIC_SECRET, startKeyServer, type KeyServer, type SigningKey } from './io-events.js';

export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../../config/demo.yaml', import.meta.url));
/** UMAPI's budget at its highest allowed setting (100 a minute: one request every 0.6 s), for tests that read UMAPI often. */
export const FAST_UMAPI_BUDGET = (config: ConfigEditor): void => config.set(['org', 'rateLimit'], { usersPerMinute: 100, groupsPerMinute: 100 });

export const AEM_SERVICE_USER = { username: 'ims-sync-service', password: 'pipeline-aem-password' } as const;
export const CAMPAIGN_OPERATOR = { login: 'ims-sync', password: 'pipeline-campaign-password' } as const;

/** A Lambda-like handler of an SQS batch: a real root (middy) or a door. */
export type SqsBatchHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

/** A webhook door as API Gateway calls it. */
export type HttpHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The REAL webhook and worker roots (functions/*.ts), imported once the world has set the
 * environment they read at cold start, each called with a Lambda context as Lambda would.
 */
export async function importRoots(): Promise<{ webhook: HttpHandler; worker: SqsBatchHandler }> {
  const webhookRoot = await import('../../functions/webhook.js');
  const workerRoot = await import('../../functions/worker.js');
  return {
    webhook: (event) => webhookRoot.handler(event, lambdaContext('ims-group-sync-webhook')),
    worker: (event, context) => workerRoot.handler(event, context ?? lambdaContext('ims-group-sync-worker')),
  };
}

export interface WorldOptions {
  readonly fixture?: OrgFixture;
  /** IMS simulator options beside the fixture (pageSize, limits, throttleRetryAfterSeconds...). */
  readonly ims?: Omit<ImsSimulatorOptions, 'fixture'>;
  /** The work queue's redrive maxReceiveCount; serverless.yml's when absent. */
  readonly maxReceiveCount?: number;
  /** SYNC_CONFIG; config/demo.yaml when absent. */
  readonly syncConfig?: string;
  /** SYNC_CONFIG becomes a variant of config/demo.yaml, edited so (see `configVariant`). */
  readonly configEdit?: (config: ConfigEditor) => void;
  /**
   * Revocations on their own queue (`revocations`), as deployed. Off by default: a world's tests
   * then drive every message through `work`, as a stack without REVOCATION_QUEUE_URL does.
   */
  readonly revocationQueue?: boolean;
}

export interface PipelineWorld {
  /** What the world put in process.env (restored by stop()). */
  readonly env: Readonly<Record<string, string>>;
  readonly emulators: Emulators;
  readonly ims: ImsSimulator;
  readonly aemProd: RunningAemSimulator;
  readonly aemStage: RunningAemSimulator;
  readonly campaign: RunningCampaignSimulator;
  readonly keyServer: KeyServer;
  /** The I/O Events signing keys the key server serves (the ones events/http-adobe-io-delivery.json is signed with). */
  readonly signingKeys: readonly [SigningKey, SigningKey];
  /** Test-side clients, pointed at the emulators explicitly. */
  readonly sqs: SQSClient;
  readonly table: TableRef;
  /** The DynamoDB stores over the world's table (runs, audit, versions...), for assertions. */
  readonly stores: Stores;
  readonly work: QueueDriver;
  /** The revocation queue (empty unless the world was started with `revocationQueue: true`). */
  readonly revocations: QueueDriver;
  readonly deadLetters: QueueDriver;
  /** Settings as a root would load them, from the world's env plus these overrides. */
  settings(env?: Record<string, string>): Promise<Settings>;
  /** A whole AWS runtime over the world, with recording log and metrics (the door-level alternative to a root). */
  runtime(options?: { settings?: Settings; maxInlineWaitMs?: number }): Promise<RecordingRuntime>;
  ingestDeps(options?: { settings?: Settings; env?: Record<string, string> }): Promise<IngestDeps & Recording>;
  /** Write a variant of config/demo.yaml to a temp file (removed by stop()); answers its path for SYNC_CONFIG. */
  configVariant(edit: (config: ConfigEditor) => void): Promise<string>;
  stop(): Promise<void>;
}

export interface Recording {
  readonly log: ReturnType<typeof createMemoryLog>;
  readonly metrics: ReturnType<typeof createMemoryMetrics>;
}
export type RecordingRuntime = AwsRuntime & Recording;

/** Set a YAML path of the configuration, e.g. `set(['guard', 'maxRemovals'], 1)`; `${...}` references stay as they are. */
export interface ConfigEditor {
  set(path: readonly (string | number)[], value: unknown): void;
}

export async function startPipelineWorld(options: WorldOptions = {}): Promise<PipelineWorld> {
  const fixture = options.fixture ?? demoOrg();
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled(stoppers.reverse().map((stop) => stop()));
    const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failure) throw failure.reason;
  };
  const previousEnv = new Map<string, string | undefined>();
  stoppers.push(async () => {
    for (const [name, value] of previousEnv) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  try {
    const emulators = await startEmulators();
    stoppers.push(() => emulators.stop());
    const instance = (targetId: string) => {
      const found = fixture.aem.find((a) => a.targetId === targetId);
      if (!found) throw new Error(`the fixture has no AEM instance ${targetId}`);
      return found;
    };
    const campaignInstance = fixture.campaign.find((c) => c.targetId === 'acme-campaign');
    if (!campaignInstance) throw new Error('the fixture has no Campaign instance acme-campaign');

    const [ims, aemProd, aemStage, campaign, keyServer] = await Promise.all([
      startImsSimulator({ limits: false, ...options.ims, fixture }),
      startAemSimulator({ instance: instance('acme-prod-author'), credentials: AEM_SERVICE_USER }),
      startAemSimulator({ instance: instance('acme-stage-author'), credentials: AEM_SERVICE_USER }),
      startCampaignSimulator({ instance: campaignInstance, credentials: CAMPAIGN_OPERATOR }),
      startKeyServer(FIXED_TEST_KEYS),
    ]);
    for (const sim of [ims, aemProd, aemStage, campaign, keyServer]) stoppers.push(() => sim.stop());

    let tempDir: string | undefined;
    stoppers.push(async () => {
      if (tempDir) await rm(tempDir, { recursive: true, force: true });
    });
    const configVariant = async (edit: (config: ConfigEditor) => void): Promise<string> => {
      tempDir ??= await mkdtemp(join(tmpdir(), 'ims-sync-pipeline-'));
      const document = parseDocument(await readFile(DEMO_CONFIG_PATH, 'utf8'));
      edit({ set: (path, value) => document.setIn(path, value) });
      const path = join(tempDir, `sync-${randomUUID()}.yaml`);
      await writeFile(path, document.toString());
      return path;
    };

    const env: Record<string, string> = {
      ...emulators.env,
      REVOCATION_QUEUE_URL: options.revocationQueue === true ? emulators.env.REVOCATION_QUEUE_URL : '',
      SYNC_CONFIG: options.configEdit ? await configVariant(options.configEdit) : (options.syncConfig ?? DEMO_CONFIG_PATH),
      IMS_URL: ims.url,
      AEM_PROD_URL: aemProd.url,
      AEM_STAGE_URL: aemStage.url,
      CAMPAIGN_URL: campaign.url,
      IO_KEY_HOST: keyServer.url,
      DEMO_IMS_CLIENT_SECRET: DEMO_CLIENT_SECRET,
      DEMO_WEBHOOK_SECRET: SAMPLE_GENERIC_SECRET,
      DEMO_AEM_PASSWORD: AEM_SERVICE_USER.password,
      DEMO_CAMPAIGN_PASSWORD: CAMPAIGN_OPERATOR.password,
      // The roots log and publish metrics through Powertools: quiet unless asked for.
      POWERTOOLS_LOG_LEVEL: process.env['PIPELINE_LOG_LEVEL'] ?? 'SILENT',
      POWERTOOLS_METRICS_DISABLED: process.env['PIPELINE_LOG_LEVEL'] ? 'false' : 'true',
      POWERTOOLS_SERVICE_NAME: 'ims-group-sync',
      // Retried failures come back after 1 s (then 2, 4...) instead of production's 30 s.
      WORKER_RETRY_DELAY_SECONDS: '1',
      POWERTOOLS_METRICS_NAMESPACE: 'ImsGroupSync',
    };
    for (const [name, value] of Object.entries(env)) {
      previousEnv.set(name, process.env[name]);
      process.env[name] = value;
    }

    const common = { region: env['AWS_REGION'], credentials: { accessKeyId: emulators.env.AWS_ACCESS_KEY_ID, secretAccessKey: emulators.env.AWS_SECRET_ACCESS_KEY } };
    const sqs = new SQSClient({ ...common, endpoint: emulators.env.AWS_ENDPOINT_URL_SQS });
    const dynamo = DynamoDBDocumentClient.from(new DynamoDBClient({ ...common, endpoint: emulators.env.AWS_ENDPOINT_URL_DYNAMODB }), {
      marshallOptions: { removeUndefinedValues: true },
    });
    stoppers.push(async () => {
      sqs.destroy();
      dynamo.destroy();
    });
    const table: TableRef = { dynamo, tableName: emulators.env.TABLE_NAME };

    if (options.maxReceiveCount !== undefined) {
      const dlqArn = await queueArn(sqs, emulators.env.DEAD_LETTER_QUEUE_URL);
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: emulators.env.QUEUE_URL,
          Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: options.maxReceiveCount }) },
        }),
      );
    }

    const settings = (overrides: Record<string, string> = {}) => loadSettings({ ...process.env, ...overrides });

    return {
      env,
      emulators,
      ims,
      aemProd,
      aemStage,
      campaign,
      keyServer,
      signingKeys: FIXED_TEST_KEYS,
      sqs,
      table,
      stores: buildStores(table, systemClock),
      work: await queueDriver(sqs, emulators.env.QUEUE_URL),
      revocations: await queueDriver(sqs, emulators.env.REVOCATION_QUEUE_URL),
      deadLetters: await queueDriver(sqs, emulators.env.DEAD_LETTER_QUEUE_URL),
      settings,
      async runtime(runtimeOptions = {}) {
        const log = createMemoryLog();
        const metrics = createMemoryMetrics();
        const runtime = buildAwsRuntime(runtimeOptions.settings ?? (await settings()), process.env, {
          log,
          metrics,
          ...(runtimeOptions.maxInlineWaitMs !== undefined ? { maxInlineWaitMs: runtimeOptions.maxInlineWaitMs } : {}),
        });
        return Object.assign(runtime, { log, metrics });
      },
      async ingestDeps(ingestOptions = {}) {
        const log = createMemoryLog();
        const metrics = createMemoryMetrics();
        const deps = buildIngestDeps(ingestOptions.settings ?? (await settings()), { ...process.env, ...ingestOptions.env }, { log, metrics });
        return { ...deps, log, metrics };
      },
      configVariant,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

async function queueArn(sqs: SQSClient, queueUrl: string): Promise<string> {
  const answer = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
  const arn = answer.Attributes?.['QueueArn'];
  if (!arn) throw new Error(`no QueueArn for ${queueUrl}`);
  return arn;
}

/** A Lambda context good enough for middy and Powertools. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `2026/11/23/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface PollResult {
  /** The records handed to the handler. */
  readonly records: readonly SQSRecord[];
  /** Message ids reported failed (or every id when the handler threw). */
  readonly failed: readonly string[];
  readonly deleted: readonly string[];
  /**
   * Successes whose delete SQS refused (the receipt handle expired: the record was already visible
   * again and will be delivered once more — the "processed twice" case the worker must absorb).
   */
  readonly notDeleted: readonly string[];
  /** Set when the handler threw: the whole batch failed. */
  readonly error?: unknown;
}

export interface QueueDriver {
  readonly queueUrl: string;
  readonly queueArn: string;
  /**
   * One event-source poll: receive up to `max` (10) records hidden for `visibilitySeconds`
   * (DEFAULT_VISIBILITY_SECONDS), hand them
   * to the handler as an SQSEvent, delete the ones that did not fail.
   */
  poll(handler: SqsBatchHandler, options?: { visibilitySeconds?: number; max?: number }): Promise<PollResult>;
  /**
   * Poll until `until()` holds, or (without `until`) until the queue has nothing visible or in flight;
   * gives up after `timeoutMs`.
   */
  drain(
    handler: SqsBatchHandler,
    options?: { visibilitySeconds?: number; timeoutMs?: number; until?: () => boolean | Promise<boolean> },
  ): Promise<PollResult[]>;
  /** Receive and delete everything visible now (for reading what was enqueued). */
  take(): Promise<Message[]>;
  /** Send a raw body (a poison message, or a sample event's body). */
  sendRaw(body: string, groupId: string, deduplicationId?: string): Promise<string>;
  depth(): Promise<{ visible: number; inFlight: number }>;
}

export async function queueDriver(sqs: SQSClient, queueUrl: string): Promise<QueueDriver> {
  const arn = await queueArn(sqs, queueUrl);
  const region = arn.split(':')[3] ?? 'us-east-1';

  const receive = async (max: number, visibilitySeconds: number): Promise<Message[]> => {
    const answer = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: max,
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: 0,
        // The older parameter: local-aws-sqs returns system attributes only for it (contracts/aws.md §4).
        AttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    return answer.Messages ?? [];
  };

  /** Delete; answers the receipt handles SQS refused. */
  const remove = async (receiptHandles: readonly string[]): Promise<string[]> => {
    const refused: string[] = [];
    for (let i = 0; i < receiptHandles.length; i += 10) {
      const chunk = receiptHandles.slice(i, i + 10);
      const answer = await sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((handle, index) => ({ Id: String(index), ReceiptHandle: handle })) }),
      );
      for (const failure of answer.Failed ?? []) {
        const handle = chunk[Number(failure.Id)];
        if (handle !== undefined) refused.push(handle);
      }
    }
    return refused;
  };

  const depth = async () => {
    const answer = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
    );
    return {
      visible: Number(answer.Attributes?.['ApproximateNumberOfMessages'] ?? 0),
      inFlight: Number(answer.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0),
    };
  };

  const poll: QueueDriver['poll'] = async (handler, options = {}) => {
    const messages = await receive(options.max ?? 10, options.visibilitySeconds ?? DEFAULT_VISIBILITY_SECONDS);
    if (messages.length === 0) return { records: [], failed: [], deleted: [], notDeleted: [] };
    const records = messages.map((m) => toSqsRecord(m, arn, region));
    let failed: string[];
    let error: unknown;
    try {
      const response = await handler({ Records: records }, lambdaContext('ims-group-sync-local-worker'));
      failed = response.batchItemFailures.map((f) => f.itemIdentifier);
    } catch (thrown) {
      // As Lambda: a handler that throws fails the whole batch.
      failed = records.map((r) => r.messageId);
      error = thrown;
    }
    const succeeded = records.filter((r) => !failed.includes(r.messageId));
    const refused = new Set(await remove(succeeded.map((r) => r.receiptHandle)));
    return {
      records,
      failed,
      deleted: succeeded.filter((r) => !refused.has(r.receiptHandle)).map((r) => r.messageId),
      notDeleted: succeeded.filter((r) => refused.has(r.receiptHandle)).map((r) => r.messageId),
      ...(error !== undefined ? { error } : {}),
    };
  };

  return {
    queueUrl,
    queueArn: arn,
    poll,
    async drain(handler, options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 20_000);
      const results: PollResult[] = [];
      for (;;) {
        if (options.until ? await options.until() : isEmpty(await depth())) return results;
        if (Date.now() > deadline) {
          throw new Error(`queue ${queueUrl} not drained within ${options.timeoutMs ?? 20_000} ms: ${JSON.stringify(await depth())}`);
        }
        const result = await poll(handler, options.visibilitySeconds !== undefined ? { visibilitySeconds: options.visibilitySeconds } : {});
        if (result.records.length > 0) results.push(result);
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async take() {
      const taken: Message[] = [];
      for (;;) {
        const batch = await receive(10, 30);
        if (batch.length === 0) return taken;
        const refused = await remove(batch.flatMap((m) => (m.ReceiptHandle ? [m.ReceiptHandle] : [])));
        if (refused.length > 0) throw new Error(`could not delete ${refused.length} taken message(s) from ${queueUrl}`);
        taken.push(...batch);
      }
    },
    async sendRaw(body, groupId, deduplicationId) {
      const answer = await sqs.send(
        new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, MessageGroupId: groupId, MessageDeduplicationId: deduplicationId ?? randomUUID() }),
      );
      if (!answer.MessageId) throw new Error('SendMessage answered no MessageId');
      return answer.MessageId;
    },
    depth,
  };
}

/**
 * How long a polled record stays hidden unless a test says otherwise: longer than any one worker
 * invocation here (a UMAPI read may wait ~2.4 s for its turn at the demo budget), far shorter than
 * the deployed 720 s so that a failed record comes back within the test.
 */
export const DEFAULT_VISIBILITY_SECONDS = 10;

const isEmpty = (d: { visible: number; inFlight: number }): boolean => d.visible === 0 && d.inFlight === 0;

/** An SQS message as the Lambda event source mapping hands it over (contracts/aws.md §1). */
export function toSqsRecord(message: Message, queueArn: string, region: string): SQSRecord {
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a['ApproximateReceiveCount'] ?? '1',
      SentTimestamp: a['SentTimestamp'] ?? String(Date.now()),
      SenderId: a['SenderId'] ?? 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: a['ApproximateFirstReceiveTimestamp'] ?? String(Date.now()),
      ...(a['MessageGroupId'] ? { MessageGroupId: a['MessageGroupId'] } : {}),
      ...(a['MessageDeduplicationId'] ? { MessageDeduplicationId: a['MessageDeduplicationId'] } : {}),
      ...(a['SequenceNumber'] ? { SequenceNumber: a['SequenceNumber'] } : {}),
    },
    messageAttributes: Object.fromEntries(
      Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
        name,
        { dataType: value.DataType ?? 'String', ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}), stringListValues: [], binaryListValues: [] },
      ]),
    ),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

/** A small wait, for states that settle in real time (visibility timeouts, outages). */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` until it holds or `timeoutMs` passes. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await sleep(50);
  }
}
