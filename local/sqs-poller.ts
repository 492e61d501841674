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
 * - one batch at a time (a FIFO source is worked in order; concurrency is not simulated).
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';

export interface BatchReport {
  readonly size: number;
  readonly deleted: number;
  readonly failed: number;
  /** Set when the handler threw (every record failed). */
  readonly error?: unknown;
}

export interface SqsPollerOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly handler: (event: SQSEvent) => Promise<SQSBatchResponse>;
  /** Records a batch, 1..10 (ReceiveMessage's maximum); 10 by default. */
  readonly batchSize?: number;
  /** Long-poll wait of one receive, 0..20 s; 1 s by default so that `idle()` answers quickly. */
  readonly waitSeconds?: number;
  /** Overrides the queue's visibility timeout for received messages (seconds). */
  readonly visibilityTimeout?: number;
  /** The region written into each record (`awsRegion`, `eventSourceARN`); us-east-1 by default. */
  readonly region?: string;
  readonly onBatch?: (report: BatchReport) => void;
  /** A receive or delete failed (the poller keeps going after a short pause). */
  readonly onError?: (error: unknown) => void;
}

export interface SqsPoller {
  /** Stop receiving, abort a long poll in progress, and wait for a running batch to finish. */
  stop(): Promise<void>;
  /** Resolves once a receive that began after this call found the queue empty (so no batch runs then). */
  idle(): Promise<void>;
  /** Batches handled so far. */
  batches(): number;
}

const ERROR_PAUSE_MS = 500;

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

export function startSqsPoller(options: SqsPollerOptions): SqsPoller {
  const batchSize = Math.min(10, Math.max(1, options.batchSize ?? 10));
  const waitSeconds = Math.min(20, Math.max(0, options.waitSeconds ?? 1));
  const region = options.region ?? 'us-east-1';
  const arn = queueArnOf(options.queueUrl, region);
  let stopped = false;
  let batches = 0;
  let abort = new AbortController();
  /** Waiters of `idle()`, each resolved by the first empty receive that began after it was added. */
  let waiters: (() => void)[] = [];

  const pause = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const signal = abort.signal;
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });

  async function receive(wait: number): Promise<Message[]> {
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
      { abortSignal: abort.signal },
    );
    return answer.Messages ?? [];
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

  async function runBatch(records: SQSRecord[]): Promise<void> {
    batches += 1;
    let response: SQSBatchResponse | undefined;
    try {
      response = await options.handler({ Records: records });
    } catch (error) {
      options.onBatch?.({ size: records.length, deleted: 0, failed: records.length, error });
      return;
    }
    const done = succeededRecords(records, response);
    await remove(done);
    options.onBatch?.({ size: records.length, deleted: done.length, failed: records.length - done.length });
  }

  async function loop(): Promise<void> {
    while (!stopped) {
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
        for (const resolve of covered) resolve();
        if (wait === 0 && waiters.length === 0) await pause(waitSeconds === 0 ? 50 : 0);
        continue;
      }
      waiters.push(...covered);
      const records = distinct(messages).flatMap((m) => toSqsRecord(m, arn, region) ?? []);
      try {
        await runBatch(records);
      } catch (error) {
        options.onError?.(error);
      }
    }
    for (const resolve of waiters) resolve();
    waiters = [];
  }

  const running = loop();
  return {
    async stop() {
      if (stopped) return running;
      stopped = true;
      // Ends a long poll at once instead of leaving it open until WaitTimeSeconds runs out.
      abort.abort();
      await running;
      abort = new AbortController();
    },
    idle() {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => waiters.push(resolve));
    },
    batches: () => batches,
  };
}
