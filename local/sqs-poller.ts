/**
 * A Lambda-like SQS event source mapping for the local stack: receive a batch, hand the worker a
 * real `SQSEvent`, delete what succeeded, and leave the rest to come back after its visibility
 * timeout. Moving a message to the dead-letter queue after `maxReceiveCount` receives is the
 * emulator's redrive, as it is SQS's in AWS (contracts/aws.md §2, §4).
 *
 * What it keeps of the AWS behaviour (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html):
 * - `batchItemFailures` (ReportBatchItemFailures): only the named records stay; an identifier that is
 *   empty or not in the batch makes the whole batch count as failed, as Lambda does;
 * - a handler that throws fails the whole batch (nothing is deleted);
 * - up to `concurrency` batches at once (the mapping's `maximumConcurrency`), never two holding
 *   messages of one FIFO message group, and a group's messages handed over in the order received.
 *
 * The group lock is the poller's own: local-aws-sqs hands out later messages of a group while an
 * earlier one is in flight (contracts/aws.md §4), where AWS never does. Such a message is held here
 * until the batch holding its group ends, then run in order. If that batch failed a record of the
 * group (or threw), the held ones are not run: with a visibility timeout to renew, they stay held
 * until the failed records come back (whenever the worker's delay lets them) and then run behind
 * them, as SQS would hand the group out again; a failed record that has not come back after twice
 * the visibility timeout (parked, or delayed longer) is not waited for any more. Without one, the
 * held ones are left to come back after their visibility timeout (their receive count has risen,
 * as it would not in AWS). What the poller cannot see, it cannot hold: a later message the emulator
 * hands out only after such a failure, when nothing of its group is held, may still run before the
 * failed one comes back. Records without a group (standard queue) are each a group of their own.
 *
 * With a visibility timeout, the records of a running batch are renewed as held ones are: in AWS
 * the queue's visibility timeout (720 s) outlasts the function's (120 s), so a batch that runs long
 * never has its records handed out again; locally the timeout is short, so that a crashed batch
 * comes back soon.
 */
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface BatchReport {
  readonly size: number;
  readonly deleted: number;
  readonly failed: number;
  /**
   * Later records of a failed record's group held behind this batch: not run until the failed ones
   * come back (or, without a visibility timeout to renew, left to come back themselves).
   */
  readonly leftHeld: number;
  /** Set when the handler threw (every record failed). */
  readonly error?: unknown;
}

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<SQSBatchResponse>;
  /**
   * The function's timeout, as Lambda's context tells it (`getRemainingTimeInMillis`, counted from
   * the batch's start). Absent: no context is passed, and the handler has no deadline.
   */
  readonly invocationTimeoutSeconds?: number;
  /** Records a batch, 1..10 (ReceiveMessage's maximum); 10 by default. */
  readonly batchSize?: number;
  /** Batches running at once (the event source's `maximumConcurrency`); 1 by default. */
  readonly concurrency?: number;
  /**
   * Wait of one receive, 0..20 s; 0 by default (short polls, with a short pause when the queue is
   * empty): local-aws-sqs answers a long poll only when its wait is over, even when messages
   * arrived during it, so a long poll only adds latency locally.
   */
  readonly waitSeconds?: number;
  /**
   * Overrides the queue's visibility timeout for received messages (seconds). Given, a record held
   * for half of it has its visibility renewed, so holding never makes it come back early.
   */
  readonly visibilityTimeout?: number;
  /**
   * Records held ahead per slot, in batches; 1 by default, and 1 without `visibilityTimeout`. SQS
   * keeps what it has not handed out in the queue and forms each FIFO batch from one message group
   * as far as it can; locally the poller has to receive records to choose among them, so holding
   * more lets it batch a group's records together as SQS would.
   */
  readonly holdBatches?: number;
  /** The region written into each record (`awsRegion`, `eventSourceARN`); us-east-1 by default. */
  readonly region?: string;
  readonly onBatch?: (report: BatchReport) => void;
  /** A receive or delete failed (the poller keeps going after a short pause). */
  readonly onError?: (error: unknown) => void;
}

