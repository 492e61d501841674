/**
 * The local event source mapping's concurrency and FIFO group lock, against a scripted fake SQS:
 * each receive hands out what the script says, as local-aws-sqs may (later messages of a group
 * while an earlier one is in flight). Overlap is observed with deferred promises, never with time.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextBatch, startSqsPoller, toSqsRecord, type BatchReport, type SqsPoller, type SqsPollerOptions } from '../../../local/sqs-poller.js';

const QUEUE_URL = 'http://127.0.0.1:9324/000000000000/work.fifo';

interface Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: Error): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A message as SQS returns it with `AttributeNames: ['All']`: the id doubles as the body. */
function message(id: string, group?: string): Message {
  return {
    MessageId: id,
    ReceiptHandle: `rh-${id}`,
    Body: id,
    Attributes: { ApproximateReceiveCount: '1', ...(group !== undefined ? { MessageGroupId: group } : {}) },
  };
}

/**
 * Answers the i-th receive with `script[i]`, then with nothing; records deletes and abort signals.
 * Like a careless HTTP handler, it adds an abort listener to each request's signal and never removes it.
 */
function fakeSqs(script: readonly Message[][]) {
  let receives = 0;
  /** Answers of the receives after the script, pushed by the test while the poller runs. */
  const later: Message[][] = [];
  const deleted: string[] = [];
  /** Each ChangeMessageVisibilityBatch: the ids renewed and the timeout asked. */
  const renewed: { ids: string[]; seconds: number | undefined }[] = [];
  const signals: AbortSignal[] = [];
  const receiveWaiters: { count: number; resolve: () => void }[] = [];
  const client = {
    async send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
      if (command instanceof ReceiveMessageCommand) {
        const answer = script[receives] ?? later.shift() ?? [];
        receives += 1;
        if (options?.abortSignal) {
          signals.push(options.abortSignal);
          options.abortSignal.addEventListener('abort', () => undefined);
        }
        for (const waiter of receiveWaiters.filter((w) => receives >= w.count)) waiter.resolve();
        return { Messages: answer };
      }
      if (command instanceof DeleteMessageBatchCommand) {
        deleted.push(...(command.input.Entries ?? []).map((e) => (e.ReceiptHandle ?? '').replace(/^rh-/, '')));
        return { Successful: command.input.Entries?.map((e) => ({ Id: e.Id })) ?? [], Failed: [] };
      }
      if (command instanceof ChangeMessageVisibilityBatchCommand) {
        const entries = command.input.Entries ?? [];
        renewed.push({ ids: entries.map((e) => (e.ReceiptHandle ?? '').replace(/^rh-/, '')), seconds: entries[0]?.VisibilityTimeout });
        return { Successful: entries.map((e) => ({ Id: e.Id })), Failed: [] };
      }
      throw new Error(`fake SQS: unexpected ${String(command)}`);
    },
  };
  return {
    // The poller uses three commands of the client; this fake answers exactly those.
    client: client as unknown as SQSClient,
    deleted,
    renewed,
    signals,
    receives: () => receives,
    /** The next receive after the script (and after earlier pushes) answers these. */
    push: (messages: Message[]) => void later.push(messages),
    /** Resolves once `count` receives have been answered. */
    receivesReach(count: number): Promise<void> {
      if (receives >= count) return Promise.resolve();
      const waiter = deferred();
      receiveWaiters.push({ count, resolve: () => waiter.resolve() });
      return waiter.promise;
    },
  };
}

