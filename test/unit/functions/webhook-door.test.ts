import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWebhookHandler } from '../../../functions/doors/webhook.js';
import { createMemoryLog, createMemoryMetrics } from '../../../lib/observability/memory.js';
import type { IngestDeps } from '../../../lib/sync/ingest.js';
import { fakeClock } from '../../support/clock.js';
import { memoryQueue } from '../../support/memory-stores.js';
import { demoConfig } from '../../support/runtime.js';

const SECRET = 'door-test-secret-0123456789abcdef';

function door() {
  const queue = memoryQueue();
  const metrics = createMemoryMetrics();
  const clock = fakeClock();
  const deps: IngestDeps = {
    config: demoConfig(),
    queue,
    keys: { get: async () => { throw new Error('no key fetch expected in these tests'); } },
    genericSecret: async () => SECRET,
    clock,
    log: createMemoryLog(),
    metrics,
  };
  return { handler: createWebhookHandler(deps), queue, metrics, clock };
}

const event = (method: string, rawPath: string, body = '', headers: Record<string, string> = {}, rawQueryString = ''): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    headers,
    body,
    isBase64Encoded: false,
    requestContext: { http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' }, requestId: 'req-1' },
  }) as unknown as APIGatewayProxyEventV2;

const signed = (body: string, nowMs: number, secret = SECRET) => {
  const ts = String(Math.floor(nowMs / 1000));
  const sig = createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex');
  return { 'content-type': 'application/json', 'x-ims-sync-timestamp': ts, 'x-ims-sync-signature': `sha256=${sig}` };
};

const change = JSON.stringify({
  id: 'chg-1',
  orgId: '0000DEAD0000BEEF0000CAFE@AdobeOrg',
  occurredAt: '2026-11-23T09:59:00Z',
  type: 'membership.removed',
  user: { email: 'li@acme.com' },
  group: 'AEM-DAM-Users',
});

describe('webhook door', () => {
  it('answers 404 for an unknown path and 405 for a wrong method, enqueuing nothing', async () => {
    const { handler, queue } = door();
    expect((await handler(event('POST', '/webhooks/other'))).statusCode).toBe(404);
    expect((await handler(event('GET', '/webhooks/generic'))).statusCode).toBe(405);
    expect(queue.sent).toEqual([]);
  });

  it('answers the I/O Events challenge as JSON', async () => {
    const { handler } = door();
    const answer = await handler(event('GET', '/webhooks/adobe-io', '', {}, 'challenge=abc-123'));
    expect(answer).toMatchObject({ statusCode: 200, body: JSON.stringify({ challenge: 'abc-123' }) });
  });

  it('enqueues a signed generic change and answers 200 with the count', async () => {
    const { handler, queue, clock, metrics } = door();
    const answer = await handler(event('POST', '/webhooks/generic', change, signed(change, clock.now())));
    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body ?? '{}')).toEqual({ accepted: 1, ignored: 0, skipped: 0 });
    expect(queue.sent).toEqual([expect.objectContaining({ kind: 'delta', id: expect.stringMatching(/^chg-1#/), change: 'membership.removed', group: 'AEM-DAM-Users' })]);
    expect(metrics.total('EventsAccepted', { source: 'generic' })).toBe(1);
  });

  it('answers 401 to a wrong signature and counts the rejection, enqueuing nothing', async () => {
    const { handler, queue, clock, metrics } = door();
    const answer = await handler(event('POST', '/webhooks/generic', change, signed(change, clock.now(), 'not-the-secret')));
    expect(answer.statusCode).toBe(401);
    expect(queue.sent).toEqual([]);
    expect(metrics.total('EventsRejected', { reason: 'signature' })).toBe(1);
  });

  it('answers 5xx without internals when the queue cannot take the work, so the sender retries', async () => {
    const { handler, queue, clock } = door();
    queue.failNext = 1;
    const answer = await handler(event('POST', '/webhooks/generic', change, signed(change, clock.now())));
    expect(answer.statusCode).toBe(500);
    expect(answer.body).not.toMatch(/queue unavailable/);
  });
});
