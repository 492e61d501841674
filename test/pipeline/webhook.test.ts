/**
 * The REAL webhook root (functions/webhook.ts, built from process.env at import) against the SQS
 * emulator and a local I/O Events key server: what is accepted lands on the work queue, what is
 * refused leaves the queue untouched.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { deduplicationId } from '../../lib/aws/message-ids.js';
import { WorkMessage } from '../../lib/domain/messages.js';
import { createWebhookHandler } from '../../functions/doors/webhook.js';
import { generateSigningKey, httpApiEvent } from '../support/io-events.js';
import { lambdaContext, startPipelineWorld, type PipelineWorld } from '../support/pipeline.js';
import { auditBody, auditDelivery, genericDelivery, sampleEvent, signedIoDelivery } from './deliveries.js';

let world: PipelineWorld;
let handler: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  world = await startPipelineWorld();
  const root = await import('../../functions/webhook.js');
  handler = (event) => root.handler(event, lambdaContext('ims-group-sync-webhook'));
});

afterAll(async () => {
  await world?.stop();
});

beforeEach(async () => {
  // Each test reads only what it enqueued.
  await world.work.take();
});

const enqueued = async (): Promise<WorkMessage[]> => (await world.work.take()).map((m) => WorkMessage.parse(JSON.parse(m.Body ?? '')));

describe('Adobe I/O Events', () => {
  it('answers the registration challenge (GET) with the challenge', async () => {
    const response = await handler(sampleEvent('http-adobe-io-challenge.json'));

    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('8ec8d794-e0ab-42df-9017-e3dada8e84f7');
    expect(await enqueued()).toEqual([]);
  });

  it('enqueues a signed audit delivery as one delta, deduplicated by its work id (event id + content)', async () => {
    const delivery = sampleEvent<APIGatewayProxyEventV2>('http-adobe-io-delivery.json');

    const first = await handler(delivery);
    const retried = await handler(delivery); // Adobe retries a delivery it thinks failed
    const messages = await world.work.take();

    expect(first.statusCode).toBe(200);
    expect(JSON.parse(first.body ?? '')).toEqual({ accepted: 1, ignored: 0, skipped: 0 });
    expect(retried.statusCode).toBe(200);
    expect(messages).toHaveLength(1);
    const message = WorkMessage.parse(JSON.parse(messages[0]?.Body ?? ''));
    expect(message).toMatchObject({ kind: 'delta', id: expect.stringMatching(/^5b0f7e57-8d8c-4f7e-9d2a-2d3c8a0b1c01#/), change: 'membership.added', group: 'AEM-Authors', user: { email: 'rita@acme.com' } });
    expect(messages[0]?.Attributes?.['MessageDeduplicationId']).toBe(deduplicationId(message));
    expect(messages[0]?.Attributes?.['MessageGroupId']).toBe('grant:aem-authors');
  });

  it('enqueues exactly the body of the sample SQS event events/sqs-delta.json', async () => {
    await handler(sampleEvent('http-adobe-io-delivery.json'));
    const [message] = await world.work.take();
    const sample = sampleEvent<SQSEvent>('sqs-delta.json').Records[0];

    expect(JSON.parse(message?.Body ?? '')).toEqual(JSON.parse(sample?.body ?? ''));
    expect(message?.Attributes?.['MessageDeduplicationId']).toBe(sample?.attributes.MessageDeduplicationId);
  });

  it('verifies a body that API Gateway handed over base64-encoded', async () => {
    const event = auditDelivery(
      { id: 'evt-base64-1', code: 'USER_GROUP_REMOVE_USER:USER_GROUP', email: 'li@acme.com', group: 'AEM-DAM-Users' },
      world.signingKeys,
      { base64: true },
    );

    const response = await handler(event);

    expect(event.isBase64Encoded).toBe(true);
    expect(response.statusCode).toBe(200);
    expect(await enqueued()).toMatchObject([{ kind: 'delta', id: expect.stringMatching(/^evt-base64-1#/), change: 'membership.removed' }]);
  });

  it('refuses a forged signature with 401 and enqueues nothing', async () => {
    const body = auditBody({ id: 'evt-forged-1', code: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'paul@acme.com', group: 'AEM-Authors' });
    const forger = { ...generateSigningKey(), keyPath: world.signingKeys[0].keyPath };
    const forgerTwo = { ...generateSigningKey(), keyPath: world.signingKeys[1].keyPath };

    const response = await handler(signedIoDelivery(body, [forger, forgerTwo], { eventId: 'evt-forged-1' }));

    expect(response.statusCode).toBe(401);
    expect(await enqueued()).toEqual([]);
  });

  it('refuses a tampered body (signed for another body) with 401', async () => {
    const signed = auditDelivery({ id: 'evt-tampered-1', code: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'paul@acme.com', group: 'AEM-Authors' }, world.signingKeys);
    const tampered = { ...signed, body: (signed.body ?? '').replace('paul@acme.com', 'evil@acme.com') };

    const response = await handler(tampered);

    expect(response.statusCode).toBe(401);
    expect(await enqueued()).toEqual([]);
  });

  it('refuses a delivery for another integration (recipient client id) with 401', async () => {
    const event = auditDelivery(
      { id: 'evt-recipient-1', code: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'paul@acme.com', group: 'AEM-Authors', recipient: 'some-other-client' },
      world.signingKeys,
    );

    const response = await handler(event);

    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body ?? '').error).toContain('recipientclientid');
    expect(await enqueued()).toEqual([]);
  });

  it('queues the readable events of an authentic batch with 200, and a hint for the group of the one whose user is unreadable', async () => {
    const removal = JSON.parse(auditBody({ id: 'evt-batch-ok-1', code: 'USER_GROUP_REMOVE_USER:USER_GROUP', email: 'li@acme.com', group: 'AEM-DAM-Users' }));
    const unreadable = JSON.parse(auditBody({ id: 'evt-batch-bad-1', code: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'paul@acme.com', group: 'AEM-Authors' }));
    unreadable.data.user = { email_addr: 42 };
    const notAnEvent = 'garbage';

    const response = await handler(signedIoDelivery(JSON.stringify([removal, unreadable, notAnEvent]), world.signingKeys, { eventId: 'evt-batch-ok-1' }));

    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body ?? '')).toEqual({ accepted: 2, ignored: 0, skipped: 1 });
    const messages = await enqueued();
    expect(messages).toHaveLength(2);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'delta', change: 'membership.removed', group: 'AEM-DAM-Users', user: expect.objectContaining({ email: 'li@acme.com' }) }),
        expect.objectContaining({ kind: 'hint', group: 'AEM-Authors', reason: expect.stringContaining('[1].data.user.email_addr') }),
      ]),
    );
  });

  it('refuses an authentic body that is no event at all with 400', async () => {
    const response = await handler(signedIoDelivery('"just a string"', world.signingKeys));

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body ?? '').error).toContain('expected an event object or a JSON array of events');
    expect(await enqueued()).toEqual([]);
  });

  it('refuses a body over webhooks.maxBodyBytes with 413', async () => {
    const huge = JSON.stringify({ padding: 'x'.repeat(1_100_000) });

    const response = await handler(signedIoDelivery(huge, world.signingKeys, { eventId: 'evt-huge-1' }));

    expect(response.statusCode).toBe(413);
    expect(await enqueued()).toEqual([]);
  });
});

describe('generic signed webhook', () => {
  it('enqueues a correctly signed post', async () => {
    const response = await handler(genericDelivery([{ id: 'gen-ok-1', type: 'membership.removed', user: { email: 'omar@acme.com' }, group: 'AEM-DAM-Users' }]));

    expect(response.statusCode).toBe(200);
    expect(await enqueued()).toMatchObject([{ kind: 'delta', id: expect.stringMatching(/^gen-ok-1#/), source: 'generic', change: 'membership.removed' }]);
  });

  it('refuses a post signed with the wrong secret (bad HMAC) with 401', async () => {
    const response = await handler(genericDelivery([{ id: 'gen-bad-1' }], { secret: 'not-the-shared-secret-0123456789abcdef' }));

    expect(response.statusCode).toBe(401);
    expect(await enqueued()).toEqual([]);
  });

  it('refuses a correctly signed but stale post (replay) with 401', async () => {
    const anHourAgo = Math.floor(Date.now() / 1000) - 3600;

    const response = await handler(genericDelivery([{ id: 'gen-stale-1' }], { timestampSeconds: anHourAgo }));

    expect(response.statusCode).toBe(401);
    expect(await enqueued()).toEqual([]);
  });
});

describe('idempotency: the work id is the source, the sender\'s id and the content', () => {
  it('enqueues a change that reuses an id with a different body as new work, and a repeat of the same body once', async () => {
    const first = { id: 'gen-reuse-1', type: 'membership.added', user: { email: 'li@acme.com' }, group: 'AEM-Authors' };
    const reused = { ...first, type: 'membership.removed' };

    expect((await handler(genericDelivery([first]))).statusCode).toBe(200);
    expect((await handler(genericDelivery([first]))).statusCode).toBe(200); // the sender retries
    expect((await handler(genericDelivery([reused]))).statusCode).toBe(200);
    const messages = await world.work.take();

    const bodies = messages.map((m) => WorkMessage.parse(JSON.parse(m.Body ?? '')));
    expect(bodies.map((m) => (m.kind === 'delta' ? m.change : m.kind))).toEqual(['membership.added', 'membership.removed']);
    expect(bodies.every((m) => m.id.startsWith('gen-reuse-1#'))).toBe(true);
    expect(new Set(bodies.map((m) => m.id)).size).toBe(2);
    expect(new Set(messages.map((m) => m.Attributes?.['MessageDeduplicationId'])).size).toBe(2);
  });
});

describe('hostile requests through the real root (the full corpus and fuzzing run at the door: test/unit/hostile)', () => {
  it('answers each with a 4xx that explains itself and leaves the emulated queue empty', async () => {
    const body = auditBody({ id: 'evt-hostile-1', code: 'USER_GROUP_REMOVE_USER:USER_GROUP', email: 'li@acme.com', group: 'AEM-Authors' });
    const signed = signedIoDelivery(body, world.signingKeys);
    const unsigned = { ...signed, headers: Object.fromEntries(Object.entries(signed.headers).filter(([name]) => !name.includes('signature'))) };
    const otherHostKey = { ...signed, headers: { ...signed.headers, 'x-adobe-public-key1-path': 'https://evil.example.com/prod/keys/pub-key-0123456789.pem', 'x-adobe-public-key2-path': '/prod/keys/../../pub-key-0123456789.pem' } };
    const validation = signedIoDelivery(JSON.stringify({ validationUrl: 'https://csm.adobe.io/csm/registrations/validate?id=1&challenge=2' }), world.signingKeys);
    const requests: Array<[string, APIGatewayProxyEventV2, number]> = [
      ['unsigned', unsigned, 401],
      ['key paths off the key host', otherHostKey, 401],
      ['signed, not JSON', signedIoDelivery('{"specversion":', world.signingKeys), 400],
      ['an unsigned validation request', { ...validation, headers: Object.fromEntries(Object.entries(validation.headers).filter(([name]) => !name.includes('signature'))) }, 401],
      ['a stale generic post', genericDelivery([{ id: 'gen-hostile-1' }], { timestampSeconds: Math.floor(Date.now() / 1000) - 3600 }), 401],
      ['a generic post with 101 changes', genericDelivery(Array.from({ length: 101 }, (_, i) => ({ id: `gen-hostile-${i}` }))), 400],
    ];

    for (const [name, request, status] of requests) {
      const response = await handler(request);
      expect(response.statusCode, name).toBe(status);
      expect(String(JSON.parse(response.body ?? '{}').error).length, name).toBeGreaterThan(10);
    }
    expect(await enqueued()).toEqual([]);
  });
});

describe('when the queue cannot take the work', () => {
  it('answers 5xx (Adobe retries) without internals in the body', async () => {
    const missingQueue = `${world.env['AWS_ENDPOINT_URL_SQS']}/000000000000/does-not-exist.fifo`;
    const door = createWebhookHandler(await world.ingestDeps({ env: { QUEUE_URL: missingQueue } }));

    const response = await door(genericDelivery([{ id: 'gen-noqueue-1' }]));

    expect(response.statusCode).toBeGreaterThanOrEqual(500);
    expect(response.body).not.toMatch(/does-not-exist|QueueDoesNotExist|sqs|127\.0\.0\.1|stack/i);
    expect(await enqueued()).toEqual([]);
  });

  it('answers 404 for a path that is no webhook', async () => {
    const response = await handler(httpApiEvent({ method: 'POST', path: '/webhooks/unknown', body: '{}' }));

    expect(response.statusCode).toBe(404);
  });
});
