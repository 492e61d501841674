import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createSqsWorkQueue } from '../../../lib/aws/queue.js';
import { ValidationError } from '../../../lib/errors.js';
import { WorkMessage } from '../../../lib/domain/messages.js';
import { demoConfig } from '../../support/runtime.js';
import { delta, drain, reconcile, useEmulators } from './emulated.js';

describe('SQS work queue (local-aws-sqs)', () => {
  const aws = useEmulators();

  it('reads its redrive maxReceiveCount once, from the queue serverless.yml defines', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    expect(await queue.maxReceiveCount()).toBe(16);
  });

  it('requeues a received record as a fresh message of the same group, counting the rounds', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const body = JSON.stringify(delta({ user: { email: 'requeued@acme.example' } }));

    await queue.requeue({ messageId: 'm-original', body, messageGroupId: 'user:requeued@acme.example' }, 2);
    const [received, ...rest] = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(rest).toEqual([]);
    expect(received?.Body).toBe(body);
    expect(received?.Attributes?.MessageGroupId).toBe('user:requeued@acme.example');
    expect(received?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(received?.MessageAttributes?.['requeues']?.StringValue).toBe('2');
    expect(received?.MessageAttributes?.['requeuedFrom']?.StringValue).toBe('m-original');
  });

  it('delivers a message whole, grouped by the IMS group it changes, with kind and correlation id attributes', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const message = delta({ user: { email: 'Ada@Acme.example' }, group: 'AEM-Authors' });

    await queue.send([message]);
    const [received, ...rest] = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(rest).toEqual([]);
    expect(WorkMessage.parse(JSON.parse(received?.Body ?? ''))).toEqual(message);
    expect(received?.Attributes?.MessageGroupId).toBe('grant:aem-authors');
    expect(received?.MessageAttributes?.['kind']?.StringValue).toBe('delta');
    expect(received?.MessageAttributes?.['correlationId']?.StringValue).toBe(message.correlationId);
  });

  it('sends revocations to the revocation queue and everything else to the work queue, removals first', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL, revocation: aws.env.REVOCATION_QUEUE_URL });
    const removal = delta({ change: 'membership.removed', user: { email: 'ada@acme.example' }, group: 'AEM-Authors' });
    const left = delta({ change: 'user.removed', user: { email: 'bob@acme.example' } });
    const addition = delta({ change: 'membership.added', user: { email: 'cyd@acme.example' }, group: 'AEM-Authors' });
    const slice = reconcile({ id: 'run-lanes', targetId: 'author' });

    await queue.send([addition, removal, slice, left]);
    const revocations = await drain(aws.clients.sqs, aws.env.REVOCATION_QUEUE_URL);
    const work = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(revocations.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([removal.id, left.id].sort());
    expect(work.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([addition.id, slice.id].sort());
  });

  it('sends a removal from a Campaign product profile to the work queue: it is read from UMAPI first, so it must not hold up the revocations', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL, revocation: aws.env.REVOCATION_QUEUE_URL }, demoConfig().targets);
    const profile = delta({ change: 'membership.removed', user: { email: 'jane@acme.example' }, group: 'Campaign - acme-prod - delivery' });
    const group = delta({ change: 'membership.removed', user: { email: 'jane@acme.example' }, group: 'AEM-Authors' });

    await queue.send([profile, group]);

    expect((await drain(aws.clients.sqs, aws.env.REVOCATION_QUEUE_URL)).map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([group.id]);
    expect((await drain(aws.clients.sqs, aws.env.QUEUE_URL)).map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([profile.id]);
  });

  it('without a revocation queue, sends everything to the work queue', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL, revocation: '' });
    const removal = delta({ change: 'membership.removed', group: 'AEM-Authors' });

    await queue.send([removal]);

    expect((await drain(aws.clients.sqs, aws.env.QUEUE_URL)).map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual([removal.id]);
    expect(await drain(aws.clients.sqs, aws.env.REVOCATION_QUEUE_URL)).toEqual([]);
  });

  it('postpones and requeues a received record on the queue it came from (its eventSourceARN)', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL, revocation: aws.env.REVOCATION_QUEUE_URL });
    const arnOf = (url: string) => `arn:aws:sqs:${aws.env.AWS_REGION}:000000000000:${url.split('/').pop() ?? ''}`;
    await queue.send([delta({ change: 'membership.removed', group: 'AEM-Authors' })]);
    const first = await aws.clients.sqs.send(new ReceiveMessageCommand({ QueueUrl: aws.env.REVOCATION_QUEUE_URL, MaxNumberOfMessages: 1, VisibilityTimeout: 60 }));
    const handle = first.Messages?.[0]?.ReceiptHandle ?? '';

    // Visible again at once, on the revocation queue: a handle of the work queue would be refused there.
    await queue.changeVisibility(handle, 0, arnOf(aws.env.REVOCATION_QUEUE_URL));
    await queue.requeue({ messageId: 'm-1', body: first.Messages?.[0]?.Body ?? '', messageGroupId: 'revoke:aem-authors', eventSourceARN: arnOf(aws.env.REVOCATION_QUEUE_URL) }, 1);
    const again = await drain(aws.clients.sqs, aws.env.REVOCATION_QUEUE_URL);

    expect(again).toHaveLength(2);
    expect(again.find((m) => m.MessageAttributes?.['requeuedFrom']?.StringValue === 'm-1')).toBeDefined();
    expect(await drain(aws.clients.sqs, aws.env.QUEUE_URL)).toEqual([]);
  });

  it('drops a repeat of the same event (a webhook retry with a new correlation id)', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const first = delta();
    const retry = { ...first, correlationId: 'corr-of-the-retry' };

    await queue.send([first]);
    await queue.send([retry]);
    const received = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(received.map((m) => m.MessageAttributes?.['correlationId']?.StringValue)).toEqual([first.correlationId]);
  });

  it('keeps reconcile slices of one run apart when they differ by target or group', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const slices = [
      reconcile({ targetId: 'author' }),
      reconcile({ targetId: 'publish' }),
      reconcile({ targetId: 'author', slice: { changes: [{ group: 'editors', add: ['x'], remove: [] }], wiring: [], disable: [], enable: [] } }),
      reconcile({ targetId: 'author' }),
    ];

    await queue.send(slices);
    const received = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(received).toHaveLength(3);
  });

  it('sends more than 10 messages in several batches, all of them', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const messages = Array.from({ length: 23 }, (_, i) => delta({ change: 'user.removed', user: { email: `user${i}@acme.example` } }));

    await queue.send(messages);
    const received = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(received.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(messages.map((m) => `user:${m.user.email}`).sort());
  });

  it('replaces a group id SQS would refuse (spaces, accents) with a stable hash', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const hint: WorkMessage = { kind: 'hint', id: 'h-1', occurredAt: '2026-11-23T12:00:00Z', correlationId: 'c', source: 'generic', group: 'Rédacteurs web', reason: 'group renamed' };

    await queue.send([hint, { ...hint, id: 'h-2' }]);
    const received = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    const groups = received.map((m) => m.Attributes?.MessageGroupId);
    expect(groups).toHaveLength(2);
    expect(groups[0]).toMatch(/^h:[0-9a-f]{64}$/);
    expect(groups[1]).toBe(groups[0]);
  });

  it('refuses a message over 256 KB before sending anything', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    const huge = reconcile({ slice: { changes: [{ group: 'g', add: Array.from({ length: 20_000 }, (_, i) => `user${i}@acme.example`), remove: [] }], wiring: [], disable: [], enable: [] } });

    await expect(queue.send([delta(), huge])).rejects.toBeInstanceOf(ValidationError);
    expect(await drain(aws.clients.sqs, aws.env.QUEUE_URL)).toEqual([]);
  });

  it('postpones a received message with changeVisibility, then lets it come back', async () => {
    const queue = createSqsWorkQueue(aws.clients.sqs, { work: aws.env.QUEUE_URL });
    await queue.send([delta()]);
    const [received] = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    await queue.changeVisibility(received?.ReceiptHandle ?? '', 3600);
    const whileHidden = await drain(aws.clients.sqs, aws.env.QUEUE_URL);
    await queue.changeVisibility(received?.ReceiptHandle ?? '', 0);
    const afterwards = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(whileHidden).toEqual([]);
    expect(afterwards.map((m) => m.MessageId)).toEqual([received?.MessageId]);
  });
});
