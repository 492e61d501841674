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
 */
import { z } from 'zod';
import { InvalidSignatureError, ValidationError } from '../../errors.js';
import { DeltaMessage, HintMessage, type WorkMessage } from '../../domain/messages.js';
import { describeIssue, formatPath, parseJson, typeOf } from '../issues.js';
import type { IgnoredEvent, IngestResult } from '../result.js';
import { notAfterReceipt, parseEventTime, toIso } from '../time.js';
import { OcsfAuditEvent, decideAuditEvent, factsOf } from './audit-events.js';

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
  time: z.union([z.string(), z.number()]).nullish(),
  recipientclientid: text,
  recipient_client_id: text,
  data: z.unknown().optional(),
  event: z.unknown().optional(),
});
type Envelope = z.infer<typeof Envelope>;

const ORG_ID = /([A-Za-z0-9]+@AdobeOrg)$/;
const SYSTEM = 'io-events delivery';

export function parseAdobeIoDelivery(rawBody: Buffer, expected: AdobeIoExpectations, context: AdobeIoContext): IngestResult {
  const json = parseJson(rawBody);
  if (!json.ok) throw new ValidationError(`${SYSTEM}: body is not JSON`);
  const batch = Array.isArray(json.value);
  const items: unknown[] = Array.isArray(json.value) ? json.value : [json.value];
  const messages: WorkMessage[] = [];
  const ignored: IgnoredEvent[] = [];
  items.forEach((item, index) => {
    const at = batch ? `[${index}]` : '';
    const outcome = parseOne(item, at, expected, context);
    if ('message' in outcome) messages.push(outcome.message);
    else ignored.push(outcome.ignored);
  });
  return { messages, ignored };
}

function parseOne(
  item: unknown,
  at: string,
  expected: AdobeIoExpectations,
  context: AdobeIoContext,
): { message: WorkMessage } | { ignored: IgnoredEvent } {
  const field = (path: string): string => {
    const where = at + (at && path && !path.startsWith('[') ? '.' : '') + path;
    return where ? `${SYSTEM}: ${where}` : SYSTEM;
  };
  const fail = (path: string, problem: string): never => {
    throw new ValidationError(`${field(path)}: ${problem}`);
  };
  const failIssue = (error: z.ZodError, root: unknown, prefix: PropertyKey[] = []): never => {
    const issue = error.issues[0];
    if (!issue) return fail('', 'invalid');
    const { path, problem } = describeIssue(issue, root);
    return fail(formatPath([...prefix, ...path]), problem);
  };

  if (item === null || typeof item !== 'object' || Array.isArray(item)) return fail('', `expected an event object, got ${typeOf(item)}`);
  const parsedEnvelope = Envelope.safeParse(item);
  if (!parsedEnvelope.success) return failIssue(parsedEnvelope.error, item);
  const envelope = parsedEnvelope.data;

  // §3: after the signature, the recipient must be us. A wrong or missing recipient is an authentication failure.
  const recipient = envelope.recipientclientid ?? envelope.recipient_client_id;
  if (recipient !== expected.clientId) {
    throw new InvalidSignatureError(
      recipient
        ? `${field('recipientclientid')}: the event was sent to client id ${JSON.stringify(recipient)}, not to this integration`
        : `${field('recipientclientid')}: missing (also no recipient_client_id); cannot confirm this integration is the recipient`,
    );
  }

  const cloudEvent = envelope.specversion != null;
  const payloadField = cloudEvent || envelope.event === undefined ? 'data' : 'event';
  const payload = payloadField === 'data' ? envelope.data : envelope.event;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return fail(payloadField, payload === undefined ? 'missing; expected the audit event object' : `expected the audit event object, got ${typeOf(payload)}`);
  }
  const parsedData = OcsfAuditEvent.safeParse(payload);
  if (!parsedData.success) return failIssue(parsedData.error, payload, [payloadField]);
  const data = parsedData.data;

  checkOrg(envelope, data, expected.orgId, field, payloadField);

  const id = envelope.id ?? envelope.eventid ?? envelope.event_id ?? data.metadata?.uid;
  if (!id) return fail('id', 'missing (also no eventid, event_id or metadata.uid)');

  const occurredMs = eventTime(envelope, data, payloadField, fail);
  const decision = decideAuditEvent(factsOf(data, occurredMs !== undefined));
  if (decision.kind === 'ignore') return { ignored: { id, reason: decision.reason } };

  const actor = data.actor?.user?.email_addr ?? data.actor?.user?.name ?? undefined;
  const common = {
    id,
    // Never later than receipt: a future time would block every later change in last-writer-wins.
    occurredAt: occurredMs !== undefined ? toIso(notAfterReceipt(occurredMs, context.receivedAt)) : context.receivedAt,
    correlationId: context.correlationId,
    source: 'adobe-io' as const,
    ...(actor ? { actor } : {}),
  };
  const candidate =
    decision.kind === 'delta'
      ? DeltaMessage.safeParse({ kind: 'delta', ...common, change: decision.change, user: decision.user, ...(decision.group ? { group: decision.group } : {}) })
      : HintMessage.safeParse({
          kind: 'hint',
          ...common,
          reason: decision.reason,
          ...(decision.user ? { user: decision.user } : {}),
          ...(decision.group ? { group: decision.group } : {}),
        });
  if (!candidate.success) {
    const issue = candidate.error.issues[0];
    return fail('', `cannot become a work message: ${issue ? `${formatPath(issue.path)}: ${issue.message}` : 'invalid'}`);
  }
  return { message: candidate.data };
}

/** cloud.org.uid, metadata.tenant_uid, subject and source: every one present must name the configured org, and one must be present. */
function checkOrg(envelope: Envelope, data: OcsfAuditEvent, orgId: string, field: (path: string) => string, payloadField: string): void {
  const claims: Array<[string, string]> = [];
  const add = (path: string, value: string | null | undefined, extract: (v: string) => string | undefined): void => {
    if (value) claims.push([path, extract(value) ?? value]);
  };
  add(`${payloadField}.cloud.org.uid`, data.cloud?.org?.uid, (v) => v);
  add(`${payloadField}.metadata.tenant_uid`, data.metadata?.tenant_uid, (v) => v);
  add('subject', envelope.subject, (v) => v);
  add('source', envelope.source, (v) => ORG_ID.exec(v)?.[1]);
  if (claims.length === 0) {
    throw new ValidationError(`${field(`${payloadField}.cloud.org.uid`)}: missing (also no subject or source naming the org); expected "${orgId}"`);
  }
  for (const [path, value] of claims) {
    if (value !== orgId) throw new ValidationError(`${field(path)}: ${JSON.stringify(value)} is not the configured org "${orgId}"`);
  }
}

/** OCSF `time` (ms) is when the change happened; `time_dt` and the envelope `time` are fallbacks. */
function eventTime(
  envelope: Envelope,
  data: OcsfAuditEvent,
  payloadField: string,
  fail: (path: string, problem: string) => never,
): number | undefined {
  const candidates: Array<[string, unknown]> = [
    [`${payloadField}.time`, data.time],
    [`${payloadField}.time_dt`, data.time_dt],
    ['time', envelope.time],
  ];
  let found: number | undefined;
  for (const [path, value] of candidates) {
    if (value === undefined || value === null) continue;
    const ms = parseEventTime(value);
    if (ms === undefined) fail(path, `expected epoch milliseconds or an RFC 3339 time, e.g. "1732021086000" or "2024-11-19T12:58:06Z", got ${JSON.stringify(value)}`);
    found ??= ms;
  }
  return found;
}
