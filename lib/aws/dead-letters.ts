/**
 * The project's own DLQ replay primitives (contracts/aws.md §2: StartMessageMoveTask moves
 * everything with no filter; receive → filter → send back → delete gives filters, dry-run and
 * rate limits). Messages received here stay in flight until deleted, released or their
 * visibility timeout passes.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type Message,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { WorkMessage } from '../domain/messages.js';
import { TargetUnavailableError, ValidationError } from '../errors.js';
import type { DeadLetter as DeadLetterPort, DeadLetters } from '../sync/ports.js';
import { fifoGroupId, fifoSafe } from './message-ids.js';
import { queueUrlOf, sendEntries } from './queue.js';

/** A received dead letter, with what SQS tells about it beyond the port's fields. */
export interface DeadLetter extends DeadLetterPort {
  /** The body parsed as a work message; undefined when it does not parse (reported, never replayed blindly). */
  readonly message: WorkMessage | undefined;
  readonly deduplicationId: string | undefined;
  /** Epoch ms when the message was first sent to the work queue. */
  readonly sentAt: number | undefined;
  readonly correlationId: string | undefined;
}

export interface QueueDepth {
  /** ApproximateNumberOfMessages: waiting to be received. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: received, not yet deleted. */
  readonly inFlight: number;
}

export interface DeadLetterAccess extends DeadLetters {
  /** Up to `max` messages, received until the DLQ answers empty; they stay hidden for `visibilitySeconds`. */
  receive(max: number): Promise<DeadLetter[]>;
  /** Re-send to the work queue, same group, deduplicated per replay run (`replayId`). */
  sendBack(messages: readonly DeadLetterPort[], replayId: string): Promise<void>;
  delete(receiptHandles: readonly string[]): Promise<void>;
  /** Make messages visible again at once (the ones a filter or a dry-run left in place). */
  release(receiptHandles: readonly string[]): Promise<void>;
  /** Approximate counts of the work queue and the DLQ. */
  depth(): Promise<{ readonly queue: QueueDepth; readonly revocations?: QueueDepth; readonly deadLetter: QueueDepth }>;
}

export interface DeadLetterOptions {
  readonly dlqUrl: string;
  readonly queueUrl: string;
  /** Where replayed revocations go (laneOf); absent or empty, to the work queue with the rest. */
  readonly revocationQueueUrl?: string | undefined;
  /** How long received messages stay hidden while the replay decides (default 120 s). */
  readonly visibilitySeconds?: number;
  /**
   * Long-poll wait of each receive (seconds, 1..20; 1 by default). Never 0: a short poll asks only
   * some of SQS's servers and may answer empty while messages wait ("false empty responses", Amazon
   * SQS developer guide, short and long polling), and an empty answer ends the listing: replay
   * would report fewer dead letters than the queue holds. The emulator has no such servers.
   */
  readonly receiveWaitSeconds?: number;
}

/** ReceiveMessage and the batch calls take at most 10 entries. */
const BATCH_MAX = 10;

function sqsFailure(call: string, error: unknown): TargetUnavailableError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new TargetUnavailableError('sqs', `SQS ${call} failed: ${reason}`, { cause: error });
}

function parseBody(body: string): WorkMessage | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parsed = WorkMessage.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

function toDeadLetter(message: Message): DeadLetter | undefined {
  if (!message.MessageId || !message.ReceiptHandle) return undefined;
  const attributes = message.Attributes ?? {};
  const body = message.Body ?? '';
  const sentAt = Number(attributes.SentTimestamp);
  return {
    messageId: message.MessageId,
    receiptHandle: message.ReceiptHandle,
    body,
    message: parseBody(body),
    ...(attributes.MessageGroupId ? { messageGroupId: attributes.MessageGroupId } : {}),
    deduplicationId: attributes.MessageDeduplicationId,
    receiveCount: Number(attributes.ApproximateReceiveCount ?? '0'),
    sentAt: Number.isFinite(sentAt) && sentAt > 0 ? sentAt : undefined,
    correlationId: message.MessageAttributes?.['correlationId']?.StringValue,
    ...(message.MessageAttributes?.['reason']?.StringValue ? { reason: message.MessageAttributes['reason'].StringValue } : {}),
    ...(message.MessageAttributes?.['parkedFrom']?.StringValue ? { parkedFrom: message.MessageAttributes['parkedFrom'].StringValue } : {}),
  };
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += BATCH_MAX) out.push(items.slice(start, start + BATCH_MAX));
  return out;
}

