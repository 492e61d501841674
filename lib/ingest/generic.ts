/**
 * The generic signed webhook, our own format (contracts/io-events.md §6), for IdPs, SCIM bridges or
 * User Sync Tool runs that post changes directly.
 *
 * Signature: `x-ims-sync-signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` and
 * `x-ims-sync-timestamp: <unix seconds>`, within ±tolerance of our clock (replay protection).
 * Body: one change or an array of 1..100, closed schema; every error names the index and the field.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { DeltaMessage, HintMessage, type WorkMessage } from '../domain/messages.js';
import { ConfigError, InvalidSignatureError, ValidationError } from '../errors.js';
import { formatPath, parseJson, typeOf, valueAt } from './issues.js';
import type { IngestResult } from './result.js';
import { notAfterReceipt, toIso } from './time.js';
import { workIdOf } from './work-id.js';

export const SIGNATURE_HEADER = 'x-ims-sync-signature';
export const TIMESTAMP_HEADER = 'x-ims-sync-timestamp';
export const MAX_CHANGES_PER_REQUEST = 100;

/** Shortest shared secret we verify with (contracts/io-events.md §6); `openssl rand -hex 32` gives 64. */
export const MIN_SECRET_LENGTH = 32;

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** HMAC input: the timestamp, a dot, then the raw body bytes exactly as received. */
export function genericSignatureOf(secret: string, timestamp: string, rawBody: Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(rawBody).digest('hex');
}

/** Throws InvalidSignatureError unless the request is signed with `secret` within ±`toleranceSeconds` of `nowMs`. */
export function verifyGenericSignature(
  req: { readonly headers: Readonly<Record<string, string>>; readonly rawBody: Buffer },
  secret: string,
  nowMs: number,
  toleranceSeconds: number,
): void {
  // A short secret can be guessed offline from one captured request. Say how long it is, never what it is.
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new ConfigError([
      `webhooks.generic.secret: resolved to ${secret.length} characters; at least ${MIN_SECRET_LENGTH} are required — make one with \`openssl rand -hex 32\``,
    ]);
  }
  const signatureHeader = req.headers[SIGNATURE_HEADER]?.trim();
  const timestamp = req.headers[TIMESTAMP_HEADER]?.trim();
  if (signatureHeader === undefined) throw new InvalidSignatureError(`generic webhook: missing ${SIGNATURE_HEADER} header, e.g. "sha256=<64 hex digits>"`);
  if (timestamp === undefined || !UNIX_SECONDS.test(timestamp)) {
    throw new InvalidSignatureError(`generic webhook: ${TIMESTAMP_HEADER} must be unix seconds, e.g. "1795428000"`);
  }
  const given = SIGNATURE.exec(signatureHeader)?.[1];
  if (given === undefined) throw new InvalidSignatureError(`generic webhook: ${SIGNATURE_HEADER} must be "sha256=" followed by 64 hex digits`);

  // Both sides are 32 bytes here (the format was checked above), so timingSafeEqual never throws and
  // the comparison time does not depend on how many leading bytes match.
  const expected = Buffer.from(genericSignatureOf(secret, timestamp, req.rawBody), 'hex');
  if (!timingSafeEqual(Buffer.from(given, 'hex'), expected)) {
    throw new InvalidSignatureError('generic webhook: signature does not match (wrong secret, or the body or timestamp was changed)');
  }
  const skewSeconds = Math.round((nowMs - Number(timestamp) * 1000) / 1000);
  if (Math.abs(skewSeconds) > toleranceSeconds) {
    throw new InvalidSignatureError(
      `generic webhook: ${TIMESTAMP_HEADER} is ${Math.abs(skewSeconds)} s ${skewSeconds > 0 ? 'in the past' : 'in the future'}; allowed ±${toleranceSeconds} s (a replay, or the sender's clock is off)`,
    );
  }
}

const CHANGE_TYPES = ['membership.added', 'membership.removed', 'user.removed', 'user.changed'] as const;
const CHANGE_FIELDS = ['id', 'orgId', 'occurredAt', 'type', 'user', 'group'];
const USER_FIELDS = ['id', 'email'];

/** What each field must be, as the sender is told. Keys are field paths without the index. */
const EXPECTED: Record<string, string> = {
  '': 'expected a change object, e.g. {"id": "chg-1", "orgId": "…@AdobeOrg", "occurredAt": "2026-11-23T10:00:00Z", "type": "membership.added", "user": {"email": "jane@acme.com"}, "group": "AEM-Authors"}',
  id: 'expected a unique id of 1 to 128 characters, e.g. "chg-2026-11-23-0001"',
  orgId: 'expected an org id, e.g. "A495E53A5C1B1FFC0A495E53@AdobeOrg"',
  occurredAt: 'expected an RFC 3339 time, e.g. "2026-11-23T10:00:00Z"',
  type: `expected one of ${CHANGE_TYPES.map((t) => `"${t}"`).join(', ')}`,
  user: 'expected an object, e.g. {"email": "jane@acme.com"}',
  'user.email': 'expected an email address, e.g. "jane@acme.com"',
  'user.id': 'expected the IMS user id, 1 to 128 characters, e.g. "A1000001@AdobeID"',
  group: 'expected a user group or product profile name of 1 to 256 characters, e.g. "AEM-Authors"',
};

