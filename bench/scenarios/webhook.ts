/**
 * `webhook`: verified events a second and handler latency, per door, with the signature check:
 * Adobe I/O Events deliveries signed with the local key server's keys (local/demo/adobe-io.ts, as
 * the local stack signs them) and the generic HMAC format. Each door runs twice: with a queue that
 * drops the messages (SQS send excluded) and with the real SQS queue on the local SQS emulator
 * (included). One handler call at a time, as one Lambda instance takes one request at a time; the
 * signing is done before the clock starts.
 */
import { createHmac, createPublicKey, verify } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { createAwsClients } from '../../lib/aws/clients.js';
import { createSqsWorkQueue } from '../../lib/aws/queue.js';
import { buildIngestDeps } from '../../lib/compose/ingest.js';
import { loadSettings } from '../../lib/compose/settings.js';
import { createMemoryLog, createMemoryMetrics } from '../../lib/observability/memory.js';
import type { WorkQueue } from '../../lib/sync/ports.js';
import { createWebhookHandler } from '../../functions/doors/webhook.js';
import { adobeIoHeaders, auditDelivery, generateIoSigningKeys, startIoKeyServer } from '../../local/demo/adobe-io.js';
import { startEmulators } from '../../local/emulators.js';
import { DEMO_CLIENT_ID, DEMO_ORG_ID } from '../../local/fixtures/demo-org.js';
import { DEMO_CONFIG_PATH, DEMO_SECRET_DEFAULTS } from '../../local/stack.js';
import { genericChange, genericHeaders, httpApiEvent } from '../../test/support/io-events.js';
import { setEnv } from './env.js';
import { num, quantile, round, type Comparison, type Scenario } from './types.js';

const USERS = ['jane@acme.com', 'omar@acme.com', 'li@acme.com', 'nina@acme.com', 'rita@acme.com'];
const GROUPS = ['AEM-Authors', 'AEM-DAM-Users', 'AEM-Reviewers'];
const dropQueue: WorkQueue = { send: async () => undefined };

type Door = 'adobeIo' | 'generic';

function deliveries(door: Door, count: number, keys: ReturnType<typeof generateIoSigningKeys>, tag: string): APIGatewayProxyEventV2[] {
  const events: APIGatewayProxyEventV2[] = [];
  const now = Date.now();
  for (let i = 0; i < count; i += 1) {
    const email = USERS[i % USERS.length] as string;
    const group = GROUPS[i % GROUPS.length] as string;
    const id = `bench-${tag}-${door}-${i}`;
    if (door === 'adobeIo') {
      const delivery = auditDelivery({ eventCode: 'USER_GROUP_REMOVE_USER:USER_GROUP', email, group }, { orgId: DEMO_ORG_ID, clientId: DEMO_CLIENT_ID, id, timeMs: now });
      events.push(httpApiEvent({ method: 'POST', path: '/webhooks/adobe-io', headers: adobeIoHeaders(delivery.body, keys, { eventId: id }), body: delivery.body, timeEpoch: now }));
    } else {
      const body = JSON.stringify(genericChange({ id, orgId: DEMO_ORG_ID, occurredAt: new Date(now).toISOString(), type: 'membership.removed', user: { email }, group }));
      const timestamp = Math.floor(now / 1000);
      events.push(httpApiEvent({ method: 'POST', path: '/webhooks/generic', headers: genericHeaders(body, DEMO_SECRET_DEFAULTS.DEMO_WEBHOOK_SECRET, timestamp), body, timeEpoch: now }));
    }
  }
  return events;
}