export interface SqsPoller {
  /** Stop receiving, abort a receive in progress, and wait for every running batch to finish. */
  stop(): Promise<void>;
  /**
   * Resolves once a receive that began after this call found the queue empty while no batch was
   * running and no received record was held.
   */
  idle(): Promise<void>;
  /** Batches handled so far. */
  batches(): number;
}

const ERROR_PAUSE_MS = 500;
/** The pause after an empty short poll: low latency without spinning on the emulator. */
const EMPTY_PAUSE_MS = 50;

/** `http://host/<account>/<name>` → `arn:aws:sqs:<region>:<account>:<name>` (the AWS queue URL layout). */
export function queueArnOf(queueUrl: string, region: string): string {
  const [account = '000000000000', name = 'queue'] = new URL(queueUrl).pathname.split('/').filter(Boolean).slice(-2);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

function messageAttributesOf(message: Message): SQSMessageAttributes {
  const out: SQSMessageAttributes = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    out[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined ? { stringValue: value.StringValue } : {}),
      ...(value.BinaryValue !== undefined ? { binaryValue: Buffer.from(value.BinaryValue).toString('base64') } : {}),
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return out;
}

/** The record Lambda builds from a received message (attribute names as in the SQS event payload). */
export function toSqsRecord(message: Message, eventSourceARN: string, awsRegion: string): SQSRecord | undefined {
  if (message.MessageId === undefined || message.ReceiptHandle === undefined) return undefined;
  const a = message.Attributes ?? {};
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: a.ApproximateReceiveCount ?? '1',
      SentTimestamp: a.SentTimestamp ?? String(Date.now()),
      SenderId: a.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: a.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(a.SequenceNumber !== undefined ? { SequenceNumber: a.SequenceNumber } : {}),
      ...(a.MessageGroupId !== undefined ? { MessageGroupId: a.MessageGroupId } : {}),
      ...(a.MessageDeduplicationId !== undefined ? { MessageDeduplicationId: a.MessageDeduplicationId } : {}),
      ...(a.AWSTraceHeader !== undefined ? { AWSTraceHeader: a.AWSTraceHeader } : {}),
    },
    messageAttributes: messageAttributesOf(message),
    md5OfBody: message.MD5OfBody ?? '',
    ...(message.MD5OfMessageAttributes !== undefined ? { md5OfMessageAttributes: message.MD5OfMessageAttributes } : {}),
    eventSource: 'aws:sqs',
    eventSourceARN,
    awsRegion,
  };
}

/** The records to delete: all but the reported failures, or none when the report is not valid. */
export function succeededRecords(records: readonly SQSRecord[], response: SQSBatchResponse | undefined): SQSRecord[] {
  const failures = response?.batchItemFailures ?? [];
  const ids = new Set(records.map((r) => r.messageId));
  if (failures.some((f) => !f.itemIdentifier || !ids.has(f.itemIdentifier))) return [];
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  return records.filter((r) => !failed.has(r.messageId));
}

/**
 * One entry per message id, the last one received. local-aws-sqs may answer one ReceiveMessage with
 * the same message more than once (each with a new receipt handle and receive count; only the last
 * handle deletes it); AWS never does, so this changes nothing there.
 */
export function distinct(messages: readonly Message[]): Message[] {
  const byId = new Map<string, Message>();
  for (const message of messages) byId.set(message.MessageId ?? message.ReceiptHandle ?? '', message);
  return [...byId.values()];
}

/** The FIFO message group a record belongs to; a record without one (standard queue) is its own. */
export function groupOf(record: SQSRecord): string {
  const group = record.attributes.MessageGroupId;
  return group !== undefined ? `group:${group}` : `message:${record.messageId}`;
}

/**
 * The next batch from the held records, formed as SQS forms a FIFO receive: as many records of one
 * message group as it can, then those of other groups (AWS: given MaxNumberOfMessages, "SQS returns
 * as many messages with the same message group ID as possible", knowledge center article
 * sqs-fifo-messages-not-returned). Groups are taken in the order their first
 * record was received, each group's records in order, and no group a running batch holds. Once the
 * batch is full, the rest of a group it holds wait for it.
 */