/** A handler whose batches stay open until the test releases them, each by its first record's id. */
function gatedHandler() {
  const gates = new Map<string, Deferred<SQSBatchResponse>>();
  const started = new Map<string, Deferred>();
  const log: string[] = [];
  const open = new Set<string>();
  const overlaps: string[] = [];
  const gate = (id: string) => gates.get(id) ?? gates.set(id, deferred<SQSBatchResponse>()).get(id)!;
  const start = (id: string) => started.get(id) ?? started.set(id, deferred()).get(id)!;
  const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const ids = event.Records.map((r) => r.messageId);
    const groups = event.Records.map((r) => r.attributes.MessageGroupId ?? r.messageId);
    for (const group of groups) if (open.has(group)) overlaps.push(group);
    for (const group of groups) open.add(group);
    log.push(`start ${ids.join(',')}`);
    const first = ids[0] ?? '';
    start(first).resolve();
    try {
      return await gate(first).promise;
    } finally {
      for (const group of groups) open.delete(group);
      log.push(`end ${ids.join(',')}`);
    }
  };
  return {
    handler,
    log,
    overlaps,
    /** Resolves when the batch whose first record is `id` has started. */
    started: (id: string) => start(id).promise,
    release: (id: string, response: SQSBatchResponse = { batchItemFailures: [] }) => gate(id).resolve(response),
    fail: (id: string, failed: readonly string[]) => gate(id).resolve({ batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) }),
    throwIn: (id: string) => gate(id).reject(new Error(`handler threw in batch ${id}`)),
  };
}

