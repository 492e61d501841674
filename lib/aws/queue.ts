/**
 * The work queues over SQS FIFO (contracts/aws.md §2): one group per user (or per reconcile slice)
 * serialises a user's changes, the deduplication id drops repeats of one event. With a revocation
 * queue configured, revocations travel on it and everything else on the work queue (`laneOf`);
 * without one, everything goes to the work queue. A received record is postponed or requeued on the
 * queue it came from (its `eventSourceARN`).
 */
import { ChangeMessageVisibilityCommand, GetQueueAttributesCommand, SendMessageBatchCommand, type SendMessageBatchRequestEntry, type SQSClient } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import type { Target } from '../config/schema.js';
import { laneOf, type WorkMessage } from '../domain/messages.js';
import { TargetUnavailableError, ValidationError } from '../errors.js';
import type { WorkQueue } from '../sync/ports.js';
import { deduplicationId, fifoGroupId, fifoSafe } from './message-ids.js';

/** SendMessageBatch takes at most 10 entries and 256 KB in all (contracts/aws.md §2). */
const BATCH_MAX_ENTRIES = 10;
export const MAX_PAYLOAD_BYTES = 256 * 1024;
/** ChangeMessageVisibility accepts at most 12 hours (contracts/aws.md §2). */
export const MAX_VISIBILITY_SECONDS = 12 * 60 * 60;

export interface SqsWorkQueue extends WorkQueue {
  /**
   * Postpone a received message (a throttled record) without deleting it; clamped to 0..12 h. On the
   * queue named by `queueArn` (the record's `eventSourceARN`), the work queue when absent.
   */
  changeVisibility(receiptHandle: string, seconds: number, queueArn?: string): Promise<void>;
  /**
   * Send a received record again as a fresh message (same group, receive count back to 0, `requeues`
   * attribute counting), on the queue it came from, for work that only waited too long: the caller
   * then deletes the original.
   */
  requeue(record: { messageId: string; body: string; messageGroupId?: string; eventSourceARN?: string }, requeues: number): Promise<void>;
  /** The queue's redrive `maxReceiveCount`, read once; undefined when it has none. */
  maxReceiveCount(): Promise<number | undefined>;
}

export function toEntry(message: WorkMessage, index: number): SendMessageBatchRequestEntry {
  return {
    Id: String(index),
    MessageBody: JSON.stringify(message),
    MessageGroupId: fifoGroupId(message),
    MessageDeduplicationId: deduplicationId(message),
    MessageAttributes: {
      kind: { DataType: 'String', StringValue: message.kind },
      correlationId: { DataType: 'String', StringValue: message.correlationId },
    },
  };
}

function entryBytes(entry: SendMessageBatchRequestEntry): number {
  let bytes = Buffer.byteLength(entry.MessageBody ?? '', 'utf8');
  for (const [name, value] of Object.entries(entry.MessageAttributes ?? {})) {
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value.DataType ?? '') + Buffer.byteLength(value.StringValue ?? '');
  }
  return bytes;
}

/** Chunks of at most 10 entries and 256 KB; a single entry over the limit is refused up front. */
export function chunkEntries(entries: readonly SendMessageBatchRequestEntry[]): SendMessageBatchRequestEntry[][] {
  const chunks: SendMessageBatchRequestEntry[][] = [];
  let current: SendMessageBatchRequestEntry[] = [];
  let currentBytes = 0;
  for (const entry of entries) {
    const bytes = entryBytes(entry);
    if (bytes > MAX_PAYLOAD_BYTES) {
      throw new ValidationError(`SQS SendMessageBatch: message ${entry.Id} is ${bytes} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit; split the work into smaller slices`);
    }
    if (current.length === BATCH_MAX_ENTRIES || currentBytes + bytes > MAX_PAYLOAD_BYTES) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(entry);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Send entries in batches; the entries of a partly failed batch are sent once more, and what still
 * fails raises (so the webhook answers 5xx and Adobe retries, or the caller's own retry runs).
 */
export async function sendEntries(sqs: SQSClient, queueUrl: string, entries: readonly SendMessageBatchRequestEntry[], what: string): Promise<void> {
  for (const chunk of chunkEntries(entries)) {
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      let answer;
      try {
        answer = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: pending }));
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new TargetUnavailableError('sqs', `SQS SendMessageBatch (${what}) failed: ${reason}`, { cause: error });
      }
      const failed = answer.Failed ?? [];
      if (failed.length === 0) break;
      if (attempt >= 2) {
        const reasons = failed.map((f) => `${f.Id}: ${f.Code}${f.SenderFault ? ' (sender fault)' : ''} ${f.Message ?? ''}`.trim());
        throw new TargetUnavailableError('sqs', `SQS SendMessageBatch (${what}): ${failed.length} of ${chunk.length} messages not accepted after a retry: ${reasons.join('; ')}`);
      }
      const failedIds = new Set(failed.map((f) => f.Id));
      pending = pending.filter((entry) => failedIds.has(entry.Id));
    }
  }
}

