/**
 * The local stack end to end: a signed generic webhook, and an Adobe I/O Events delivery signed with
 * the stack's own keys, posted to the HTTP door travel through the real webhook function, SQS
 * (emulated), the poller and the real worker to the AEM simulator; and stop() leaves no port listening.
 */
import { connect } from 'node:net';
import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericSignatureOf } from '../../lib/ingest/generic.js';
import { fromHttpApiEvent } from '../../lib/ingest/request.js';
import { startEmulators } from '../../local/emulators.js';
import { auditDelivery } from '../../local/demo/adobe-io.js';
import { DEMO_CLIENT_ID, DEMO_ORG_ID } from '../../local/fixtures/demo-org.js';
import { toHttpApiEvent } from '../../local/http-door.js';
import { startSqsPoller, succeededRecords } from '../../local/sqs-poller.js';
import { startStack, type Stack } from '../../local/stack.js';

function portState(url: string): Promise<'open' | 'refused'> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNREFUSED' ? resolve('refused') : reject(error)));
  });
}

async function postGeneric(stack: Stack, body: string, secret: string): Promise<Response> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${stack.urls.webhook}/webhooks/generic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-ims-sync-timestamp': timestamp,
      'x-ims-sync-signature': `sha256=${genericSignatureOf(secret, timestamp, Buffer.from(body))}`,
    },
    body,
  });
}

async function until(condition: () => boolean, stack: Stack, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await stack.idle();
  }
}

describe('local stack', () => {
  let stack: Stack;
  let stopped = false;

  beforeAll(async () => {
    stack = await startStack({ quiet: !process.env.STACK_DEBUG });
  });
  afterAll(async () => {
    if (!stopped) await stack.stop();
  });

  it('exposes an env block that names every endpoint, queue, table and secret', () => {
    expect(stack.env).toMatchObject({
      AWS_ENDPOINT_URL_SQS: stack.urls.sqs,
      AWS_ENDPOINT_URL_DYNAMODB: stack.urls.dynamodb,
      IMS_URL: stack.urls.ims,
      AEM_PROD_URL: stack.urls.aemProd,
      AEM_STAGE_URL: stack.urls.aemStage,
      CAMPAIGN_URL: stack.urls.campaign,
      IO_KEY_HOST: stack.urls.ioKeys,
      WEBHOOK_URL: stack.urls.webhook,
    });
    for (const name of ['QUEUE_URL', 'DEAD_LETTER_QUEUE_URL', 'TABLE_NAME', 'SYNC_CONFIG', 'DEMO_WEBHOOK_SECRET', 'DEMO_AEM_PASSWORD', 'DEMO_IMS_CLIENT_SECRET']) {
      expect(stack.env[name], name).toBeTruthy();
    }
  });

  it('refuses a delivery signed with the wrong secret, and counts it', async () => {
    const body = JSON.stringify({ id: 'chg-bad', orgId: DEMO_ORG_ID, occurredAt: new Date().toISOString(), type: 'user.changed', user: { email: 'li@acme.com' } });

    const response = await postGeneric(stack, body, 'not-the-secret-0123456789abcdef0123');

    expect(response.status).toBe(401);
    expect(stack.stats().rejected).toBe(1);
  });

  it('applies a signed generic webhook to AEM through the queue and the worker', async () => {
    const { ims, aemProd, aemStage } = stack.sims;
    // sam@acme.com left the org (absent from UMAPI) but is still in both AEM instances' groups.
    expect(ims.org.users().map((u) => u.email)).not.toContain('sam@acme.com');
    expect(aemProd.control.memberOf('sam@acme.com')).toEqual(['AEM-Authors', 'AEM-DAM-Users']);
    const body = JSON.stringify({ id: 'chg-1', orgId: DEMO_ORG_ID, occurredAt: new Date().toISOString(), type: 'user.removed', user: { email: 'sam@acme.com' } });

    const response = await postGeneric(stack, body, stack.env.DEMO_WEBHOOK_SECRET ?? '');

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ accepted: 1, ignored: 0, skipped: 0 });
    await until(() => aemProd.control.memberOf('sam@acme.com').length === 0 && aemStage.control.memberOf('sam@acme.com').length === 0, stack, 20_000);
    const stats = stack.stats();
    expect(stats.eventsIn).toBe(1);
    expect(stats.applied['acme-prod-author']).toBeGreaterThanOrEqual(2);
    expect(stats.applied['acme-stage-author']).toBeGreaterThanOrEqual(1);
    expect(stats.batches).toBeGreaterThanOrEqual(1);
    expect(stack.logLines().filter((l) => l.level === 'error' || l.message.startsWith('SQS poller')).map((l) => l.message)).toEqual([]);
  });

  it('applies an I/O Events delivery signed with its own keys, and refuses a forged one with 401', async () => {
    const { ims, aemProd } = stack.sims;
    ims.org.addUserToGroup('omar@acme.com', 'AEM-Authors');
    expect(aemProd.control.memberOf('omar@acme.com')).not.toContain('AEM-Authors');
    const genuine = auditDelivery({ eventCode: 'USER_GROUP_ADD_USER', email: 'omar@acme.com', group: 'AEM-Authors' }, { orgId: DEMO_ORG_ID, clientId: DEMO_CLIENT_ID });
    const headers = stack.signAdobeIo(genuine.body, { eventId: genuine.id });
    const before = stack.stats();
    const post = (body: string) => fetch(`${stack.urls.webhook}/webhooks/adobe-io`, { method: 'POST', headers, body });

    const forged = await post(genuine.body.replace('omar@acme.com', 'nina@acme.com'));
    const afterForged = stack.stats();
    const accepted = await post(genuine.body);

    expect(headers).toMatchObject({ 'x-adobe-public-key1-path': expect.stringMatching(/^\/prod\/keys\/pub-key-[\w-]+\.pem$/), 'x-adobe-event-id': genuine.id });
    expect(forged.status).toBe(401);
    expect(afterForged.rejected).toBe(before.rejected + 1);
    expect(afterForged.eventsIn).toBe(before.eventsIn);
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ accepted: 1, ignored: 0, skipped: 0 });
    await until(() => aemProd.control.memberOf('omar@acme.com').includes('AEM-Authors'), stack, 20_000);
    expect(stack.stats().eventsIn).toBe(before.eventsIn + 1);
    expect(stack.logLines().some((l) => l.fn === 'worker' && l.message === 'work applied' && String(l.attributes['workId']).startsWith(`${genuine.id}#`))).toBe(true);
  });

  it('stops everything it started: every port refuses connections afterwards', async () => {
    const urls = Object.values(stack.urls);
    expect(await Promise.all(urls.map(portState))).toEqual(urls.map(() => 'open'));

    await stack.stop();
    stopped = true;

    expect(await Promise.all(urls.map(portState))).toEqual(urls.map(() => 'refused'));
    expect(process.env.QUEUE_URL).not.toBe(stack.env.QUEUE_URL);
  });
});

