/**
 * The id of the work an incoming change becomes: `<sender's id>#<hash of source, sender's id, content>`.
 * It is the FIFO deduplication key (lib/aws/message-ids.ts) and the worker's idempotency key (each
 * (work id, target) is claimed once and remembered for 15 days).
 *
 * Why the content is part of the key (issue 12 §10). Keyed on the sender's id alone, a change that
 * reuses an id with a different body — a generic sender whose ids are not unique, a counter reset —
 * was deduplicated by SQS or skipped by the worker as done, for 15 days, while the sender got 200:
 * the change was lost silently. The alternative, refusing a reused id with 409, needs the webhook to
 * remember every id and body durably before it answers (another write in Adobe's 10 s budget, racing
 * concurrent deliveries), and Adobe drops a 4xx for good, so a refusal would lose the change too.
 * Keying on the content is safe both ways: the same change sent again (Adobe's retries, a sender's
 * retry) has the same key and is applied once; a different change under a reused id has another key
 * and is applied in its own right (last-writer-wins on its time). The worst case, one change re-sent
 * with a cosmetically different body, is applied twice — which changes nothing the second time.
 *
 * The content is what the change does (kind, change, user, group, hint reason) and the time the
 * SENDER gave, not the time after clamping to our receipt (which moves between retries). The sender's
 * id stays readable in front, so logs and the audit trail (`event <work id>`) still name it.
 */
import { createHash } from 'node:crypto';

/** 96 bits of SHA-256: collisions are out of reach for any realistic volume of changes. */
const HASH_CHARS = 24;
/** Work ids are at most 128 characters (lib/domain/messages.ts), the FIFO limit. */
const MAX_SENDER_ID_CHARS = 128 - 1 - HASH_CHARS;

export function workIdOf(source: string, senderId: string, content: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256').update(canonicalJson([source, senderId, content]), 'utf8').digest('hex').slice(0, HASH_CHARS);
  return `${senderId.slice(0, MAX_SENDER_ID_CHARS)}#${hash}`;
}

/** JSON with object keys sorted and undefined members left out: equal content, equal text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const members = Object.entries(value)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, member]) => `${JSON.stringify(key)}:${canonicalJson(member)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