const UserInput = z.strictObject({
  id: z.string().min(1).max(128).optional(),
  email: z.string().max(320).regex(/^[^\s@]+@[^\s@]+$/),
});

const ChangeInput = z
  .strictObject({
    id: z.string().min(1).max(128),
    orgId: z.string().regex(/^[A-Za-z0-9]+@AdobeOrg$/),
    occurredAt: z.iso.datetime({ offset: true }),
    type: z.enum(CHANGE_TYPES),
    user: UserInput,
    group: z.string().min(1).max(256).optional(),
  })
  .superRefine((change, ctx) => {
    if (change.type.startsWith('membership.') && change.group === undefined) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: `required for ${change.type}; ${EXPECTED['group']}` });
    }
    if (change.type === 'user.removed' && change.group !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['group'], message: 'not allowed for user.removed (the user leaves every group); send membership.removed for one group' });
    }
  });
type ChangeInput = z.infer<typeof ChangeInput>;

const MAX_REPORTED_ISSUES = 10;

export interface GenericContext {
  readonly correlationId: string;
  /** When the webhook received the request (ISO 8601): no event time may be later. */
  readonly receivedAt: string;
}

/** Parse a verified generic delivery into work messages. Throws ValidationError naming `[index].field`. */
export function parseGenericDelivery(rawBody: Buffer, expectedOrgId: string, context: GenericContext): IngestResult {
  const json = parseJson(rawBody);
  if (!json.ok) throw new ValidationError('body: expected JSON, one change object or an array of up to 100');
  const batch = Array.isArray(json.value);
  const items: unknown[] = Array.isArray(json.value) ? json.value : [json.value];
  if (batch && items.length === 0) throw new ValidationError('body: expected at least one change');
  if (items.length > MAX_CHANGES_PER_REQUEST) {
    throw new ValidationError(`body: at most ${MAX_CHANGES_PER_REQUEST} changes per request, got ${items.length}; split the array`);
  }

  const problems: string[] = [];
  const changes: ChangeInput[] = [];
  /** id → first index: the queue deduplicates on the id, so a repeated id would silently drop a change. */
  const firstIndexOf = new Map<string, number>();
  items.forEach((item, index) => {
    const prefix: PropertyKey[] = batch ? [index] : [];
    const parsed = ChangeInput.safeParse(item);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(...explain(issue, item, prefix));
      return;
    }
    if (parsed.data.orgId !== expectedOrgId) {
      problems.push(`${formatPath([...prefix, 'orgId'])}: "${parsed.data.orgId}" is not the org this deployment syncs ("${expectedOrgId}")`);
      return;
    }
    const first = firstIndexOf.get(parsed.data.id);
    if (first !== undefined) {
      problems.push(`[${index}].id: "${parsed.data.id}" is also the id of [${first}]; every change in a request needs its own id`);
      return;
    }
    firstIndexOf.set(parsed.data.id, index);
    changes.push(parsed.data);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED_ISSUES);
    const more = problems.length - shown.length;
    throw new ValidationError(shown.join('; ') + (more > 0 ? `; and ${more} more` : ''));
  }
  return { messages: changes.map((change) => toMessage(change, context)), ignored: [], skipped: [] };
}

function explain(issue: z.core.$ZodIssue, item: unknown, prefix: readonly PropertyKey[]): string[] {
  const at = (path: readonly PropertyKey[]): string => formatPath([...prefix, ...path]) || 'body';
  if (issue.code === 'unrecognized_keys') {
    const allowed = issue.path.length === 0 ? CHANGE_FIELDS : USER_FIELDS;
    return issue.keys.map((key) => `${at([...issue.path, key])}: unknown field; expected only ${allowed.join(', ')}`);
  }
  if (issue.code === 'custom') return [`${at(issue.path)}: ${issue.message}`];
  const key = issue.path.filter((p): p is string => typeof p === 'string').join('.');
  const expectation = EXPECTED[key] ?? issue.message;
  const value = valueAt(item, issue.path);
  if (value === undefined && issue.path.length > 0) return [`${at(issue.path)}: missing; ${expectation}`];
  if (issue.path.length === 0) return [`${at([])}: ${expectation}, got ${typeOf(value)}`];
  return [`${at(issue.path)}: ${expectation}`];
}

function toMessage(change: ChangeInput, context: GenericContext): WorkMessage {
  const senderTimeMs = Date.parse(change.occurredAt);
  const common = {
    // Keyed on the content, not the id alone: a reused id with another body is other work (work-id.ts).
    id: workIdOf('generic', change.id, { type: change.type, user: change.user, group: change.group, senderTimeMs }),
    // Normalised to UTC so last-writer-wins never compares strings with different offsets, and never
    // later than receipt so a future time cannot block every later change for the user.
    occurredAt: toIso(notAfterReceipt(senderTimeMs, context.receivedAt)),
    correlationId: context.correlationId,
    source: 'generic' as const,
  };
  const user = { email: change.user.email, ...(change.user.id ? { id: change.user.id } : {}) };
  if (change.type === 'user.changed') {
    return HintMessage.parse({ kind: 'hint', ...common, user, ...(change.group ? { group: change.group } : {}), reason: 'generic user.changed' });
  }
  return DeltaMessage.parse({ kind: 'delta', ...common, change: change.type, user, ...(change.group ? { group: change.group } : {}) });
}
