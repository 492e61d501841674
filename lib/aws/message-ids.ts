/**
 * FIFO identifiers of a work message (contracts/aws.md §2). SQS accepts 1 to 128 characters of
 * ASCII letters, digits and punctuation in a group or deduplication id; names with spaces or
 * accents (IMS group names often have both) are replaced by a hash, which keeps grouping exact.
 */
import { createHash } from 'node:crypto';
import { messageGroupOf, type WorkMessage } from '../domain/messages.js';

const FIFO_ID = /^[\x21-\x7e]{1,128}$/;

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function fifoSafe(id: string): string {
  return FIFO_ID.test(id) ? id : `h:${sha256(id)}`;
}

export function fifoGroupId(message: WorkMessage): string {
  return fifoSafe(messageGroupOf(message));
}

/**
 * Repeats of one event (Adobe retries a webhook; the scheduler re-sends after a crash) collapse
 * within SQS's 5-minute window. A reconcile run's slices share the run's event id, so their
 * target and group are part of the key.
 */
export function deduplicationId(message: WorkMessage): string {
  const identity = message.kind === 'reconcile' ? [message.id, message.targetId, messageGroupOf(message)] : [message.id];
  return sha256(JSON.stringify(identity));
}