/** A few turns of the event loop (no clock): enough for a poller that would misbehave to do so. */
async function turns(count = 20): Promise<void> {
  for (let i = 0; i < count; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

let running: SqsPoller | undefined;
function poll(options: Omit<SqsPollerOptions, 'queueUrl'>): SqsPoller {
  running = startSqsPoller({ queueUrl: QUEUE_URL, ...options });
  return running;
}
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('the local SQS poller, with concurrency', () => {
  it('runs up to `concurrency` batches at once, one per message group', async () => {
    const sqs = fakeSqs([[message('a1', 'ga')], [message('b1', 'gb')], [message('c1', 'gc')], [message('d1', 'gd')]]);
    const worker = gatedHandler();
    poll({ sqs: sqs.client, handler: worker.handler, concurrency: 3 });

    await Promise.all([worker.started('a1'), worker.started('b1'), worker.started('c1')]);
    await turns();

    // Three batches open at once, and no fourth receive while every slot is busy.
    expect(worker.log).toEqual(['start a1', 'start b1', 'start c1']);
    expect(sqs.receives()).toBe(3);
    worker.release('b1');
    await worker.started('d1');
    expect(worker.log).toEqual(['start a1', 'start b1', 'start c1', 'end b1', 'start d1']);
    for (const id of ['a1', 'c1', 'd1']) worker.release(id);
  });

  it('never runs two messages of one group at once, even when SQS hands out the later one while the earlier is in flight', async () => {
    // local-aws-sqs may do this (contracts/aws.md §4); AWS never does.
    const sqs = fakeSqs([[message('u1', 'user:li')], [message('u2', 'user:li')], [message('r1', 'run:aem:x')]]);
    const worker = gatedHandler();
    const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 3 });

    await worker.started('u1');
    await worker.started('r1'); // received after u2: u2 is held, not handed to a batch
    await turns();
    expect(worker.log).toEqual(['start u1', 'start r1']);

    worker.release('r1');
    worker.release('u1');
    await worker.started('u2');
    worker.release('u2');
    await poller.idle();

    expect(worker.overlaps).toEqual([]);
    expect(worker.log.filter((l) => l.includes('u'))).toEqual(['start u1', 'end u1', 'start u2', 'end u2']);
    expect([...sqs.deleted].sort()).toEqual(['r1', 'u1', 'u2']);
  });

  it('hands over the held records of a group in the order received, in one batch after the running one', async () => {
    const sqs = fakeSqs([[message('g1', 'g')], [message('g2', 'g'), message('h1', 'h'), message('g3', 'g')]]);
    const worker = gatedHandler();
    const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2 });

    await worker.started('g1');
    await worker.started('h1');
    worker.release('h1');
    worker.release('g1');
    await worker.started('g2');
    worker.release('g2');
    await poller.idle();

    expect(worker.log).toEqual(['start g1', 'start h1', 'end h1', 'end g1', 'start g2,g3', 'end g2,g3']);
  });

  it.each([
    ['reports the earlier record failed', (worker: ReturnType<typeof gatedHandler>) => worker.fail('u1', ['u1']), true],
    ['throws', (worker: ReturnType<typeof gatedHandler>) => worker.throwIn('u1'), true],
    ['throws (no onBatch listener)', (worker: ReturnType<typeof gatedHandler>) => worker.throwIn('u1'), false],
  ])('does not run or delete the held records of a group when its running batch %s', async (_, failFirst, listen) => {
    const sqs = fakeSqs([[message('u1', 'user:li')], [message('u2', 'user:li'), message('u3', 'user:li')], [message('o1', 'user:bo')]]);
    const worker = gatedHandler();
    const reports: number[] = [];
    const onBatch = listen ? { onBatch: (r: BatchReport) => reports.push(r.leftHeld) } : {};
    const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2, ...onBatch });

    await worker.started('u1');
    await worker.started('o1'); // u2 and u3 were received before o1: held behind u1
    worker.release('o1');
    failFirst(worker);
    await poller.idle();

    expect(worker.log).toEqual(['start u1', 'start o1', 'end o1', 'end u1']);
    expect(sqs.deleted).toEqual(['o1']);
    expect(reports.sort()).toEqual(listen ? [0, 2] : []);
  });

  it('is not idle while a batch runs or a received record is held', async () => {
    const sqs = fakeSqs([[message('a1', 'g')], [message('a2', 'g')]]);
    const worker = gatedHandler();
    const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2 });
    await worker.started('a1');
    await sqs.receivesReach(3); // a2 is held, and the queue has been found empty since

    let idle = false;
    const idled = poller.idle().then(() => {
      idle = true;
      worker.log.push('idle');
    });
    await sqs.receivesReach(sqs.receives() + 2); // empty receives that began after idle()
    expect(idle).toBe(false);

    worker.release('a1');
    await worker.started('a2');
    await sqs.receivesReach(sqs.receives() + 2);
    expect(idle).toBe(false);
    worker.release('a2');
    await idled;

    expect(worker.log).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'idle']);
  });

  it('stop() waits for every running batch', async () => {
    const sqs = fakeSqs([[message('a1', 'ga')], [message('b1', 'gb')]]);
    const worker = gatedHandler();
    const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2 });
    await Promise.all([worker.started('a1'), worker.started('b1')]);

    let stopped = false;
    const stopping = poller.stop().then(() => {
      stopped = true;
      worker.log.push('stopped');
    });
    worker.release('a1');
    await turns();
    expect(stopped).toBe(false);
    worker.release('b1');
    await stopping;

    expect(worker.log).toEqual(['start a1', 'start b1', 'end a1', 'end b1', 'stopped']);
    expect([...sqs.deleted].sort()).toEqual(['a1', 'b1']);
  });

  it('stops receiving while enough is held, and loses nothing held', async () => {
    // Ten records of one group a receive, as an emulator without a group lock may hand out.
    const receiveOf = (n: number): Message[] => Array.from({ length: 10 }, (_, i) => message(`m${n * 10 + i}`, 'g'));
    const sqs = fakeSqs(Array.from({ length: 6 }, (_, n) => receiveOf(n)));
    const worker = gatedHandler();
    const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2 });

    await worker.started('m0');
    await turns(50);
    // One batch running, 10 × concurrency held: no more receives until a batch ends.
    expect(sqs.receives()).toBe(3);

    for (let n = 0; n < 6; n += 1) {
      await worker.started(`m${n * 10}`);
      worker.release(`m${n * 10}`);
    }
    await poller.idle();
    const handed = worker.log.filter((l) => l.startsWith('start')).flatMap((l) => l.slice('start '.length).split(','));
    expect(handed).toEqual(Array.from({ length: 60 }, (_, i) => `m${i}`));
    expect(sqs.deleted).toEqual(handed);
  });

  it('runs records without a message group (standard queue) as groups of their own', async () => {
    const sqs = fakeSqs([[message('s1')], [message('s2')]]);
    const worker = gatedHandler();
    poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2 });

    await Promise.all([worker.started('s1'), worker.started('s2')]);

    expect(worker.log).toEqual(['start s1', 'start s2']);
    worker.release('s1');
    worker.release('s2');
  });

  it('leaves no abort listener behind a receive, whatever the HTTP handler adds to its signal', async () => {
    const sqs = fakeSqs([]);
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const poller = poll({ sqs: sqs.client, handler: async () => ({ batchItemFailures: [] }) });
      for (let i = 0; i < 15; i += 1) await poller.idle();
      await poller.stop();
      await turns();
    } finally {
      process.off('warning', onWarning);
    }

    expect(sqs.receives()).toBeGreaterThanOrEqual(15);
    expect(warnings).not.toContain('MaxListenersExceededWarning');
    // Each request had a signal of its own, dropped with it (what the warning above is about).
    expect(new Set(sqs.signals).size).toBe(sqs.signals.length);
  });
});