interface DoorRun {
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * Calls the handler for each event, one at a time. `between`, when given, runs after every tenth
 * call, off the clock: a floor sample taken under the same load as the calls around it.
 */
async function drive(handler: ReturnType<typeof createWebhookHandler>, events: readonly APIGatewayProxyEventV2[], between?: () => Promise<void>): Promise<DoorRun> {
  const latencies: number[] = [];
  let handlerMs = 0;
  for (const [i, event] of events.entries()) {
    const at = performance.now();
    const answer = await handler(event);
    const ms = performance.now() - at;
    latencies.push(ms);
    handlerMs += ms;
    if (answer.statusCode !== 200) throw new Error(`webhook answered ${answer.statusCode}: ${String(answer.body)}`);
    if (between && i % 10 === 0) await between();
  }
  const seconds = handlerMs / 1000;
  return { eventsPerSecond: round(events.length / seconds, 0), p50Ms: round(quantile(latencies, 0.5), 3), p99Ms: round(quantile(latencies, 0.99), 3) };
}

/** The unavoidable per-event costs, measured here: one RSA-SHA256 verify with a parsed key, one HMAC, one SendMessage. */
async function floors(keys: ReturnType<typeof generateIoSigningKeys>, sendOne: () => Promise<void>, samples: number): Promise<Record<'rsa' | 'hmac' | 'sqs', number>> {
  const body = Buffer.from(deliveries('adobeIo', 1, keys, 'floor')[0]?.body ?? '', 'utf8');
  const key = createPublicKey(keys[0].publicKeyPem);
  const signature = Buffer.from(adobeIoHeaders(body, keys)['x-adobe-digital-signature-1'] ?? '', 'base64');
  const time = async (fn: () => unknown): Promise<number> => {
    const ms: number[] = [];
    for (let i = 0; i < samples; i += 1) {
      const at = performance.now();
      await fn();
      ms.push(performance.now() - at);
    }
    return quantile(ms, 0.5);
  };
  return {
    rsa: await time(() => verify('sha256', body, key, signature)),
    hmac: await time(() => createHmac('sha256', DEMO_SECRET_DEFAULTS.DEMO_WEBHOOK_SECRET).update(body).digest('hex')),
    sqs: await time(sendOne),
  };
}

export const webhookScenario: Scenario = {
  name: 'webhook',
  summary: 'verified events a second and p99 handler latency, both doors, SQS send excluded and included',
  flags: {
    events: { default: 2000, min: 10, max: 1_000_000, help: 'deliveries per door and mode (one event each)' },
    warmup: { default: 100, min: 0, max: 100_000, help: 'deliveries per door before measuring (key fetch, JIT)' },
  },
  async run(flags, log) {
    const count = num(flags, 'events');
    const warmup = num(flags, 'warmup');
    const emulators = await startEmulators();
    const keys = generateIoSigningKeys();
    const keyServer = await startIoKeyServer(keys);
    const restore = setEnv({ ...emulators.env, SYNC_CONFIG: DEMO_CONFIG_PATH, IO_KEY_HOST: keyServer.url, ...DEMO_SECRET_DEFAULTS, DEMO_IMS_CLIENT_SECRET: 'unused' });
    const aws = createAwsClients();
    try {
      const settings = await loadSettings(process.env);
      const sqsQueue = createSqsWorkQueue(aws.sqs, { work: emulators.env.QUEUE_URL });
      const results: Record<string, DoorRun> = {};
      let sent = 0;
      const sendOne = async (): Promise<void> => {
        sent += 1;
        await aws.sqs.send(new SendMessageCommand({ QueueUrl: emulators.env.QUEUE_URL, MessageBody: '{}', MessageGroupId: 'bench', MessageDeduplicationId: `floor-${sent}` }));
      };
      const sqsSamples: number[] = [];
      const rawSend = async (): Promise<void> => {
        const at = performance.now();
        await sendOne();
        sqsSamples.push(performance.now() - at);
      };
      for (const withSqs of [false, true]) {
        const handler = createWebhookHandler(
          buildIngestDeps(settings, process.env, { log: createMemoryLog(), metrics: createMemoryMetrics(), queue: withSqs ? sqsQueue : dropQueue }),
        );
        for (const door of ['adobeIo', 'generic'] as const) {
          const name = `${door}${withSqs ? 'WithSqs' : ''}`;
          await drive(handler, deliveries(door, warmup, keys, `${name}-warm`));
          const run = await drive(handler, deliveries(door, count, keys, name), withSqs ? rawSend : undefined);
          results[name] = run;
          log(`${name}: ${run.eventsPerSecond} events/s, p50 ${run.p50Ms} ms, p99 ${run.p99Ms} ms`);
        }
      }
      const measured = await floors(keys, sendOne, Math.min(200, count));
      // The SQS floor from the raw sends made between the handler calls, under the same load.
      const floor = { ...measured, sqs: quantile(sqsSamples, 0.5) };
      const floorOf: Record<string, number> = {
        adobeIo: floor.rsa,
        generic: floor.hmac,
        adobeIoWithSqs: floor.rsa + floor.sqs,
        genericWithSqs: floor.hmac + floor.sqs,
      };
      const floorIs: Record<string, string> = {
        adobeIo: 'one RSA-2048 verify, parsed key',
        generic: 'one HMAC-SHA256 of the body',
        adobeIoWithSqs: 'RSA verify + one raw SendMessage',
        genericWithSqs: 'HMAC + one raw SendMessage',
      };
      const comparisons: Comparison[] = Object.entries(results).map(([name, r]) => ({
        label: `${name}: handler p50 latency`,
        value: r.p50Ms,
        floor: floorOf[name] ?? 0,
        unit: 'ms',
        floorIs: floorIs[name] ?? '',
      }));
      return {
        figures: {
          webhookEventsPerSecond: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.eventsPerSecond])),
          webhookP99Ms: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.p99Ms])),
          webhookP50Ms: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, r.p50Ms])),
          floorMs: { rsaVerify: round(floor.rsa, 3), hmac: round(floor.hmac, 4), sqsSend: round(floor.sqs, 3) },
        },
        comparisons,
        notes: [
          ...Object.entries(results).map(([name, r]) => `${name.padEnd(15)} ${String(r.eventsPerSecond).padStart(6)} events/s   p99 ${r.p99Ms} ms`),
          `${count} deliveries per door and mode after ${warmup} warm-up ones, one at a time, the real handler (functions/doors/webhook.ts + buildIngestDeps), in-memory log; events/s = deliveries ÷ time inside the handler;`,
          `floors: RSA verify and HMAC measured alone; SQS = p50 of ${sqsSamples.length} raw SendMessage calls made between the handler calls.`,
          'SQS = the real queue adapter on local-aws-sqs over loopback HTTP (an AWS SendMessage from Lambda is typically 5-20 ms).',
        ],
      };
    } finally {
      aws.sqs.destroy();
      aws.dynamo.destroy();
      restore();
      await keyServer.stop();
      await emulators.stop();
    }
  },
};