describe('the HTTP door', () => {
  it('builds an HTTP API v2 event whose base64 body decodes to the exact bytes sent', () => {
    const body = Buffer.from('{"é":"ü"}\n', 'utf8');

    const event = toHttpApiEvent(
      { method: 'post', url: '/webhooks/generic?a=1&a=2', headers: { 'X-Custom': 'v', cookie: 'a=1; b=2', host: '127.0.0.1:8080' }, sourceIp: '127.0.0.1' },
      body,
      1795428000000,
    );

    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /webhooks/generic',
      rawPath: '/webhooks/generic',
      rawQueryString: 'a=1&a=2',
      queryStringParameters: { a: '1,2' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: true,
      requestContext: { http: { method: 'POST', path: '/webhooks/generic', sourceIp: '127.0.0.1' }, time: '23/Nov/2026:10:00:00 +0000' },
    });
    expect(event.headers['x-custom']).toBe('v');
    expect(fromHttpApiEvent(event).rawBody.equals(body)).toBe(true);
  });
});

describe('the SQS poller', () => {
  const record = (messageId: string): SQSRecord => ({ messageId } as SQSRecord);

  it('deletes all but the reported failures, and nothing when a failure names no record of the batch', () => {
    const records = [record('a'), record('b'), record('c')];

    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: 'b' }] }).map((r) => r.messageId)).toEqual(['a', 'c']);
    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: 'zzz' }] })).toEqual([]);
    expect(succeededRecords(records, { batchItemFailures: [] })).toHaveLength(3);
  });

  it('hands over real SQS records, and a reported failure comes back after its visibility timeout', async () => {
    const emulators = await startEmulators();
    const sqs = new SQSClient({
      endpoint: emulators.env.AWS_ENDPOINT_URL_SQS,
      region: emulators.env.AWS_REGION,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const seen: SQSRecord[] = [];
    const poller = startSqsPoller({
      sqs,
      queueUrl: emulators.env.QUEUE_URL,
      visibilityTimeout: 1,
      handler: async (event: SQSEvent) => {
        // "fail" fails the first time it is handed over only.
        const failing = event.Records.filter((r) => r.body === 'fail' && !seen.some((s) => s.body === 'fail'));
        seen.push(...event.Records);
        return { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) };
      },
    });
    try {
      await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: emulators.env.QUEUE_URL,
          Entries: [
            { Id: '0', MessageBody: 'ok', MessageGroupId: 'g1', MessageDeduplicationId: 'd1', MessageAttributes: { kind: { DataType: 'String', StringValue: 'delta' } } },
            { Id: '1', MessageBody: 'fail', MessageGroupId: 'g2', MessageDeduplicationId: 'd2' },
          ],
        }),
      );

      const deadline = Date.now() + 15_000;
      while (seen.filter((r) => r.body === 'fail').length < 2 && Date.now() < deadline) await poller.idle();

      const ok = seen.filter((r) => r.body === 'ok');
      const fail = seen.filter((r) => r.body === 'fail');
      expect(ok).toHaveLength(1);
      expect(fail.length).toBeGreaterThanOrEqual(2);
      expect(ok[0]).toMatchObject({
        eventSource: 'aws:sqs',
        awsRegion: 'us-east-1',
        attributes: { MessageGroupId: 'g1', MessageDeduplicationId: 'd1' },
        messageAttributes: { kind: { dataType: 'String', stringValue: 'delta' } },
      });
      expect(ok[0]?.eventSourceARN).toMatch(/^arn:aws:sqs:us-east-1:\d+:ims-group-sync-local-work\.fifo$/);
      expect(Number(fail.at(-1)?.attributes.ApproximateReceiveCount)).toBeGreaterThan(Number(fail[0]?.attributes.ApproximateReceiveCount));
    } finally {
      await poller.stop();
      sqs.destroy();
      await emulators.stop();
    }
  });
});
