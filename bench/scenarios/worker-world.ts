/**
 * A generated org served by a child process (world-child.ts: emulators + simulators), and in this
 * process the worker and webhook built with their real composition (loadSettings, buildAwsRuntime,
 * buildIngestDeps, the doors) over a configuration written for that org. Work reaches the queue
 * through the real webhook handler or the real schedule handler; the worker's batches are received
 * from the SQS emulator and handed to the real worker handler here, one batch at a time.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { ScheduledEvent, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients, type AwsClients } from '../../lib/aws/clients.js';
import { createDeadLetterParking } from '../../lib/aws/dead-letters.js';
import { buildIngestDeps } from '../../lib/compose/ingest.js';
import { buildAwsRuntime, type AwsRuntime } from '../../lib/compose/runtime.js';
import { WORKER_UMAPI_WAIT_MS } from '../../lib/sync/work-budget.js';
import { loadSettings } from '../../lib/compose/settings.js';
import { genericSignatureOf } from '../../lib/ingest/generic.js';
import { createMemoryLog, createMemoryMetrics } from '../../lib/observability/memory.js';
import { createScheduleHandler, type ScheduleSummary } from '../../functions/doors/schedule.js';
import { createWebhookHandler } from '../../functions/doors/webhook.js';
import { createWorkerHandler } from '../../functions/doors/worker.js';
import type { EmulatorEnv } from '../../local/emulators.js';
import { distinct, queueArnOf, succeededRecords, toSqsRecord } from '../../local/sqs-poller.js';
import { httpApiEvent } from '../../test/support/io-events.js';
import type { WorldSummary } from '../sims.js';
import { BENCH_ENV, benchConfigYaml } from '../world.js';
import { setEnv } from './env.js';

const WEBHOOK_SECRET = 'bench-webhook-secret-0123456789abcdef';
/** The most the configuration allows (lib/config/schema.ts); the simulator is unlimited. */
export const BENCH_UMAPI_PER_MINUTE = 100;

export interface WorkerWorld {
  readonly summary: WorldSummary;
  readonly runtime: AwsRuntime;
  /** One call of the real worker handler. */
  readonly worker: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Posts changes (generic format, signed) through the real webhook handler; throws unless accepted. */
  postGeneric(changes: readonly Record<string, unknown>[]): Promise<void>;
  /** One run of the real schedule handler: a full reconciliation, its work sent to the queue. */
  schedule(): Promise<ScheduleSummary>;
  /** Receives up to 10 records (waiting up to `waitSeconds`). */
  receive(waitSeconds: number): Promise<SQSEvent>;
  /** Deletes what the worker did not report failed. */
  settle(event: SQSEvent, response: SQSBatchResponse): Promise<void>;
  /** Visible + in flight + delayed messages of the work queue. */
  queued(): Promise<number>;
  stop(): Promise<void>;
}