export function nextBatch(held: readonly SQSRecord[], busyGroups: ReadonlySet<string>, batchSize: number): { batch: SQSRecord[]; rest: SQSRecord[] } {
  const byGroup = new Map<string, SQSRecord[]>();
  for (const record of held) {
    const group = groupOf(record);
    if (!busyGroups.has(group)) byGroup.set(group, [...(byGroup.get(group) ?? []), record]);
  }
  const batch: SQSRecord[] = [];
  for (const records of byGroup.values()) {
    batch.push(...records.slice(0, batchSize - batch.length));
    if (batch.length >= batchSize) break;
  }
  const taken = new Set(batch);
  return { batch, rest: held.filter((record) => !taken.has(record)) };
}

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = Math.min(10, Math.max(1, options.batchSize ?? 10));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  const waitSeconds = Math.min(20, Math.max(0, options.waitSeconds ?? 0));
  const visibilityMs = options.visibilityTimeout === undefined ? undefined : options.visibilityTimeout * 1000;
  const holdBatches = visibilityMs === undefined ? 1 : Math.max(1, Math.floor(options.holdBatches ?? 1));
  const maxHeld = batchSize * concurrency * holdBatches;
  /** When each held or running record was received or last had its visibility renewed. */
  const freshSince = new WeakMap<SQSRecord, number>();
  /** The records of the running batches. */
  const inBatch = new Set<SQSRecord>();
  /** Groups whose held records wait for failed records to come back: their ids in order, those back, since when. */
  const blocked = new Map<string, { readonly awaiting: readonly string[]; readonly back: Map<string, SQSRecord>; readonly since: number }>();
  const region = options.region ?? 'us-east-1';
  const arn = queueArnOf(options.queueUrl, region);
  let stopped = false;
  let batches = 0;
  const abort = new AbortController();
  /** Waiters of `idle()`, each resolved by the first empty receive that began after it was added (with nothing running or held). */
  let waiters: (() => void)[] = [];
  /** Received records not handed over yet, in the order received. */
  let held: SQSRecord[] = [];
  /** The groups of the running batches. */
  const busyGroups = new Set<string>();
  const running = new Set<Promise<void>>();
  /** Ends the loop's current pause early (a batch ended); set when a batch ends outside a pause. */
  let wake: (() => void) | undefined;
  let woken = false;

  /** Resolves after `ms` (never when undefined), at `stop()`, or when a batch ends. */
  const pause = (ms: number | undefined): Promise<void> =>
    new Promise((resolve) => {
      const signal = abort.signal;
      if (woken || signal.aborted) {
        woken = false;
        return resolve();
      }
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        wake = undefined;
        resolve();
      };
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
      wake = done;
    });

  const batchEnded = (): void => {
    if (wake) wake();
    else woken = true;
  };

  async function receive(wait: number): Promise<Message[]> {
    // One signal per request, linked to stop()'s and unlinked when the request ends: whatever the
    // HTTP handler adds to it goes with it, so nothing piles up on a signal that lives for hours.
    const request = new AbortController();
    const cancel = (): void => request.abort();
    abort.signal.addEventListener('abort', cancel, { once: true });
    if (abort.signal.aborted) request.abort();
    try {
      const answer = await options.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: options.queueUrl,
          MaxNumberOfMessages: batchSize,
          WaitTimeSeconds: wait,
          ...(options.visibilityTimeout !== undefined ? { VisibilityTimeout: options.visibilityTimeout } : {}),
          // The older parameter on purpose: local-aws-sqs returns system attributes (group, dedup id,
          // receive count) only for it (contracts/aws.md §4). AWS accepts both.
          AttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
        { abortSignal: request.signal },
      );
      return answer.Messages ?? [];
    } finally {
      abort.signal.removeEventListener('abort', cancel);
    }
  }

  async function remove(records: readonly SQSRecord[]): Promise<void> {
    for (let start = 0; start < records.length; start += 10) {
      const chunk = records.slice(start, start + 10);
      const answer = await options.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: options.queueUrl, Entries: chunk.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })) }),
      );
      if (answer.Failed && answer.Failed.length > 0) {
        throw new Error(`SQS DeleteMessageBatch: ${answer.Failed.length} not deleted (${answer.Failed.map((f) => f.Code).join(', ')}); they will be received again`);
      }
    }
  }

  /**
   * Renews the visibility of records running, held or back for a blocked group, for half of it; a
   * record that could not be renewed comes back and is received again.
   */
  async function renewHeld(): Promise<void> {
    if (visibilityMs === undefined || options.visibilityTimeout === undefined) return;
    const now = Date.now();
    const kept = [...inBatch, ...held, ...[...blocked.values()].flatMap((b) => [...b.back.values()])];
    const due = kept.filter((record) => now - (freshSince.get(record) ?? now) >= visibilityMs / 2);
    for (let start = 0; start < due.length; start += 10) {
      const chunk = due.slice(start, start + 10);
      try {
        const answer = await options.sqs.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: options.queueUrl,
            Entries: chunk.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle, VisibilityTimeout: options.visibilityTimeout })),
          }),
        );
        const failed = new Set((answer.Failed ?? []).map((f) => f.Id));
        chunk.forEach((record, i) => failed.has(String(i)) || freshSince.set(record, now));
      } catch (error) {
        options.onError?.(error);
        return;
      }
    }
  }

  /**
   * Keeps later copies in place: a message received again (its visibility ran out while held) keeps
   * its turn, with the newest receipt handle. A failed record that came back goes to its blocked
   * group, which is unblocked once all of them are back.
   */
  function hold(records: readonly SQSRecord[]): void {
    const now = Date.now();
    for (const record of records) {
      freshSince.set(record, now);
      const group = groupOf(record);
      const wait = blocked.get(group);
      if (wait?.awaiting.includes(record.messageId)) {
        wait.back.set(record.messageId, record);
        if (wait.back.size === wait.awaiting.length) unblock(group);
        continue;
      }
      const at = held.findIndex((r) => r.messageId === record.messageId);
      if (at >= 0) held[at] = record;
      else held.push(record);
    }
  }

  /**
   * Holds the later records of the failed records' groups until the failed ones come back; how many
   * wait so. Without a visibility timeout to renew, they are released instead.
   */
  function holdBehind(failed: readonly SQSRecord[]): number {
    const groups = new Set(failed.map(groupOf));
    if (visibilityMs === undefined) return release(groups);
    const now = Date.now();
    for (const group of groups) {
      blocked.set(group, { awaiting: failed.filter((r) => groupOf(r) === group).map((r) => r.messageId), back: new Map(), since: now });
    }
    return held.filter((r) => groups.has(groupOf(r))).length;
  }

  /** The failed records that came back go first, in their order, before the group's held records. */
  function unblock(group: string): void {
    const wait = blocked.get(group);
    if (wait === undefined) return;
    blocked.delete(group);
    const back = wait.awaiting.flatMap((id) => wait.back.get(id) ?? []);
    const first = held.findIndex((r) => groupOf(r) === group);
    held.splice(first < 0 ? held.length : first, 0, ...back);
  }

  /** Stops waiting for failed records that have not come back after twice the visibility timeout. */
  function unblockOverdue(): void {
    if (visibilityMs === undefined) return;
    const now = Date.now();
    for (const [group, wait] of blocked) if (now - wait.since >= 2 * visibilityMs) unblock(group);
  }

  /** Leaves the held records of these groups to come back after their visibility timeout; how many. */
  function release(groups: ReadonlySet<string>): number {
    const before = held.length;
    held = held.filter((r) => !groups.has(groupOf(r)));
    return before - held.length;
  }

  /**
   * Runs one batch; the records it failed (a held later record of their groups must not run
   * before they come back). Throws when a delete fails: then every group counts as failed.
   */
  async function runBatch(records: SQSRecord[]): Promise<{ failed: SQSRecord[]; report: Omit<BatchReport, 'leftHeld'> }> {
    batches += 1;
    let response: SQSBatchResponse | undefined;
    try {
      const startedAt = Date.now();
      const timeoutMs = options.invocationTimeoutSeconds === undefined ? undefined : options.invocationTimeoutSeconds * 1000;
      response = await options.handler(
        { Records: records },
        timeoutMs === undefined ? undefined : { getRemainingTimeInMillis: () => Math.max(0, startedAt + timeoutMs - Date.now()) },
      );
    } catch (error) {
      return { failed: records, report: { size: records.length, deleted: 0, failed: records.length, error } };
    }
    const done = new Set(succeededRecords(records, response));
    await remove([...done]);
    return { failed: records.filter((r) => !done.has(r)), report: { size: records.length, deleted: done.size, failed: records.length - done.size } };
  }

  function start(records: SQSRecord[]): void {
    const groups = new Set(records.map(groupOf));
    for (const group of groups) busyGroups.add(group);
    for (const record of records) inBatch.add(record);
    const batch = runBatch(records)
      .then(
        ({ failed, report }) => {
          const leftHeld = failed.length > 0 ? holdBehind(failed) : 0;
          options.onBatch?.({ ...report, leftHeld });
        },
        (error: unknown) => {
          // Undeleted records come back: a held later record of their groups must not run before them.
          release(groups);
          options.onError?.(error);
        },
      )
      .catch((error: unknown) => options.onError?.(error))
      .finally(() => {
        for (const group of groups) busyGroups.delete(group);
        for (const record of records) inBatch.delete(record);
        running.delete(batch);
        batchEnded();
      });
    running.add(batch);
  }

  /** Starts batches from the held records while a slot is free and some group is not busy. */
  function dispatch(): void {
    while (!stopped && running.size < concurrency) {
      const { batch, rest } = nextBatch(held, blocked.size === 0 ? busyGroups : new Set([...busyGroups, ...blocked.keys()]), batchSize);
      if (batch.length === 0) return;
      held = rest;
      start(batch);
    }
  }

  async function loop(): Promise<void> {
    while (!stopped) {
      unblockOverdue();
      dispatch();
      await renewHeld();
      // Backpressure: nothing more is received once enough is held (records waiting for a failed one
      // to come back do not count), nor, unless holding ahead, while every slot is busy.
      const ready = blocked.size === 0 ? held.length : held.filter((r) => !blocked.has(groupOf(r))).length;
      if (ready >= maxHeld || (running.size >= concurrency && holdBatches === 1)) {
        await pause(visibilityMs !== undefined && (held.length > 0 || running.size > 0) ? visibilityMs / 4 : undefined);
        continue;
      }
      const covered = waiters;
      waiters = [];
      // Someone waits for idleness: look now rather than hold a long poll open.
      const wait = covered.length > 0 ? 0 : waitSeconds;
      let messages: Message[];
      try {
        messages = await receive(wait);
      } catch (error) {
        waiters.push(...covered);
        if (stopped) break;
        options.onError?.(error);
        await pause(ERROR_PAUSE_MS);
        continue;
      }
      if (messages.length === 0) {
        // Idle: nothing running and nothing received left, held or back for a blocked group (a failed
        // record not back yet is the queue's, as any delayed message is).
        const keeping = held.length > 0 || [...blocked.values()].some((b) => b.back.size > 0);
        if (running.size === 0 && !keeping) for (const resolve of covered) resolve();
        else waiters.push(...covered);
        if (wait === 0 && (waiters.length === 0 || running.size > 0)) await pause(EMPTY_PAUSE_MS);
        continue;
      }
      waiters.push(...covered);
      // Received after stop(): left in flight, they come back after their visibility timeout.
      if (stopped) break;
      hold(distinct(messages).flatMap((m) => toSqsRecord(m, arn, region) ?? []));
    }
    while (running.size > 0) await Promise.all(running);
    for (const resolve of waiters) resolve();
    waiters = [];
  }

  const looping = loop();
  return {
    async stop() {
      if (!stopped) {
        stopped = true;
        // Ends a receive or a pause at once.
        abort.abort();
      }
      await looping;
    },
    idle() {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    batches: () => batches,
  };
}