/** The queue's name: the last part of its URL (`…/<account>/<name>`) or of its ARN (`…:<account>:<name>`). */
const queueName = (urlOrArn: string): string => urlOrArn.split(/[/:]/).pop() ?? urlOrArn;

export interface QueueUrls {
  readonly work: string;
  /** Absent or empty: revocations travel on the work queue. */
  readonly revocation?: string | undefined;
}

/** The queue a message goes to: its lane's (`laneOf`), the work queue when there is no revocation queue. */
export function queueUrlOf(message: WorkMessage, urls: QueueUrls, targets?: readonly Target[]): string {
  const revocation = urls.revocation?.trim();
  return revocation && laneOf(message, targets) === 'revocation' ? revocation : urls.work;
}

/** `targets`: the configured targets, which tell a removal the worker must read first (laneOf). */
export function createSqsWorkQueue(sqs: SQSClient, urls: QueueUrls, targets?: readonly Target[]): SqsWorkQueue {
  const queueUrl = urls.work;
  const revocationUrl = urls.revocation?.trim() ? urls.revocation : undefined;
  /** The queue a received record came from, by its ARN's name; the work queue when it is not one of ours. */
  const urlFrom = (queueArn: string | undefined): string =>
    queueArn !== undefined && revocationUrl !== undefined && queueName(queueArn) === queueName(revocationUrl) ? revocationUrl : queueUrl;
  let redrive: Promise<number | undefined> | undefined;
  return {
    async requeue(record, requeues) {
      await sendEntries(
        sqs,
        urlFrom(record.eventSourceARN),
        [
          {
            Id: '0',
            MessageBody: record.body,
            MessageGroupId: record.messageGroupId ?? fifoSafe(`requeued:${record.messageId}`),
            MessageDeduplicationId: fifoSafe(createHash('sha256').update(`${record.messageId}#requeue#${requeues}`).digest('hex')),
            MessageAttributes: {
              requeues: { DataType: 'Number', StringValue: String(requeues) },
              requeuedFrom: { DataType: 'String', StringValue: record.messageId },
            },
          },
        ],
        'work queue (requeue)',
      );
    },

    maxReceiveCount() {
      redrive ??= sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }))
        .then((answer) => {
          const policy: unknown = JSON.parse(answer.Attributes?.['RedrivePolicy'] ?? '{}');
          const count = typeof policy === 'object' && policy !== null && 'maxReceiveCount' in policy ? Number(policy.maxReceiveCount) : NaN;
          return Number.isInteger(count) && count > 0 ? count : undefined;
        })
        .catch(() => {
          redrive = undefined;
          return undefined;
        });
      return redrive;
    },

    async send(messages) {
      const revocations = messages.filter((m) => queueUrlOf(m, urls, targets) !== queueUrl);
      const work = messages.filter((m) => queueUrlOf(m, urls, targets) === queueUrl);
      // Revocations first: they are the urgent ones.
      if (revocationUrl !== undefined && revocations.length > 0) await sendEntries(sqs, revocationUrl, revocations.map(toEntry), 'revocation queue');
      if (work.length > 0) await sendEntries(sqs, queueUrl, work.map(toEntry), 'work queue');
    },

    async changeVisibility(receiptHandle, seconds, queueArn) {
      const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil(seconds)));
      try {
        await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: urlFrom(queueArn), ReceiptHandle: receiptHandle, VisibilityTimeout: visibilityTimeout }));
      } catch (error) {
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        throw new TargetUnavailableError('sqs', `SQS ChangeMessageVisibility failed: ${reason}`, { cause: error });
      }
    },
  };
}