export function createDeadLetterAccess(sqs: SQSClient, options: DeadLetterOptions): DeadLetterAccess {
  const visibilitySeconds = options.visibilitySeconds ?? 120;
  const waitSeconds = Math.min(20, Math.max(1, Math.round(options.receiveWaitSeconds ?? 1)));

  function replayEntry(letter: DeadLetterPort, index: number, replayId: string): SendMessageBatchRequestEntry {
    const message = parseBody(letter.body);
    const groupId = letter.messageGroupId ?? (message ? fifoGroupId(message) : undefined);
    if (!groupId) {
      throw new ValidationError(`DLQ message ${letter.messageId} has no message group and a body that is not a work message: it cannot be replayed`);
    }
    return {
      Id: String(index),
      MessageBody: letter.body,
      MessageGroupId: groupId,
      // Not the original deduplication id: it would be dropped as a repeat if first sent under
      // 5 minutes ago. Keyed on the replay run, so one run never sends a message twice.
      MessageDeduplicationId: fifoSafe(createHash('sha256').update(`${letter.messageId}#replay#${replayId}`).digest('hex')),
      MessageAttributes: {
        kind: { DataType: 'String', StringValue: message?.kind ?? 'unknown' },
        ...(message ? { correlationId: { DataType: 'String', StringValue: message.correlationId } } : {}),
        replayOf: { DataType: 'String', StringValue: letter.messageId },
      },
    };
  }

  async function attribute(queueUrl: string, which: string): Promise<QueueDepth> {
    let answer;
    try {
      answer = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
      );
    } catch (error) {
      throw sqsFailure(`GetQueueAttributes (${which})`, error);
    }
    const visible = Number(answer.Attributes?.ApproximateNumberOfMessages);
    const inFlight = Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible);
    if (!Number.isFinite(visible) || !Number.isFinite(inFlight)) {
      throw new TargetUnavailableError('sqs', `SQS GetQueueAttributes (${which}): ApproximateNumberOfMessages missing from the answer`);
    }
    return { visible, inFlight };
  }

  return {
    async receive(max) {
      const letters: DeadLetter[] = [];
      while (letters.length < max) {
        let answer;
        try {
          answer = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: options.dlqUrl,
              MaxNumberOfMessages: Math.min(BATCH_MAX, max - letters.length),
              VisibilityTimeout: visibilitySeconds,
              WaitTimeSeconds: waitSeconds,
              // The older `AttributeNames` parameter on purpose: local-aws-sqs returns system
              // attributes (group, dedup id, receive count) only for it, not for
              // `MessageSystemAttributeNames` (contracts/aws.md §4). AWS accepts both.
              AttributeNames: ['All'],
              MessageAttributeNames: ['All'],
            }),
          );
        } catch (error) {
          throw sqsFailure('ReceiveMessage (dead-letter queue)', error);
        }
        const received = (answer.Messages ?? []).flatMap((m) => toDeadLetter(m) ?? []);
        if (received.length === 0) break;
        letters.push(...received);
      }
      return letters;
    },

    async sendBack(messages, replayId) {
      // Each back on its own lane's queue (`queueUrlOf`); a body that is not a work message goes to the work queue.
      const urls = { work: options.queueUrl, revocation: options.revocationQueueUrl };
      const byQueue = new Map<string, DeadLetterPort[]>();
      for (const letter of messages) {
        const message = parseBody(letter.body);
        const url = message === undefined ? options.queueUrl : queueUrlOf(message, urls);
        byQueue.set(url, [...(byQueue.get(url) ?? []), letter]);
      }
      for (const [url, letters] of byQueue) {
        await sendEntries(sqs, url, letters.map((letter, index) => replayEntry(letter, index, replayId)), url === options.queueUrl ? 'replay to work queue' : 'replay to revocation queue');
      }
    },

    async delete(receiptHandles) {
      for (const chunk of chunks(receiptHandles)) {
        let answer;
        try {
          answer = await sqs.send(
            new DeleteMessageBatchCommand({ QueueUrl: options.dlqUrl, Entries: chunk.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle })) }),
          );
        } catch (error) {
          throw sqsFailure('DeleteMessageBatch (dead-letter queue)', error);
        }
        if (answer.Failed && answer.Failed.length > 0) {
          throw new TargetUnavailableError('sqs', `SQS DeleteMessageBatch (dead-letter queue): ${answer.Failed.length} not deleted: ${answer.Failed.map((f) => f.Code).join(', ')}`);
        }
      }
    },

    async release(receiptHandles) {
      for (const chunk of chunks(receiptHandles)) {
        let answer;
        try {
          answer = await sqs.send(
            new ChangeMessageVisibilityBatchCommand({
              QueueUrl: options.dlqUrl,
              Entries: chunk.map((handle, i) => ({ Id: String(i), ReceiptHandle: handle, VisibilityTimeout: 0 })),
            }),
          );
        } catch (error) {
          throw sqsFailure('ChangeMessageVisibilityBatch (dead-letter queue)', error);
        }
        if (answer.Failed && answer.Failed.length > 0) {
          throw new TargetUnavailableError('sqs', `SQS ChangeMessageVisibilityBatch (dead-letter queue): ${answer.Failed.length} not released: ${answer.Failed.map((f) => f.Code).join(', ')}`);
        }
      }
    },

    async depth() {
      const revocationUrl = options.revocationQueueUrl?.trim() || undefined;
      const [queue, deadLetter, revocations] = await Promise.all([
        attribute(options.queueUrl, 'work queue'),
        attribute(options.dlqUrl, 'dead-letter queue'),
        revocationUrl === undefined ? undefined : attribute(revocationUrl, 'revocation queue'),
      ]);
      return revocations === undefined ? { queue, deadLetter } : { queue, revocations, deadLetter };
    },
  };
}

/** A received work record, as the worker parks it. */
export interface ParkedRecord {
  readonly messageId: string;
  readonly body: string;
  readonly messageGroupId?: string;
}

/**
 * Park a record that can never be applied straight in the dead-letter queue, with its reason as a
 * message attribute, instead of letting it be received `maxReceiveCount` times first. The caller
 * then reports the record as done, so SQS deletes it from the work queue.
 */
export function createDeadLetterParking(sqs: SQSClient, dlqUrl: string): (record: ParkedRecord, reason: string) => Promise<void> {
  return async (record, reason) => {
    await sendEntries(
      sqs,
      dlqUrl,
      [
        {
          Id: '0',
          MessageBody: record.body,
          MessageGroupId: record.messageGroupId ?? fifoSafe(`parked:${record.messageId}`),
          MessageDeduplicationId: fifoSafe(createHash('sha256').update(`${record.messageId}#parked`).digest('hex')),
          MessageAttributes: {
            // SQS caps a message attribute at 256 KB with the body; a reason is a line, kept short.
            reason: { DataType: 'String', StringValue: reason.slice(0, 1000) },
            parkedFrom: { DataType: 'String', StringValue: record.messageId },
          },
        },
      ],
      'dead-letter queue',
    );
  };
}
