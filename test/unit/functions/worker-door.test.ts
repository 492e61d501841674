import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { DeltaMessage } from '../../../lib/domain/messages.js';
import { createWorkerHandler } from '../../../functions/doors/worker.js';
import { AuthError } from '../../../lib/errors.js';
import { INVOCATION_MARGIN_MS } from '../../../lib/sync/work-budget.js';
import { SUSPECT_PARK_AFTER_RECEIVES } from '../../../lib/sync/work-errors.js';
import { demoRuntime } from '../../support/runtime.js';

const record = (messageId: string, body: unknown, group = `user:${messageId}`): SQSRecord => ({
  messageId,
  receiptHandle: `rh-${messageId}`,
  body: typeof body === 'string' ? body : JSON.stringify(body),
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'x', ApproximateFirstReceiveTimestamp: '0', MessageGroupId: group },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work.fifo',
  awsRegion: 'us-east-1',
});

const removed = (id: string, email: string): DeltaMessage => ({
  kind: 'delta',
  id,
  occurredAt: '2026-11-23T09:59:00.000Z',
  correlationId: id,
  source: 'generic',
  change: 'user.removed',
  user: { email },
});

function worker() {
  const world = demoRuntime();
  const delays: { receiptHandle: string; seconds: number }[] = [];
  const handler = createWorkerHandler({ runtime: world.runtime, delay: async (receiptHandle, seconds) => void delays.push({ receiptHandle, seconds }) });
  return { world, delays, handler };
}