async function spawnWorld(options: { users: number; seed: number }): Promise<{ summary: WorldSummary; env: EmulatorEnv; stop(): Promise<void> }> {
  const script = fileURLToPath(new URL('./world-child.ts', import.meta.url));
  const sims = { users: options.users, seed: options.seed, aem: 2, campaign: 1, pageSize: 2000 };
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(sims)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await Promise.race([lines.next(), exited.then(() => undefined)]);
  if (first === undefined || first.done === true) throw new Error('bench: the world process exited before it was ready (see its stderr above)');
  const parsed = JSON.parse(first.value) as { summary: WorldSummary; env: EmulatorEnv };
  return {
    ...parsed,
    stop: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** Every simulator answers after `latencyMs` (their `/__sim/faults` control route). */
export async function setLatency(summary: WorldSummary, latencyMs: number): Promise<void> {
  const urls = [summary.imsUrl, ...summary.aem.map((a) => a.url), ...summary.campaign.map((c) => c.url)];
  await Promise.all(
    urls.map(async (url) => {
      const response = await fetch(`${url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ latencyMs }) });
      if (!response.ok) throw new Error(`bench: POST ${url}/__sim/faults answered ${response.status}`);
      await response.body?.cancel();
    }),
  );
}

export async function startWorkerWorld(options: { users: number; seed: number; latencyMs: number; targetLimits: { requestsPerSecond: number; concurrency: number } }): Promise<WorkerWorld> {
  const world = await spawnWorld(options);
  const dir = await mkdtemp(join(tmpdir(), 'ims-sync-bench-worker-'));
  let restore: (() => void) | undefined;
  let aws: AwsClients | undefined;
  try {
    await setLatency(world.summary, options.latencyMs);
    const config = parse(benchConfigYaml(world.summary, options.targetLimits)) as {
      org: Record<string, unknown>;
      targets: Record<string, unknown>[];
      webhooks?: unknown;
    };
    config.org['rateLimit'] = { usersPerMinute: BENCH_UMAPI_PER_MINUTE, groupsPerMinute: BENCH_UMAPI_PER_MINUTE };
    config.webhooks = { generic: { secret: 'env:BENCH_WEBHOOK_SECRET' } };
    const configPath = join(dir, 'sync.yaml');
    await writeFile(configPath, stringify(config));
    restore = setEnv({ ...world.env, ...BENCH_ENV, BENCH_WEBHOOK_SECRET: WEBHOOK_SECRET, SYNC_CONFIG: configPath });

    const settings = await loadSettings(process.env);
    aws = createAwsClients();
    const clients = aws;
    const metrics = createMemoryMetrics();
    const runtime = buildAwsRuntime(settings, process.env, { log: createMemoryLog(), metrics, aws: clients, maxInlineWaitMs: WORKER_UMAPI_WAIT_MS });
    const scheduleRuntime = buildAwsRuntime(settings, process.env, { log: createMemoryLog(), metrics, aws: clients, maxInlineWaitMs: 120_000 });
    const worker = createWorkerHandler({
      runtime,
      delay: (receiptHandle, seconds, queueArn) => runtime.queue.changeVisibility(receiptHandle, seconds, queueArn),
      deadLetter: createDeadLetterParking(clients.sqs, world.env.DEAD_LETTER_QUEUE_URL),
      requeue: { send: (record, requeues) => runtime.queue.requeue(record, requeues), maxReceiveCount: () => runtime.queue.maxReceiveCount() },
      retryDelaySeconds: 2,
    });
    const webhook = createWebhookHandler(buildIngestDeps(settings, process.env, { log: createMemoryLog(), metrics, queue: runtime.queue }));
    const schedule = createScheduleHandler(scheduleRuntime);
    // Both queues, the revocation queue first (in AWS each has its own workers; here one drains them in turn).
    const queues = [world.env.REVOCATION_QUEUE_URL, world.env.QUEUE_URL].map((url) => ({ url, arn: queueArnOf(url, world.env.AWS_REGION) }));
    const stopAll = async (): Promise<void> => {
      clients.sqs.destroy();
      clients.dynamo.destroy();
      restore?.();
      await world.stop();
      await rm(dir, { recursive: true, force: true });
    };
    return {
      summary: world.summary,
      runtime,
      worker,
      async postGeneric(changes) {
        const body = JSON.stringify(changes);
        const timestamp = String(Math.floor(Date.now() / 1000));
        const answer = await webhook(
          httpApiEvent({
            method: 'POST',
            path: '/webhooks/generic',
            headers: { 'content-type': 'application/json', 'x-ims-sync-timestamp': timestamp, 'x-ims-sync-signature': `sha256=${genericSignatureOf(WEBHOOK_SECRET, timestamp, Buffer.from(body, 'utf8'))}` },
            body,
            timeEpoch: Date.now(),
          }),
        );
        if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}: ${String(answer.body)}`);
      },
      schedule: () => {
        const now = new Date();
        const event: ScheduledEvent = {
          version: '0',
          id: `bench-${now.getTime().toString(36)}`,
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: '000000000000',
          time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region: world.env.AWS_REGION,
          resources: [],
          detail: {},
        };
        return schedule(event);
      },
      async receive(waitSeconds) {
        for (const [i, { url, arn }] of queues.entries()) {
          const answer = await clients.sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: url,
              MaxNumberOfMessages: 10,
              // Only the last queue waits: an empty revocation queue must not hold up the work queue.
              WaitTimeSeconds: i === queues.length - 1 ? waitSeconds : 0,
              // The older parameter: local-aws-sqs returns the message group and receive count only for it (contracts/aws.md §4).
              AttributeNames: ['All'],
              MessageAttributeNames: ['All'],
              VisibilityTimeout: 30,
            }),
          );
          const records = distinct(answer.Messages ?? []).flatMap((m) => toSqsRecord(m, arn, world.env.AWS_REGION) ?? []);
          if (records.length > 0) return { Records: records };
        }
        return { Records: [] };
      },
      async settle(event, response) {
        const done = succeededRecords(event.Records, response);
        const url = queues.find((q) => q.arn === done[0]?.eventSourceARN)?.url;
        if (done.length === 0 || url === undefined) return;
        await clients.sqs.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }));
      },
      async queued() {
        let queued = 0;
        for (const { url } of queues) {
          const answer = await clients.sqs.send(
            new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'] }),
          );
          const a = answer.Attributes ?? {};
          queued += Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
        }
        return queued;
      },
      stop: stopAll,
    };
  } catch (error) {
    aws?.sqs.destroy();
    aws?.dynamo.destroy();
    restore?.();
    await world.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
