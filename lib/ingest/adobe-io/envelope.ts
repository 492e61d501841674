/**
 * An Adobe I/O Events delivery body → work messages. Call only after `verifyAdobeIoSignature`.
 *
 * Accepted (contracts/io-events.md §4):
 * - one event, or a batch (a JSON array of events, the "batch" delivery style);
 * - CloudEvents 1.0 (`specversion` present): the audit event is `data`;
 * - the legacy envelope (no `specversion`): `{"event_id", "recipient_client_id", "event": {...}}`,
 *   the audit event is `event` (or `data`);
 * - either spelling of the deprecated duplicates: `id`/`eventid`/`event_id`,
 *   `recipientclientid`/`recipient_client_id`;
 * - times as epoch milliseconds (number or digit string) or RFC 3339.
 *
 * The whole request is refused only when it is not ours (a recipient that is not us, or none at all:
 * 401) or not an envelope at all (not JSON, not an object or array: 400). Past that, each event is
 * handled on its own, because Adobe drops a 4xx delivery for good (§2) and one bad event must not
 * take the valid removals of its batch with it: an event with unreadable fields becomes a hint for
 * the user or group it still names, or is skipped with the reason.
 */
import { z } from 'zod';
import { DeltaMessage, HintMessage, type WorkMessage } from '../../domain/messages.js';
import { InvalidSignatureError, ValidationError } from '../../errors.js';
import { formatPath, parseJson, typeOf } from '../issues.js';
import { parseLeniently, type UnreadableField } from '../lenient.js';
import type { IgnoredEvent, IngestResult, SkipCause, SkippedEvent } from '../result.js';
import { notAfterReceipt, parseEventTime, toIso } from '../time.js';
import { OcsfAuditEvent, decideAuditEvent, factsOf, findAuditRule, type AuditDecision, type AuditFacts } from './audit-events.js';
import { checkOrg } from './org.js';
import { workIdOf } from '../work-id.js';

export { isChallenge, validationUrlOf } from './handshake.js';

export interface AdobeIoExpectations {
  /** Our I/O Events client id: the body's recipient must be exactly this. */
  readonly clientId: string;
  /** The configured IMS org, e.g. `A495E53A5C1B1FFC0A495E53@AdobeOrg`. */
  readonly orgId: string;
}

export interface AdobeIoContext {
  readonly correlationId: string;
  /** When the webhook received the request (ISO 8601); the time of hints whose event has none. */
  readonly receivedAt: string;
}

const text = z.string().nullish();
const Envelope = z.looseObject({
  specversion: text,
  type: text,
  source: text,
  subject: text,
  id: text,
  eventid: text,
  event_id: text,
  time: z.unknown().optional(),
  recipientclientid: z.unknown().optional(),
  recipient_client_id: z.unknown().optional(),
  data: z.unknown().optional(),
  event: z.unknown().optional(),
});
type Envelope = z.infer<typeof Envelope>;

const SYSTEM = 'io-events delivery';
const RECIPIENT_FIELDS = ['recipientclientid', 'recipient_client_id'] as const;

const DAY_MS = 86_400_000;
/**
 * Adobe retries a webhook delivery for up to 24 hours and keeps a journal of 7 days (I/O Events
 * "retry" docs); our idempotency remembers an event for 15 days. An older event can only be a
 * replay of a genuine delivery — a signature carries no time — whose deduplication may have expired.
 * A removal is applied from the event itself (removal first), so an old one is not trusted: it
 * becomes a re-check of the user from UMAPI, and cannot remove a user who has regained access.
 */
export const MAX_EVENT_AGE_MS = 7 * DAY_MS;

function replayedRemoval(delta: { user: { email: string; id?: string }; group?: string | undefined }) {
  return {
    kind: 'hint' as const,
    user: delta.user,
    ...(delta.group ? { group: delta.group } : {}),
    reason: `a removal that happened more than ${MAX_EVENT_AGE_MS / DAY_MS} days ago (a replay?): re-checked from UMAPI, not applied from the event`,
  };
}

type Outcome = { message: WorkMessage } | { ignored: IgnoredEvent } | { skipped: SkippedEvent };

interface Located {
  readonly item: unknown;
  /** `[i]` in a batch, '' for a single event. */
  readonly at: string;
}

/** `io-events delivery: [1].data.user` — where a problem is, as the sender would reach it. */
function label(at: string, path: string): string {
  const where = at + (at && path && !path.startsWith('[') ? '.' : '') + path;
  return where ? `${SYSTEM}: ${where}` : SYSTEM;
}

