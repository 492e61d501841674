/**
 * The whole system on one machine, in one process: DynamoDB and SQS emulators, the IMS, two AEM
 * and the Campaign simulators seeded from the demo org, a key host serving the stack's own Adobe
 * I/O Events public keys (so `/webhooks/adobe-io` verifies real signatures), and the webhook, worker and schedule
 * functions built with their real composition (`loadSettings` + `buildIngestDeps` /
 * `buildAwsRuntime` + the doors) behind a Lambda-like HTTP door, SQS poller and timer.
 *
 * The functions read everything from the environment, as in Lambda: the stack sets `process.env`
 * (and puts back what was there on `stop()`), so only one stack runs per process.
 * See docs/local-stack.md.
 */
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { ScheduledEvent } from 'aws-lambda';
import { createAwsClients, type AwsClients } from '../lib/aws/clients.js';
import { createDeadLetterAccess, createDeadLetterParking, type DeadLetterAccess } from '../lib/aws/dead-letters.js';
import { createSqsWorkQueue } from '../lib/aws/queue.js';
import { buildIngestDeps } from '../lib/compose/ingest.js';
import { buildAwsRuntime, type AwsRuntime } from '../lib/compose/runtime.js';
import { WORKER_UMAPI_WAIT_MS } from '../lib/sync/work-budget.js';
import { loadSettings } from '../lib/compose/settings.js';
import type { HttpTransport } from '../lib/http.js';
import { createMemoryLog, createMemoryMetrics, type LogLine } from '../lib/observability/memory.js';
import { createScheduleHandler, type ScheduleSummary } from '../functions/doors/schedule.js';
import { createWebhookHandler } from '../functions/doors/webhook.js';
import { createWorkerHandler } from '../functions/doors/worker.js';
import { adobeIoHeaders, generateIoSigningKeys, startIoKeyServer, type AdobeIoSignOptions } from './demo/adobe-io.js';
import { startEmulators, type Emulators } from './emulators.js';
import { loadWorkerEventSources, type WorkerEventSource } from './event-source.js';
import { demoOrg } from './fixtures/demo-org.js';
import type { OrgFixture } from './fixtures/types.js';
import { startHttpDoor, type HttpDoor } from './http-door.js';
import { startAemSimulator, type RunningAemSimulator } from './simulators/aem/index.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from './simulators/campaign/index.js';
import { startImsSimulator, type ImsSimulator } from './simulators/ims/index.js';
import { startSqsPoller, type SqsPoller } from './sqs-poller.js';
import { statsFrom, type StackStats } from './summary.js';

export type { StackStats } from './summary.js';

/** Batches of records the local poller holds ahead per slot, to batch a message group's records as SQS does. */
const STACK_HOLD_BATCHES = 20;

export const DEMO_CONFIG_PATH = fileURLToPath(new URL('../config/demo.yaml', import.meta.url));

/** The demo's secrets (config/demo.yaml reads them with `env:`); an already set variable wins. */
export const DEMO_SECRET_DEFAULTS = {
  DEMO_WEBHOOK_SECRET: 'demo-webhook-secret-0123456789abcdef',
  DEMO_AEM_PASSWORD: 'demo-aem-password',
  DEMO_CAMPAIGN_PASSWORD: 'demo-campaign-password',
} as const;

/** The ports of config/demo.yaml's defaults, used by `npm start` when free. */
export const FRIENDLY_PORTS = { webhook: 8080, ims: 4500, aemProd: 4502, aemStage: 4503, campaign: 4510 } as const;

const AEM_SERVICE_USER = 'ims-sync-service';
const CAMPAIGN_LOGIN = 'ims-sync';

export interface StackOptions {
  /** Port of the webhook door: 0 (default) for an ephemeral one; a taken port falls back to ephemeral. */
  readonly port?: number;
  /** Also put the simulators on config/demo.yaml's default ports (4500, 4502, 4503, 4510) where free. */
  readonly friendlyPorts?: boolean;
  /** Run the schedule every this many ms (no timer when absent). */
  readonly scheduleEveryMs?: number;
  /** Run the schedule once right after start. */
  readonly scheduleAtStart?: boolean;
  /** Keep DynamoDB on disk here. */
  readonly persistDir?: string;
  /** No log echo at all. */
  readonly quiet?: boolean;
  /** Where log lines are echoed (console.log by default), unless quiet. */
  readonly log?: (line: string) => void;
  readonly fixture?: OrgFixture;
  /** The configuration file (`SYNC_CONFIG`); config/demo.yaml by default. Another one must name the fixture's targets. */
  readonly configPath?: string;
  /** The HTTP transport of the worker and schedule (fetch by default): to record or alter calls in experiments. */
  readonly http?: HttpTransport;
  /** The worker's first back-off for a failed record, in seconds (doubling per receive); 2 by default. */
  readonly retryDelaySeconds?: number;
}