describe('worker door', () => {
  it('applies every record of a batch and reports no failures', async () => {
    const { world, handler } = worker();
    const event: SQSEvent = { Records: [record('m1', removed('e1', 'sam@acme.com')), record('m2', removed('e2', 'li@acme.com'))] };
    expect(await handler(event)).toEqual({ batchItemFailures: [] });
    expect(world.target('acme-prod-author').members('AEM-Authors')).toEqual(['admin', 'jane@acme.com']);
  });

  it('reports a record that is not a work message, and the later records of its group untried (FIFO order)', async () => {
    const { world, handler } = worker();
    const event: SQSEvent = {
      Records: [record('m1', '{"kind":"nonsense"}', 'user:sam@acme.com'), record('m2', removed('e2', 'sam@acme.com'), 'user:sam@acme.com'), record('m3', removed('e3', 'li@acme.com'), 'user:li@acme.com')],
    };
    expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('sam@acme.com');
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('li@acme.com');
    expect(world.log.lines.some((l) => l.level === 'error' && /not a work message/.test(l.message))).toBe(true);
  });

  it('parks a record that can never be applied in the dead-letter queue at once, with its reason, and reports it done', async () => {
    const world = demoRuntime();
    const parked: { messageId: string; reason: string; group: string | undefined }[] = [];
    const handler = createWorkerHandler({
      runtime: world.runtime,
      delay: async () => undefined,
      deadLetter: async (r, reason) => void parked.push({ messageId: r.messageId, reason, group: r.messageGroupId }),
    });
    const result = await handler({ Records: [record('m1', 'not json', 'user:a'), record('m2', removed('e2', 'sam@acme.com'), 'user:sam')] });

    expect(result.batchItemFailures).toEqual([]);
    expect(parked).toEqual([{ messageId: 'm1', reason: 'the record is not a work message', group: 'user:a' }]);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.metrics.total('DeadLetterMoves')).toBe(1);
  });

  it('keeps a record for a retry when parking it fails', async () => {
    const world = demoRuntime();
    const handler = createWorkerHandler({ runtime: world.runtime, delay: async () => undefined, deadLetter: async () => { throw new Error('DLQ down'); } });
    expect(await handler({ Records: [record('m1', 'not json')] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
  });

  describe('at its last receive, work that is only waiting', () => {
    const lastReceive = (messageId: string, receives: string, requeues?: string): SQSRecord => {
      const r = record(messageId, removed(`e-${messageId}`, 'sam@acme.com'));
      return {
        ...r,
        attributes: { ...r.attributes, ApproximateReceiveCount: receives },
        messageAttributes: requeues ? { requeues: { stringValue: requeues, dataType: 'Number', stringListValues: [], binaryListValues: [] } } : {},
      };
    };
    const setUp = () => {
      const world = demoRuntime();
      world.target('acme-campaign').down = true;
      const requeued: { messageId: string; requeues: number }[] = [];
      const parked: string[] = [];
      const handler = createWorkerHandler({
        runtime: world.runtime,
        delay: async () => undefined,
        deadLetter: async (_r, reason) => void parked.push(reason),
        requeue: { send: async (r, requeues) => void requeued.push({ messageId: r.messageId, requeues }), maxReceiveCount: async () => 16 },
        maxRequeues: 2,
      });
      return { handler, requeued, parked };
    };

    it('is sent again as a fresh message instead of going to the dead-letter queue', async () => {
      const { handler, requeued, parked } = setUp();
      expect(await handler({ Records: [lastReceive('m1', '15')] })).toEqual({ batchItemFailures: [] });
      expect(requeued).toEqual([{ messageId: 'm1', requeues: 1 }]);
      expect(parked).toEqual([]);
    });

    it('is left to its receives before the last one', async () => {
      const { handler, requeued } = setUp();
      expect(await handler({ Records: [lastReceive('m1', '3')] })).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
      expect(requeued).toEqual([]);
    });

    it('is parked with its reason once it has been requeued too often', async () => {
      const { handler, requeued, parked } = setUp();
      expect(await handler({ Records: [lastReceive('m1', '16', '2')] })).toEqual({ batchItemFailures: [] });
      expect(requeued).toEqual([]);
      expect(parked).toEqual([expect.stringMatching(/^still failing after 2 requeues: /)]);
    });
  });

  it('backs off a retryable failure exponentially by receive count, at most 15 minutes', async () => {
    const world = demoRuntime();
    world.target('acme-campaign').down = true;
    const delays: number[] = [];
    const handler = createWorkerHandler({ runtime: world.runtime, delay: async (_handle, seconds) => void delays.push(seconds), retryDelaySeconds: 30 });
    for (const receives of ['1', '3', '9']) {
      const r = record(`m${receives}`, removed(`e${receives}`, 'sam@acme.com'));
      await handler({ Records: [{ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: receives } }] });
    }
    expect(delays).toEqual([30, 120, 900]);
  });

  it('delays a throttled record by the wait UMAPI asked for instead of failing it fast', async () => {
    const world = demoRuntime();
    const delays: { receiptHandle: string; seconds: number }[] = [];
    const handler = createWorkerHandler({ runtime: world.runtime, delay: async (receiptHandle, seconds) => void delays.push({ receiptHandle, seconds }), random: () => 0 });
    world.umapi.failure = 'throttled';
    const message: DeltaMessage = { ...removed('e3', 'omar@acme.com'), change: 'membership.added', group: 'AEM-Authors' };
    const result = await handler({ Records: [record('m1', message)] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    expect(delays).toEqual([{ receiptHandle: 'rh-m1', seconds: 30 }]);
    expect(world.metrics.total('ThrottleWaits')).toBe(1);
  });

  it('delays the later records of a throttled record’s message group as long as it, so they never hold the group for the visibility timeout', async () => {
    const world = demoRuntime();
    world.umapi.failure = 'throttled';
    const delays: { receiptHandle: string; seconds: number }[] = [];
    const handler = createWorkerHandler({ runtime: world.runtime, delay: async (receiptHandle, seconds) => void delays.push({ receiptHandle, seconds }), random: () => 0.5 });
    const added: DeltaMessage = { ...removed('e3', 'omar@acme.com'), change: 'membership.added', group: 'AEM-Authors' };
    const revoked = (id: string, email: string): DeltaMessage => ({ ...removed(id, email), change: 'membership.removed', group: 'AEM-Authors' });
    // m1 waits for UMAPI; m2 (applied from its event) and m3 are later in its group; m4 is in another group.
    const result = await handler({
      Records: [
        record('m1', added, 'grant:AEM-Authors'),
        record('m2', revoked('e4', 'jane@acme.com'), 'grant:AEM-Authors'),
        record('m3', { ...added, id: 'e5', user: { email: 'li@acme.com' } }, 'grant:AEM-Authors'),
        record('m4', revoked('e6', 'sam@acme.com'), 'revoke:AEM-Authors'),
      ],
    });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }, { itemIdentifier: 'm3' }]);
    expect(delays).toEqual([
      { receiptHandle: 'rh-m1', seconds: 45 },
      { receiptHandle: 'rh-m2', seconds: 45 },
      { receiptHandle: 'rh-m3', seconds: 45 },
    ]);
    expect(world.metrics.total('ThrottleWaits')).toBe(1);
  });

  it('leaves the later records of a failed group to the visibility timeout when the failed one could not be delayed', async () => {
    const world = demoRuntime();
    world.umapi.failure = 'throttled';
    const tried: string[] = [];
    const handler = createWorkerHandler({
      runtime: world.runtime,
      delay: async (receiptHandle) => {
        tried.push(receiptHandle);
        throw new Error('SQS down');
      },
      random: () => 0,
    });
    const added: DeltaMessage = { ...removed('e3', 'omar@acme.com'), change: 'membership.added', group: 'AEM-Authors' };
    const result = await handler({ Records: [record('m1', added, 'grant:AEM-Authors'), record('m2', removed('e4', 'sam@acme.com'), 'grant:AEM-Authors')] });

    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }]);
    expect(tried).toEqual(['rh-m1']);
    expect(world.log.lines.some((l) => l.level === 'warn' && l.message === 'could not delay the record')).toBe(true);
  });

  it('spreads throttled records: the wait asked for plus up to as much again at random, never doubled per receive', async () => {
    const world = demoRuntime();
    world.umapi.failure = 'throttled';
    const delays: number[] = [];
    const handler = createWorkerHandler({ runtime: world.runtime, delay: async (_rh, seconds) => void delays.push(seconds), random: () => 0.5 });
    const message: DeltaMessage = { ...removed('e3', 'omar@acme.com'), change: 'membership.added', group: 'AEM-Authors' };
    for (const receives of ['1', '3', '9']) {
      const r = record(`m${receives}`, { ...message, id: `e3-${receives}` });
      await handler({ Records: [{ ...r, attributes: { ...r.attributes, ApproximateReceiveCount: receives } }] });
    }
    // 30 s asked: 30 + 15 at every receive.
    expect(delays).toEqual([45, 45, 45]);
  });

  it('fails only the record whose target is down, and logs it with its correlation id', async () => {
    const { world, handler } = worker();
    world.target('acme-campaign').down = true;
    const result = await handler({ Records: [record('m1', removed('e4', 'sam@acme.com'))] });
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm1' }]);
    const warn = world.log.lines.find((l) => l.message === 'work failed, will be retried');
    expect(warn?.attributes.correlationId).toBe('e4');
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
  });

  describe('a target that refuses (401, 404, an unexpected answer)', () => {
    const refusing = (receives: string) => {
      const world = demoRuntime();
      const parked: string[] = [];
      const delays: number[] = [];
      world.target('acme-campaign').readState = async () => {
        throw new AuthError('campaign', 'Campaign refused the login (401): the password may have been rotated');
      };
      const handler = createWorkerHandler({
        runtime: world.runtime,
        delay: async (_rh, seconds) => void delays.push(seconds),
        deadLetter: async (_r, reason) => void parked.push(reason),
        retryDelaySeconds: 30,
      });
      const event: SQSEvent = { Records: [{ ...record('m1', removed('e1', 'sam@acme.com')), attributes: { ...record('m1', {}).attributes, ApproximateReceiveCount: receives } }] };
      return { world, handler, event, parked, delays };
    };

    it('is retried with back-off at first, not parked: a rotated password or a restart passes', async () => {
      const { world, handler, event, parked, delays } = refusing('1');
      expect(await handler(event)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }] });
      expect(parked).toEqual([]);
      expect(delays).toEqual([30]);
      expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
    });

    it('is parked with its reason once it has been refused at its last allowed receive', async () => {
      const { handler, event, parked } = refusing(String(SUSPECT_PARK_AFTER_RECEIVES));
      expect(await handler(event)).toEqual({ batchItemFailures: [] });
      expect(parked).toEqual([expect.stringMatching(/^still refused after 6 attempts: .*password may have been rotated/)]);
    });
  });

  it('gives a hanging target only the invocation’s time: its records fail for it alone, and later records skip it at once', async () => {
    const world = demoRuntime();
    let reads = 0;
    world.target('acme-campaign').readState = () => {
      reads += 1;
      return new Promise(() => undefined); // never answers
    };
    const handler = createWorkerHandler({ runtime: world.runtime, delay: async () => undefined });
    const event: SQSEvent = { Records: [record('m1', removed('e1', 'sam@acme.com')), record('m2', removed('e2', 'li@acme.com'))] };

    const response = await handler(event, { getRemainingTimeInMillis: () => INVOCATION_MARGIN_MS + 300 });
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    expect(reads).toBe(1);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('li@acme.com');
    expect(world.stores.idempotency.claims.get('e1|acme-prod-author')?.status).toBe('DONE');
  });
});