describe('the local SQS poller, as Lambda’s context', () => {
  it('tells the handler its remaining time when given a timeout, counted from the batch’s start, and nothing otherwise', async () => {
    const seen: (number | undefined)[] = [];
    const handled = [deferred(), deferred()];
    const handler = async (_event: SQSEvent, context?: { getRemainingTimeInMillis(): number }): Promise<SQSBatchResponse> => {
      seen.push(context?.getRemainingTimeInMillis());
      handled[seen.length - 1]?.resolve();
      return { batchItemFailures: [] };
    };
    poll({ sqs: fakeSqs([[message('a1', 'ga')]]).client, handler, invocationTimeoutSeconds: 60 });
    await handled[0]?.promise;
    await running?.stop();
    poll({ sqs: fakeSqs([[message('b1', 'gb')]]).client, handler });
    await handled[1]?.promise;

    expect(seen[0]).toBeGreaterThan(55_000);
    expect(seen[0]).toBeLessThanOrEqual(60_000);
    expect(seen[1]).toBeUndefined();
  });
});

describe('the local SQS poller, forming batches as SQS does', () => {
  const record = (id: string, group: string) => toSqsRecord(message(id, group), 'arn:aws:sqs:us-east-1:000000000000:work.fifo', 'us-east-1')!;
  const ids = (records: readonly { messageId: string }[]) => records.map((r) => r.messageId);

  it('takes as many records of one message group as it can, in order, then fills up with other groups', () => {
    const held = [record('a1', 'a'), record('b1', 'b'), record('a2', 'a'), record('c1', 'c'), record('b2', 'b'), record('a3', 'a')];

    expect(ids(nextBatch(held, new Set(), 4).batch)).toEqual(['a1', 'a2', 'a3', 'b1']);
    expect(ids(nextBatch(held, new Set(), 4).rest)).toEqual(['b2', 'c1'].sort((x, y) => ids(held).indexOf(x) - ids(held).indexOf(y)));
    expect(ids(nextBatch(held, new Set(), 2).batch)).toEqual(['a1', 'a2']);
    // A group a running batch holds is left for later.
    expect(ids(nextBatch(held, new Set(['group:a']), 10).batch)).toEqual(['b1', 'b2', 'c1']);
  });

  it('holds records ahead while every slot is busy, so a backlog of one group is handed over in one batch', async () => {
    // A backlog interleaved over two groups, as a burst about two IMS groups arrives.
    const receiveOf = (n: number): Message[] => Array.from({ length: 10 }, (_, i) => message(`m${n * 10 + i}`, i % 2 === 0 ? 'even' : 'odd'));
    const sqs = fakeSqs(Array.from({ length: 4 }, (_, n) => receiveOf(n)));
    const first = deferred();
    const batches: string[][] = [];
    const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
      batches.push(event.Records.map((r) => r.messageId));
      if (batches.length === 1) await first.promise;
      return { batchItemFailures: [] };
    };
    const poller = poll({ sqs: sqs.client, handler, concurrency: 1, batchSize: 10, visibilityTimeout: 30, holdBatches: 4 });

    await sqs.receivesReach(4); // the only slot is busy, yet the poller goes on receiving: 30 more records are held
    first.resolve();
    await poller.idle();

    const evens = (from: number) => Array.from({ length: 10 }, (_, i) => `m${from + 2 * i}`);
    expect(batches[0]).toEqual(['m0', 'm2', 'm4', 'm6', 'm8', 'm1', 'm3', 'm5', 'm7', 'm9']); // what had come: one group first
    expect(batches[1]).toEqual(evens(10)); // then one group's backlog, in order
    expect(batches[2]).toEqual(evens(11));
    expect(batches.flat().sort()).toEqual(Array.from({ length: 40 }, (_, i) => `m${i}`).sort());
    expect([...sqs.deleted].sort()).toEqual(batches.flat().sort());
  });

  it('does not hold ahead without a visibility timeout it can renew', async () => {
    const receiveOf = (n: number): Message[] => Array.from({ length: 10 }, (_, i) => message(`m${n * 10 + i}`, `g${i}`));
    const sqs = fakeSqs(Array.from({ length: 6 }, (_, n) => receiveOf(n)));
    const worker = gatedHandler();
    poll({ sqs: sqs.client, handler: worker.handler, concurrency: 1, holdBatches: 4 });

    await worker.started('m0');
    await turns(50);
    expect(sqs.receives()).toBe(1); // one batch running, none held: no receive until it ends
    worker.release('m0');
  });

  it('renews the visibility of records held or running for half of it, so holding never makes them come back early', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const sqs = fakeSqs([[message('a1', 'a')], [message('a2', 'a'), message('a3', 'a')]]);
      const worker = gatedHandler();
      const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 1, visibilityTimeout: 20, holdBatches: 2 });

      await worker.started('a1');
      await sqs.receivesReach(2); // a2 and a3 are held behind a1
      await vi.advanceTimersByTimeAsync(9_000);
      expect(sqs.renewed).toEqual([]);
      await vi.advanceTimersByTimeAsync(6_000); // past half of 20 s
      // a1 runs that long (renewed as in AWS, where the visibility timeout outlasts the function's).
      expect(sqs.renewed).toEqual([{ ids: ['a1', 'a2', 'a3'], seconds: 20 }]);

      worker.release('a1');
      await worker.started('a2');
      worker.release('a2');
      const idle = poller.idle();
      await vi.advanceTimersByTimeAsync(1_000);
      await idle;
      expect(sqs.deleted).toEqual(['a1', 'a2', 'a3']);
    } finally {
      vi.useRealTimers();
    }
  });

  describe('behind a failed record', () => {
    /** Fails each id in `failOnce` the first time it runs; the first batch waits for `first`. */
    function failingOnce(failOnce: Iterable<string>) {
      const left = new Set(failOnce);
      const first = deferred();
      const batches: string[][] = [];
      const ran = new Map<number, Deferred>();
      const batchRan = (n: number) => ran.get(n) ?? ran.set(n, deferred()).get(n)!;
      const handler = async (event: SQSEvent): Promise<SQSBatchResponse> => {
        const ids = event.Records.map((r) => r.messageId);
        batches.push(ids);
        if (batches.length === 1) await first.promise;
        const failed = ids.filter((id) => left.delete(id));
        batchRan(batches.length).resolve();
        return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
      };
      return { handler, batches, first, ran: (n: number) => batchRan(n).promise };
    }

    it('holds the later records of its group until it comes back, then hands them over behind it', async () => {
      const sqs = fakeSqs([[message('g1', 'g'), message('g2', 'g')], [message('g3', 'g'), message('h1', 'h')]]);
      // As the worker reports them: g1 failed, and g2 after it in its group.
      const worker = failingOnce(['g1', 'g2']);
      const reports: number[] = [];
      const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 1, visibilityTimeout: 30, holdBatches: 2, onBatch: (r) => reports.push(r.leftHeld) });

      await sqs.receivesReach(2); // g3 is held behind g1,g2; h1 waits for the slot
      worker.first.resolve();
      await worker.ran(2);
      expect(worker.batches).toEqual([['g1', 'g2'], ['h1']]);
      await sqs.receivesReach(sqs.receives() + 3);
      expect(worker.batches).toHaveLength(2); // g3 waits: g1 is not back
      expect(sqs.deleted).toEqual(['h1']);

      sqs.push([message('g1', 'g')]);
      await sqs.receivesReach(sqs.receives() + 3);
      expect(worker.batches).toHaveLength(2); // g2 is not back either
      sqs.push([message('g2', 'g')]);
      await worker.ran(3);
      await poller.idle();

      expect(worker.batches[2]).toEqual(['g1', 'g2', 'g3']);
      expect([...sqs.deleted].sort()).toEqual(['g1', 'g2', 'g3', 'h1']);
      expect(reports).toEqual([1, 0, 0]);
    });

    it('is not idle while a failed record that came back waits for the rest of its batch', async () => {
      const sqs = fakeSqs([[message('g1', 'g'), message('g2', 'g')]]);
      const worker = failingOnce(['g1', 'g2']);
      const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 1, visibilityTimeout: 30 });
      worker.first.resolve();
      await worker.ran(1);

      sqs.push([message('g1', 'g')]);
      let idle = false;
      const idled = poller.idle().then(() => void (idle = true));
      await sqs.receivesReach(sqs.receives() + 3);
      expect(idle).toBe(false); // g1 is back and kept, waiting for g2

      sqs.push([message('g2', 'g')]);
      await idled;
      expect(worker.batches).toEqual([['g1', 'g2'], ['g1', 'g2']]);
      expect([...sqs.deleted].sort()).toEqual(['g1', 'g2']);
    });

    it('stops waiting for a failed record that has not come back after twice the visibility timeout', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
      try {
        const sqs = fakeSqs([[message('g1', 'g')], [message('g2', 'g')]]);
        const worker = failingOnce(['g1']);
        const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 1, visibilityTimeout: 20, holdBatches: 2 });

        await sqs.receivesReach(2);
        worker.first.resolve();
        await worker.ran(1);
        await vi.advanceTimersByTimeAsync(39_000);
        expect(worker.batches).toEqual([['g1']]); // g1 was parked, say: it never comes back
        await vi.advanceTimersByTimeAsync(2_000);
        await worker.ran(2);
        const idle = poller.idle();
        await vi.advanceTimersByTimeAsync(1_000);
        await idle;

        expect(worker.batches).toEqual([['g1'], ['g2']]);
        expect(sqs.deleted).toEqual(['g2']);
      } finally {
        vi.useRealTimers();
      }
    });

    it('without a visibility timeout to renew, leaves them to come back on their own', async () => {
      const sqs = fakeSqs([[message('g1', 'g')], [message('g2', 'g')]]);
      const worker = failingOnce(['g1']);
      const reports: number[] = [];
      const poller = poll({ sqs: sqs.client, handler: worker.handler, concurrency: 2, onBatch: (r) => reports.push(r.leftHeld) });

      await sqs.receivesReach(2);
      worker.first.resolve();
      await poller.idle();

      expect(worker.batches).toEqual([['g1']]);
      expect(sqs.deleted).toEqual([]);
      expect(reports).toEqual([1]);
    });
  });
});