export interface StackUrls {
  readonly webhook: string;
  readonly ims: string;
  readonly aemProd: string;
  readonly aemStage: string;
  readonly campaign: string;
  /** The stack's stand-in for static.adobeioevents.com (`IO_KEY_HOST`): serves its own I/O Events public keys. */
  readonly ioKeys: string;
  readonly sqs: string;
  readonly dynamodb: string;
}

export interface StackSims {
  readonly ims: ImsSimulator;
  readonly aemProd: RunningAemSimulator;
  readonly aemStage: RunningAemSimulator;
  readonly campaign: RunningCampaignSimulator;
}

export interface Stack {
  readonly urls: StackUrls;
  /** Everything the CLI needs to talk to this stack (export it in a shell). */
  readonly env: Readonly<Record<string, string>>;
  readonly sims: StackSims;
  /** The schedule function's runtime: for plans (`reconcile({mode:'plan'})`), as the CLI would. */
  readonly runtime: AwsRuntime;
  readonly deadLetters: DeadLetterAccess;
  /**
   * The headers Adobe I/O Events puts on a delivery of this raw body (contracts/io-events.md §2-3),
   * signed with the stack's two keys, whose public halves its key host serves: POST the body with
   * them to `/webhooks/adobe-io` and the webhook verifies it as a genuine delivery.
   */
  signAdobeIo(body: string | Buffer, options?: AdobeIoSignOptions): Record<string, string>;
  /** Log lines of the three functions (the most recent ones). */
  readonly logLines: () => readonly (LogLine & { fn: string })[];
  stats(): StackStats;
  /** Resolves when the worker's queue looked empty, no batch was running and no received record was held. */
  idle(): Promise<void>;
  /** One run of the schedule function (a full reconciliation, applied through the queue). */
  runSchedule(): Promise<ScheduleSummary>;
  stop(): Promise<void>;
}

const KEPT_LOG_LINES = 2000;

/** The preferred port if nothing listens there now, else 0 (ephemeral). */
export async function portIfFree(port: number): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(0));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(port)));
  });
}