export function parseAdobeIoDelivery(rawBody: Buffer, expected: AdobeIoExpectations, context: AdobeIoContext): IngestResult {
  const json = parseJson(rawBody);
  if (!json.ok) throw new ValidationError(`${SYSTEM}: body is not JSON`);
  const batch = Array.isArray(json.value);
  if (!batch && !isRecord(json.value)) {
    throw new ValidationError(`${SYSTEM}: body: expected an event object or a JSON array of events, got ${typeOf(json.value)}`);
  }
  const items: unknown[] = Array.isArray(json.value) ? json.value : [json.value];
  const events: Located[] = items.map((item, index) => ({ item, at: batch ? `[${index}]` : '' }));
  if (events.length === 0) return { messages: [], ignored: [], skipped: [] };
  confirmRecipient(events, expected.clientId);

  const result: IngestResult = { messages: [], ignored: [], skipped: [] };
  for (const event of events) {
    const outcome = parseEvent(event, expected, context);
    if ('message' in outcome) result.messages.push(outcome.message);
    else if ('ignored' in outcome) result.ignored.push(outcome.ignored);
    else result.skipped.push(outcome.skipped);
  }
  return result;
}

/**
 * §3: after the signature, the recipient must be us. Adobe signs every customer's deliveries with the
 * same keys, so a recipient that is not us means a delivery signed for someone else, replayed here:
 * the whole request is refused. At least one event must name us; an event naming no one is skipped.
 */
function confirmRecipient(events: readonly Located[], clientId: string): void {
  let confirmed = false;
  for (const { item, at } of events) {
    if (!isRecord(item)) continue;
    for (const name of RECIPIENT_FIELDS) {
      const recipient = item[name];
      if (recipient === undefined || recipient === null) continue;
      if (recipient !== clientId) {
        throw new InvalidSignatureError(`${label(at, name)}: the event was sent to client id ${JSON.stringify(recipient)}, not to this integration`);
      }
      confirmed = true;
    }
  }
  if (!confirmed) {
    throw new InvalidSignatureError(
      events.length > 1
        ? `${SYSTEM}: no event names this integration in recipientclientid (or recipient_client_id); cannot confirm this integration is the recipient`
        : `${label('', 'recipientclientid')}: missing (also no recipient_client_id); cannot confirm this integration is the recipient`,
    );
  }
}

