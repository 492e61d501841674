import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { createDeadLetterAccess, createDeadLetterParking } from '../../../lib/aws/dead-letters.js';
import { toEntry } from '../../../lib/aws/queue.js';
import type { WorkMessage } from '../../../lib/domain/messages.js';
import { delta, drain, useEmulators } from './emulated.js';

// Depth counts: local-aws-sqs counts in-flight messages in ApproximateNumberOfMessages too (AWS
// counts only visible ones), so these tests assert in-flight counts, and visible ones only where
// nothing is in flight, which both agree on.
describe('dead-letter access (local-aws-sqs)', () => {
  // Fresh queues per test (about 0.1 s): depth assertions must not see another test's messages.
  const aws = useEmulators({ per: 'test' });

  /** Park messages the way a redrive would leave them: same body, group and dedup id, on the DLQ. */
  async function park(messages: WorkMessage[], extraBodies: string[] = []) {
    const entries = [
      ...messages.map(toEntry),
      ...extraBodies.map((body, i) => ({ Id: `raw${i}`, MessageBody: body, MessageGroupId: `raw-${i}`, MessageDeduplicationId: `raw-${i}-${Date.now()}` })),
    ];
    const answer = await aws.clients.sqs.send(new SendMessageBatchCommand({ QueueUrl: aws.env.DEAD_LETTER_QUEUE_URL, Entries: entries }));
    expect(answer.Failed ?? []).toEqual([]);
  }

  it('parks a record the worker can never apply, with its reason and its origin', async () => {
    const parkRecord = createDeadLetterParking(aws.clients.sqs, aws.env.DEAD_LETTER_QUEUE_URL);
    await parkRecord({ messageId: 'm-42', body: '{"kind":"nonsense"}', messageGroupId: 'user:ada@acme.example' }, 'the record is not a work message');

    const parked = await drain(aws.clients.sqs, aws.env.DEAD_LETTER_QUEUE_URL);

    expect(parked).toHaveLength(1);
    expect(parked[0]?.Body).toBe('{"kind":"nonsense"}');
    expect(parked[0]?.MessageAttributes?.['reason']?.StringValue).toBe('the record is not a work message');
    expect(parked[0]?.MessageAttributes?.['parkedFrom']?.StringValue).toBe('m-42');
  });

  it('long-polls every receive: a short poll may answer empty while dead letters wait (AWS), and an empty answer ends the listing', async () => {
    const waits: unknown[] = [];
    const sqs = aws.clients.sqs;
    const spying = { send: (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
      if (command.constructor.name === 'ReceiveMessageCommand') waits.push(command.input['WaitTimeSeconds']);
      return sqs.send(command as never);
    } } as unknown as typeof sqs;
    const access = createDeadLetterAccess(spying, { dlqUrl: aws.env.DEAD_LETTER_QUEUE_URL, queueUrl: aws.env.QUEUE_URL });
    await park([delta({ change: 'user.removed', user: { email: 'ada@acme.example' } })]);

    const letters = await access.receive(50);

    expect(letters).toHaveLength(1);
    expect(waits.length).toBeGreaterThanOrEqual(2); // the one that found Ada, and the empty one that ended the listing
    for (const wait of waits) expect(wait).toBeGreaterThanOrEqual(1);
  });

  it('receives, filters, sends back, deletes and releases, and depth follows', async () => {
    const access = createDeadLetterAccess(aws.clients.sqs, { dlqUrl: aws.env.DEAD_LETTER_QUEUE_URL, queueUrl: aws.env.QUEUE_URL });
    // Users who left the org: their messages are grouped by user.
    const ada = delta({ change: 'user.removed', user: { email: 'ada@acme.example' } });
    const bob = delta({ change: 'user.removed', user: { email: 'bob@acme.example' } });
    const cyd = delta({ change: 'user.removed', user: { email: 'cyd@acme.example' } });
    await park([ada, bob, cyd], ['not json at all']);

    const letters = await access.receive(50);
    const depthWhileHeld = await access.depth();
    const chosen = letters.filter((l) => l.message?.kind === 'delta' && l.message.user.email !== 'bob@acme.example');
    const leftInPlace = letters.filter((l) => !chosen.includes(l));
    await access.sendBack(chosen, 'replay-1');
    await access.delete(chosen.map((l) => l.receiptHandle));
    await access.release(leftInPlace.map((l) => l.receiptHandle));
    const depthAfter = await access.depth();
    const onWorkQueue = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(letters).toHaveLength(4);
    expect(letters.find((l) => l.body === 'not json at all')?.message).toBeUndefined();
    const adaLetter = letters.find((l) => l.message?.id === ada.id);
    expect(adaLetter?.messageGroupId).toBe('user:ada@acme.example');
    expect(adaLetter?.deduplicationId).toBe(toEntry(ada, 0).MessageDeduplicationId);
    expect(adaLetter?.correlationId).toBe(ada.correlationId);
    expect(adaLetter?.receiveCount).toBeGreaterThanOrEqual(1);
    expect(depthWhileHeld.deadLetter.inFlight).toBe(4);
    expect(depthAfter.deadLetter).toEqual({ visible: 2, inFlight: 0 });
    expect(onWorkQueue.map((m) => JSON.parse(m.Body ?? '{}').id).sort()).toEqual([ada.id, cyd.id].sort());
    expect(onWorkQueue.map((m) => m.Attributes?.MessageGroupId).sort()).toEqual(['user:ada@acme.example', 'user:cyd@acme.example']);
    expect(onWorkQueue.every((m) => m.MessageAttributes?.['replayOf']?.StringValue !== undefined)).toBe(true);
  });

  it('sends one message back once per replay run, again for a new run', async () => {
    const access = createDeadLetterAccess(aws.clients.sqs, { dlqUrl: aws.env.DEAD_LETTER_QUEUE_URL, queueUrl: aws.env.QUEUE_URL });
    await park([delta()]);
    const letters = await access.receive(10);

    await access.sendBack(letters, 'replay-2');
    await access.sendBack(letters, 'replay-2');
    const afterSameRun = await drain(aws.clients.sqs, aws.env.QUEUE_URL);
    await access.sendBack(letters, 'replay-3');
    const afterNewRun = await drain(aws.clients.sqs, aws.env.QUEUE_URL);

    expect(afterSameRun).toHaveLength(1);
    expect(afterNewRun).toHaveLength(1);
    await access.delete(letters.map((l) => l.receiptHandle));
    expect((await access.depth()).deadLetter).toEqual({ visible: 0, inFlight: 0 });
  });

  it('receives at most the number asked for', async () => {
    const access = createDeadLetterAccess(aws.clients.sqs, { dlqUrl: aws.env.DEAD_LETTER_QUEUE_URL, queueUrl: aws.env.QUEUE_URL });
    await park(Array.from({ length: 10 }, (_, i) => delta({ user: { email: `u${i}@acme.example` } })));
    await park(Array.from({ length: 5 }, (_, i) => delta({ user: { email: `v${i}@acme.example` } })));

    const some = await access.receive(12);
    const depth = await access.depth();

    expect(some).toHaveLength(12);
    expect(depth.deadLetter.inFlight).toBe(12);
  });
});