function formatLine(fn: string, line: LogLine): string {
  const attributes = Object.entries(line.attributes)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return `${new Date().toISOString().slice(11, 23)} [${fn}] ${line.level.padEnd(5)} ${line.message}${attributes ? `  ${attributes}` : ''}`;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const fixture = options.fixture ?? demoOrg();
  const echo = options.quiet ? undefined : (options.log ?? ((line: string) => console.log(line)));
  // Everything started so far, stopped in reverse order by stop() (or when starting fails).
  const stops: { name: string; stop: () => Promise<void> | void }[] = [];
  const stopAll = async (): Promise<void> => {
    const errors: unknown[] = [];
    for (const { stop } of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    }
    stops.length = 0;
    if (errors.length > 0) throw new AggregateError(errors, `local stack: ${errors.length} part(s) did not stop cleanly`);
  };

  try {
    const emulators: Emulators = await startEmulators(options.persistDir ? { persistDir: options.persistDir } : {});
    stops.push({ name: 'emulators', stop: () => emulators.stop() });

    const port = async (friendly: number): Promise<number> => (options.friendlyPorts ? portIfFree(friendly) : 0);
    const secrets = Object.fromEntries(
      Object.entries(DEMO_SECRET_DEFAULTS).map(([name, value]) => [name, process.env[name] || value]),
    ) as Record<keyof typeof DEMO_SECRET_DEFAULTS, string>;

    const instance = (targetId: string) => {
      const found = fixture.aem.find((i) => i.targetId === targetId);
      if (!found) throw new Error(`local stack: the fixture has no AEM instance "${targetId}" (config/demo.yaml needs it)`);
      return found;
    };
    const campaignInstance = fixture.campaign.find((c) => c.targetId === 'acme-campaign');
    if (!campaignInstance) throw new Error('local stack: the fixture has no Campaign instance "acme-campaign" (config/demo.yaml needs it)');

    const ims = await startImsSimulator({ fixture, port: await port(FRIENDLY_PORTS.ims) });
    stops.push({ name: 'ims', stop: () => ims.stop() });
    const aemCredentials = { username: AEM_SERVICE_USER, password: secrets.DEMO_AEM_PASSWORD };
    const aemProd = await startAemSimulator({ instance: instance('acme-prod-author'), credentials: aemCredentials, port: await port(FRIENDLY_PORTS.aemProd) });
    stops.push({ name: 'aem prod', stop: () => aemProd.stop() });
    const aemStage = await startAemSimulator({ instance: instance('acme-stage-author'), credentials: aemCredentials, port: await port(FRIENDLY_PORTS.aemStage) });
    stops.push({ name: 'aem stage', stop: () => aemStage.stop() });
    const campaign = await startCampaignSimulator({
      instance: campaignInstance,
      credentials: { login: CAMPAIGN_LOGIN, password: secrets.DEMO_CAMPAIGN_PASSWORD },
      port: await port(FRIENDLY_PORTS.campaign),
    });
    stops.push({ name: 'campaign', stop: () => campaign.stop() });
    // Fresh keys at every start, known only to this process (local/demo/adobe-io.ts).
    const ioSigningKeys = generateIoSigningKeys();
    const ioKeys = await startIoKeyServer(ioSigningKeys);
    stops.push({ name: 'io key host', stop: () => ioKeys.stop() });

    const env: Record<string, string> = {
      ...emulators.env,
      SYNC_CONFIG: options.configPath ?? DEMO_CONFIG_PATH,
      IMS_URL: ims.url,
      AEM_PROD_URL: aemProd.url,
      AEM_STAGE_URL: aemStage.url,
      CAMPAIGN_URL: campaign.url,
      // config/demo.yaml: webhooks.adobeIo.keyHost (http is allowed for loopback only).
      IO_KEY_HOST: ioKeys.url,
      DEMO_IMS_CLIENT_SECRET: fixture.clientSecret,
      ...secrets,
    };
    // The functions read their settings from process.env, as in Lambda; put back what was there on stop.
    const previous = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    stops.push({
      name: 'environment',
      stop: () => {
        for (const [name, value] of Object.entries(previous)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      },
    });

    const lines: (LogLine & { fn: string })[] = [];
    const logFor = (fn: string) =>
      createMemoryLog((line) => {
        lines.push({ ...line, fn });
        if (lines.length > KEPT_LOG_LINES * 1.5) lines.splice(0, lines.length - KEPT_LOG_LINES);
        if (line.level !== 'debug') echo?.(formatLine(fn, line));
      });
    const webhookLog = logFor('webhook');
    const workerLog = logFor('worker');
    const scheduleLog = logFor('schedule');
    // The memory logs keep every line too: trim them, `npm start` may run for hours.
    const trim = (): void => {
      for (const log of [webhookLog, workerLog, scheduleLog]) if (log.lines.length > KEPT_LOG_LINES) log.lines.splice(0, log.lines.length - KEPT_LOG_LINES);
    };
    const metrics = createMemoryMetrics();

    const settings = await loadSettings(process.env);
    const aws: AwsClients = createAwsClients();
    stops.push({
      name: 'aws clients',
      stop: () => {
        aws.dynamo.destroy();
        aws.sqs.destroy();
      },
    });
    const ingestDeps = buildIngestDeps(settings, process.env, { log: webhookLog, metrics, queue: createSqsWorkQueue(aws.sqs, { work: env.QUEUE_URL ?? '', revocation: env.REVOCATION_QUEUE_URL }, settings.config.targets) });
    const workerRuntime = buildAwsRuntime(settings, process.env, {
      log: workerLog,
      metrics,
      aws,
      maxInlineWaitMs: WORKER_UMAPI_WAIT_MS,
      ...(options.http ? { http: options.http } : {}),
    });
    // As the schedule function's root: a full read waits out UMAPI's budget in-process.
    const scheduleRuntime = buildAwsRuntime(settings, process.env, {
      log: scheduleLog,
      metrics,
      aws,
      maxInlineWaitMs: 120_000,
      ...(options.http ? { http: options.http } : {}),
    });
    const deadLetters = createDeadLetterAccess(aws.sqs, { dlqUrl: emulators.env.DEAD_LETTER_QUEUE_URL, queueUrl: emulators.env.QUEUE_URL, revocationQueueUrl: emulators.env.REVOCATION_QUEUE_URL });

    const worker = createWorkerHandler({
      runtime: workerRuntime,
      delay: (receiptHandle, seconds, queueArn) => workerRuntime.queue.changeVisibility(receiptHandle, seconds, queueArn),
      deadLetter: createDeadLetterParking(aws.sqs, emulators.env.DEAD_LETTER_QUEUE_URL),
      requeue: { send: (record, requeues) => workerRuntime.queue.requeue(record, requeues), maxReceiveCount: () => workerRuntime.queue.maxReceiveCount() },
      retryDelaySeconds: options.retryDelaySeconds ?? 2,
    });
    // Batch size and concurrency of each deployed event source (serverless.yml, the worker's sqs
    // events): batches of different message groups run side by side, as Lambda runs them, and the
    // revocation queue has workers of its own, so removals never wait behind other work.
    const eventSources = await loadWorkerEventSources();
    const poll = (queueUrl: string, source: WorkerEventSource): SqsPoller =>
      startSqsPoller({
        sqs: aws.sqs,
        queueUrl,
        handler: worker,
        batchSize: source.batchSize,
        concurrency: source.maximumConcurrency,
        region: emulators.env.AWS_REGION,
        // The queue's own 720 s suits Lambda; a crashed local batch comes back sooner.
        visibilityTimeout: 30,
        // SQS forms FIFO batches from one message group where it can (a burst about one IMS group
        // comes in batches of it); held records let the poller do the same, renewed while they wait.
        holdBatches: STACK_HOLD_BATCHES,
        onBatch: (report) => {
          if (report.error !== undefined) workerLog.error('worker batch threw: every record comes back after its visibility timeout', { error: String(report.error) });
        },
        onError: (error) => workerLog.warn('SQS poller: receive or delete failed', { error: String(error) }),
      });
    const workPoller = poll(emulators.env.QUEUE_URL, eventSources.work);
    stops.push({ name: 'sqs poller (work)', stop: () => workPoller.stop() });
    const revocationPoller = poll(emulators.env.REVOCATION_QUEUE_URL, eventSources.revocation);
    stops.push({ name: 'sqs poller (revocations)', stop: () => revocationPoller.stop() });
    // A revocation queues its user's re-check on the work queue: idle is both idle, in that order.
    const idle = async (): Promise<void> => {
      await revocationPoller.idle();
      await workPoller.idle();
      await revocationPoller.idle();
    };

    const door: HttpDoor = await startHttpDoor({
      handler: createWebhookHandler(ingestDeps),
      port: options.port ?? 0,
      fallbackToEphemeral: true,
      onError: (error) => webhookLog.error('webhook handler threw', { error: String(error) }),
    });
    stops.push({ name: 'webhook door', stop: () => door.stop() });

    const schedule = createScheduleHandler(scheduleRuntime);
    let runs = 0;
    let running: Promise<ScheduleSummary> | undefined;
    const runSchedule = (): Promise<ScheduleSummary> => {
      // One run at a time, as EventBridge with a reserved concurrency of 1 would.
      if (running) return running;
      runs += 1;
      const now = new Date();
      const event: ScheduledEvent = {
        version: '0',
        id: `local-${String(runs).padStart(4, '0')}-${now.getTime().toString(36)}`,
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '000000000000',
        time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: emulators.env.AWS_REGION,
        resources: ['arn:aws:events:us-east-1:000000000000:rule/ims-group-sync-local-schedule'],
        detail: {},
      };
      running = schedule(event).finally(() => {
        running = undefined;
        trim();
      });
      return running;
    };
    const scheduled = (): void => {
      runSchedule().catch((error: unknown) => scheduleLog.error('scheduled reconciliation failed', { error: String(error) }));
    };
    let timer: NodeJS.Timeout | undefined;
    if (options.scheduleEveryMs !== undefined) timer = setInterval(scheduled, options.scheduleEveryMs);
    stops.push({
      name: 'schedule',
      stop: async () => {
        if (timer) clearInterval(timer);
        await running?.catch(() => undefined);
      },
    });
    if (options.scheduleAtStart) scheduled();

    const targetIds = settings.config.targets.map((t) => t.id);
    return {
      urls: {
        webhook: door.url,
        ims: ims.url,
        aemProd: aemProd.url,
        aemStage: aemStage.url,
        campaign: campaign.url,
        ioKeys: ioKeys.url,
        sqs: emulators.env.AWS_ENDPOINT_URL_SQS,
        dynamodb: emulators.env.AWS_ENDPOINT_URL_DYNAMODB,
      },
      env: { ...env, WEBHOOK_URL: door.url },
      sims: { ims, aemProd, aemStage, campaign },
      runtime: scheduleRuntime,
      deadLetters,
      signAdobeIo: (body, signOptions) => adobeIoHeaders(body, ioSigningKeys, signOptions),
      logLines: () => lines,
      stats: () => statsFrom(metrics, targetIds, workPoller.batches() + revocationPoller.batches()),
      idle,
      runSchedule,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}