function parseEvent({ item, at }: Located, expected: AdobeIoExpectations, context: AdobeIoContext): Outcome {
  const skip = (cause: SkipCause, path: string, problem: string): Outcome => ({
    skipped: { id: senderIdOf(item) ?? (at || 'event'), cause, reason: `${label(at, path)}: ${problem}` },
  });
  if (!isRecord(item)) return skip('unreadable', '', `expected an event object, got ${typeOf(item)}`);
  if (!RECIPIENT_FIELDS.some((name) => item[name] === expected.clientId)) {
    return skip('unconfirmed-recipient', 'recipientclientid', 'missing (also no recipient_client_id); cannot confirm this integration is the recipient');
  }

  const envelopeRead = parseLeniently(Envelope, item);
  if (envelopeRead === undefined) return skip('unreadable', '', 'not a readable event envelope');
  const envelope = envelopeRead.data;
  const payloadField = envelope.specversion != null || envelope.event === undefined ? 'data' : 'event';
  const payload = payloadField === 'data' ? envelope.data : envelope.event;
  if (!isRecord(payload)) {
    return skip('unreadable', payloadField, payload === undefined ? 'missing; expected the audit event object' : `expected the audit event object, got ${typeOf(payload)}`);
  }
  const dataRead = parseLeniently(OcsfAuditEvent, payload);
  if (dataRead === undefined) return skip('unreadable', payloadField, 'not a readable audit event');
  const data = dataRead.data;

  const org = checkOrg(
    { payloadField, cloudOrgUid: data.cloud?.org?.uid, tenantUid: data.metadata?.tenant_uid, subject: envelope.subject, source: envelope.source },
    expected.orgId,
  );
  if (!org.ok) return skip(org.cause, org.path, org.problem);

  const id = envelope.id ?? envelope.eventid ?? envelope.event_id ?? data.metadata?.uid;
  if (!id) return skip('unreadable', 'id', 'missing (also no eventid, event_id or metadata.uid)');

  // The actor is kept for the audit trail only: an unreadable actor is left out, it changes no access.
  const unreadable = [
    ...envelopeRead.unreadable,
    ...dataRead.unreadable.filter((f) => f.path[0] !== 'actor').map((f) => ({ ...f, path: [payloadField, ...f.path] })),
  ];
  const occurredMs = firstReadableTime(envelope, data);
  const facts = factsOf(data, occurredMs !== undefined);
  const fields = unreadable.map((f) => describe(at, f)).join('; ');
  const decided = fields ? distrusted(decideAuditEvent(facts), facts, fields) : decideAuditEvent(facts);
  const stale = occurredMs !== undefined && Date.parse(context.receivedAt) - occurredMs > MAX_EVENT_AGE_MS;
  const decision = stale && decided !== 'names no one' && decided.kind === 'delta' && decided.change !== 'membership.added' ? replayedRemoval(decided) : decided;
  if (decision === 'names no one') {
    return { skipped: { id, cause: 'unreadable', reason: `${SYSTEM}: unreadable ${fields}; names no user or group to re-check` } };
  }
  if (decision.kind === 'ignore') return { ignored: { id, reason: decision.reason } };

  const actor = data.actor?.user?.email_addr ?? data.actor?.user?.name ?? undefined;
  const { kind, user, group } = decision;
  const what = decision.kind === 'delta' ? { change: decision.change } : { reason: decision.reason };
  const common = {
    id: workIdOf('adobe-io', id, { kind, ...what, user, group, senderTimeMs: occurredMs ?? null }),
    // Never later than receipt: a future time would block every later change in last-writer-wins.
    occurredAt: occurredMs !== undefined ? toIso(notAfterReceipt(occurredMs, context.receivedAt)) : context.receivedAt,
    correlationId: context.correlationId,
    source: 'adobe-io' as const,
    ...(actor ? { actor } : {}),
  };
  const candidate =
    decision.kind === 'delta'
      ? DeltaMessage.safeParse({ kind: 'delta', ...common, change: decision.change, user: decision.user, ...(decision.group ? { group: decision.group } : {}) })
      : HintMessage.safeParse({ kind: 'hint', ...common, reason: decision.reason, ...(decision.user ? { user: decision.user } : {}), ...(decision.group ? { group: decision.group } : {}) });
  if (!candidate.success) {
    const issue = candidate.error.issues[0];
    return skip('unreadable', '', `cannot become a work message: ${issue ? `${formatPath(issue.path)}: ${issue.message}` : 'invalid'}`);
  }
  return { message: candidate.data };
}

/**
 * The decision for an event some of whose fields could not be read: what it relies on is not trusted
 * as precise, so a delta becomes a hint ("re-check this user / group"); an event that then names no
 * one cannot be used. Admin-role events stay ignored (their code alone decides).
 */
function distrusted(decision: AuditDecision, facts: AuditFacts, fields: string): AuditDecision | 'names no one' {
  if (decision.kind === 'ignore') {
    const rule = findAuditRule(facts.eventCode);
    return rule && 'ignore' in rule ? decision : 'names no one';
  }
  return {
    kind: 'hint',
    reason: `${facts.eventCode ?? '(no event_code)'}: unreadable ${fields}; re-check`,
    ...(decision.user ? { user: decision.user } : {}),
    ...(decision.group ? { group: decision.group } : {}),
  };
}

/**
 * OCSF `time` (ms) is when the change happened; `time_dt` and the envelope `time` are fallbacks. The
 * first readable one wins: an unreadable field never hides a readable one.
 */
function firstReadableTime(envelope: Envelope, data: OcsfAuditEvent): number | undefined {
  for (const value of [data.time, data.time_dt, envelope.time]) {
    const ms = parseEventTime(value);
    if (ms !== undefined) return ms;
  }
  return undefined;
}

function describe(at: string, field: UnreadableField): string {
  const path = formatPath(field.path);
  return `${at}${at && path && !path.startsWith('[') ? '.' : ''}${path}: ${field.problem}`;
}

/** The sender's id of an event, read without trusting its shape (for reports of skipped events). */
function senderIdOf(item: unknown): string | undefined {
  if (!isRecord(item)) return undefined;
  for (const name of ['id', 'eventid', 'event_id']) {
    const value = item[name];
    if (typeof value === 'string' && value !== '') return value.slice(0, 128);
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
