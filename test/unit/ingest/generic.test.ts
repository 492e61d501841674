import { describe, expect, it } from 'vitest';
import { ConfigError, InvalidSignatureError, ValidationError } from '../../../lib/errors.js';
import { genericSignatureOf, parseGenericDelivery, verifyGenericSignature } from '../../../lib/ingest/generic.js';
import { genericChange, genericHeaders, TEST_ORG_ID } from '../../support/io-events.js';

const SECRET = 'generic-test-secret-0123456789abcdef';
const NOW_S = 1795428000;
const NOW_MS = NOW_S * 1000;
const TOLERANCE = 300;

const signed = (body: string, options: { secret?: string; timestamp?: number } = {}) => ({
  headers: genericHeaders(body, options.secret ?? SECRET, options.timestamp ?? NOW_S),
  rawBody: Buffer.from(body, 'utf8'),
});

describe('verifyGenericSignature', () => {
  const body = JSON.stringify(genericChange());

  it('accepts a body signed with the shared secret', () => {
    expect(() => verifyGenericSignature(signed(body), SECRET, NOW_MS, TOLERANCE)).not.toThrow();
  });

  it('signs "<timestamp>.<raw body>" with HMAC-SHA256, as documented', () => {
    // Computed independently: printf '%s' '1795428000.{}' | openssl dgst -sha256 -hmac k
    expect(genericSignatureOf('k', '1795428000', Buffer.from('{}'))).toBe('9e729b380deb00b1d47a467eed7c9bf0d0eb66c8974feb1d1bccc9f36a6fde45');
  });

  it('refuses a body signed with another secret', () => {
    expect(() => verifyGenericSignature(signed(body, { secret: 'another-secret' }), SECRET, NOW_MS, TOLERANCE)).toThrow(
      'generic webhook: signature does not match (wrong secret, or the body or timestamp was changed)',
    );
  });

  it('refuses a body changed after signing', () => {
    const request = { ...signed(body), rawBody: Buffer.from(body.replace('jane', 'mallory')) };
    expect(() => verifyGenericSignature(request, SECRET, NOW_MS, TOLERANCE)).toThrow(InvalidSignatureError);
  });

  it('refuses a timestamp changed after signing (it is part of the HMAC input)', () => {
    const request = signed(body);
    const moved = { ...request, headers: { ...request.headers, 'x-ims-sync-timestamp': String(NOW_S + 1) } };
    expect(() => verifyGenericSignature(moved, SECRET, NOW_MS, TOLERANCE)).toThrow(/signature does not match/);
  });

  it('accepts a timestamp at the edge of the tolerance, and refuses one second beyond, either way', () => {
    expect(() => verifyGenericSignature(signed(body, { timestamp: NOW_S - 300 }), SECRET, NOW_MS, TOLERANCE)).not.toThrow();
    expect(() => verifyGenericSignature(signed(body, { timestamp: NOW_S + 300 }), SECRET, NOW_MS, TOLERANCE)).not.toThrow();
    expect(() => verifyGenericSignature(signed(body, { timestamp: NOW_S - 301 }), SECRET, NOW_MS, TOLERANCE)).toThrow(
      'generic webhook: x-ims-sync-timestamp is 301 s in the past; allowed ±300 s (a replay, or the sender\'s clock is off)',
    );
    expect(() => verifyGenericSignature(signed(body, { timestamp: NOW_S + 301 }), SECRET, NOW_MS, TOLERANCE)).toThrow(
      'generic webhook: x-ims-sync-timestamp is 301 s in the future; allowed ±300 s (a replay, or the sender\'s clock is off)',
    );
  });

  it('compares in constant time: a near miss and a far miss fail the same way, and wrong lengths never reach the comparison', () => {
    const request = signed(body);
    const good = request.headers['x-ims-sync-signature']?.slice('sha256='.length) ?? '';
    const flip = (hex: string, at: number) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
    const attempt = (signature: string) => () =>
      verifyGenericSignature({ ...request, headers: { ...request.headers, 'x-ims-sync-signature': signature } }, SECRET, NOW_MS, TOLERANCE);

    expect(attempt(`sha256=${flip(good, 0)}`)).toThrow(/signature does not match/);
    expect(attempt(`sha256=${flip(good, 63)}`)).toThrow(/signature does not match/);
    // timingSafeEqual throws a RangeError on unequal lengths; the format check must catch these first.
    for (const bad of [`sha256=${good.slice(0, 62)}`, `sha256=${good}00`, good, `sha1=${good}`, 'sha256=']) {
      expect(attempt(bad)).toThrow('generic webhook: x-ims-sync-signature must be "sha256=" followed by 64 hex digits');
    }
    expect(attempt(`sha256=${good.toUpperCase()}`)).not.toThrow();
  });

  it('refuses missing or malformed headers, naming them', () => {
    const request = signed(body);
    const without = (name: string) => ({ ...request, headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => k !== name)) });
    expect(() => verifyGenericSignature(without('x-ims-sync-signature'), SECRET, NOW_MS, TOLERANCE)).toThrow(
      'generic webhook: missing x-ims-sync-signature header, e.g. "sha256=<64 hex digits>"',
    );
    expect(() => verifyGenericSignature(without('x-ims-sync-timestamp'), SECRET, NOW_MS, TOLERANCE)).toThrow(
      'generic webhook: x-ims-sync-timestamp must be unix seconds, e.g. "1795428000"',
    );
    const millis = { ...request, headers: { ...request.headers, 'x-ims-sync-timestamp': '2026-11-23T10:00:00Z' } };
    expect(() => verifyGenericSignature(millis, SECRET, NOW_MS, TOLERANCE)).toThrow(InvalidSignatureError);
  });

  it('refuses to verify with an empty secret (anyone could sign)', () => {
    expect(() => verifyGenericSignature(signed(body, { secret: '' }), '', NOW_MS, TOLERANCE)).toThrow(ConfigError);
  });

  it('refuses a secret shorter than 32 characters, says how to make one, and never echoes it', () => {
    const short = 'hunter2-short-secret-31-chars-x';
    expect(short).toHaveLength(31);
    let thrown: unknown;
    try {
      verifyGenericSignature(signed(body, { secret: short }), short, NOW_MS, TOLERANCE);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toContain('openssl rand -hex 32');
    expect((thrown as Error).message).not.toContain('hunter2');
    const exactly32 = 'x'.repeat(32);
    expect(() => verifyGenericSignature(signed(body, { secret: exactly32 }), exactly32, NOW_MS, TOLERANCE)).not.toThrow();
  });
});

/** Received an hour after the sample times, so only the clamp test sees a time in the future. */
const RECEIVED_AT = '2026-11-23T11:00:00.000Z';
/** A work id of the sender's change `id`: `<sender id>#<content hash>` (lib/ingest/work-id.ts). */
const workIdFrom = (id: string) => expect.stringMatching(new RegExp(`^${id}#[0-9a-f]{24}$`));
const parse = (value: unknown, receivedAt = RECEIVED_AT) =>
  parseGenericDelivery(Buffer.from(JSON.stringify(value)), TEST_ORG_ID, { correlationId: 'corr-g', receivedAt });

describe('parseGenericDelivery', () => {
  it('maps membership.added and membership.removed to deltas with the group', () => {
    const { messages, ignored } = parse([
      genericChange({ id: 'c1', type: 'membership.added' }),
      genericChange({ id: 'c2', type: 'membership.removed', occurredAt: '2026-11-23T11:00:00+01:00', user: { email: 'omar@acme.com' } }),
    ]);
    expect(ignored).toEqual([]);
    expect(messages).toEqual([
      { kind: 'delta', id: workIdFrom('c1'), occurredAt: '2026-11-23T10:00:00.000Z', correlationId: 'corr-g', source: 'generic', change: 'membership.added', user: { email: 'jane@acme.com', id: 'A1000001@AdobeID' }, group: 'AEM-Authors' },
      { kind: 'delta', id: workIdFrom('c2'), occurredAt: '2026-11-23T10:00:00.000Z', correlationId: 'corr-g', source: 'generic', change: 'membership.removed', user: { email: 'omar@acme.com' }, group: 'AEM-Authors' },
    ]);
  });

  it('maps user.removed to a delta without group, and user.changed to a hint', () => {
    const { messages } = parse([
      genericChange({ id: 'c3', type: 'user.removed', group: undefined }),
      genericChange({ id: 'c4', type: 'user.changed', group: undefined }),
    ]);
    expect(messages).toEqual([
      { kind: 'delta', id: workIdFrom('c3'), occurredAt: '2026-11-23T10:00:00.000Z', correlationId: 'corr-g', source: 'generic', change: 'user.removed', user: { email: 'jane@acme.com', id: 'A1000001@AdobeID' } },
      { kind: 'hint', id: workIdFrom('c4'), occurredAt: '2026-11-23T10:00:00.000Z', correlationId: 'corr-g', source: 'generic', user: { email: 'jane@acme.com', id: 'A1000001@AdobeID' }, reason: 'generic user.changed' },
    ]);
  });

  it('clamps an occurredAt later than receipt to the time of receipt (a future time would win every later change)', () => {
    const { messages } = parse([
      genericChange({ id: 'future', occurredAt: '2099-01-01T00:00:00Z' }),
      genericChange({ id: 'past', occurredAt: '2026-11-23T10:59:59Z' }),
    ]);
    expect(messages.map((m) => m.occurredAt)).toEqual([RECEIVED_AT, '2026-11-23T10:59:59.000Z']);
  });

  it('accepts a single change object as well as an array', () => {
    expect(parse(genericChange()).messages).toHaveLength(1);
  });

  it('accepts 100 changes and refuses 101', () => {
    const changes = (n: number) => Array.from({ length: n }, (_, i) => genericChange({ id: `c-${i}` }));
    expect(parse(changes(100)).messages).toHaveLength(100);
    expect(() => parse(changes(101))).toThrow(new ValidationError('body: at most 100 changes per request, got 101; split the array'));
  });

  const exact = (value: unknown, message: string) => {
    let thrown: unknown;
    try {
      parse(value);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as Error).message).toBe(message);
  };

  it.each<[string, unknown, string]>([
    ['a bad time, by index', [genericChange({ id: 'c0' }), genericChange({ id: 'c1' }), genericChange({ id: 'c2' }), genericChange({ id: 'c3', occurredAt: '23/11/2026 10:00' })], '[3].occurredAt: expected an RFC 3339 time, e.g. "2026-11-23T10:00:00Z"'],
    ['a time without offset', genericChange({ occurredAt: '2026-11-23T10:00:00' }), 'occurredAt: expected an RFC 3339 time, e.g. "2026-11-23T10:00:00Z"'],
    ['a missing time', [genericChange({ occurredAt: undefined })], '[0].occurredAt: missing; expected an RFC 3339 time, e.g. "2026-11-23T10:00:00Z"'],
    ['an unknown type', [genericChange({ type: 'membership.changed' })], '[0].type: expected one of "membership.added", "membership.removed", "user.removed", "user.changed"'],
    ['a bad email', [genericChange({ user: { email: 'jane' } })], '[0].user.email: expected an email address, e.g. "jane@acme.com"'],
    ['a missing user', [genericChange({ user: undefined })], '[0].user: missing; expected an object, e.g. {"email": "jane@acme.com"}'],
    ['an empty user id', [genericChange({ user: { email: 'jane@acme.com', id: '' } })], '[0].user.id: expected the IMS user id, 1 to 128 characters, e.g. "A1000001@AdobeID"'],
    ['an empty id', [genericChange({ id: '' })], '[0].id: expected a unique id of 1 to 128 characters, e.g. "chg-2026-11-23-0001"'],
    ['a too-long id', [genericChange({ id: 'x'.repeat(129) })], '[0].id: expected a unique id of 1 to 128 characters, e.g. "chg-2026-11-23-0001"'],
    ['a malformed org id', [genericChange({ orgId: 'ACME' })], '[0].orgId: expected an org id, e.g. "A495E53A5C1B1FFC0A495E53@AdobeOrg"'],
    ['another org', [genericChange({ orgId: 'OTHER0000000000000000000@AdobeOrg' })], `[0].orgId: "OTHER0000000000000000000@AdobeOrg" is not the org this deployment syncs ("${TEST_ORG_ID}")`],
    ['a membership change without group', [genericChange({ group: undefined })], '[0].group: required for membership.added; expected a user group or product profile name of 1 to 256 characters, e.g. "AEM-Authors"'],
    ['user.removed with a group', [genericChange({ type: 'user.removed' })], '[0].group: not allowed for user.removed (the user leaves every group); send membership.removed for one group'],
    ['an unknown field', [genericChange({ groups: ['a'] })], '[0].groups: unknown field; expected only id, orgId, occurredAt, type, user, group'],
    ['an unknown user field', [genericChange({ user: { email: 'jane@acme.com', name: 'Jane' } })], '[0].user.name: unknown field; expected only id, email'],
    ['an element that is not an object', [genericChange(), 'jane@acme.com'], '[1]: expected a change object, e.g. {"id": "chg-1", "orgId": "…@AdobeOrg", "occurredAt": "2026-11-23T10:00:00Z", "type": "membership.added", "user": {"email": "jane@acme.com"}, "group": "AEM-Authors"}, got string'],
    ['an empty array', [], 'body: expected at least one change'],
    ['two problems at once', [genericChange({ id: '' }), genericChange({ type: 'x' })], '[0].id: expected a unique id of 1 to 128 characters, e.g. "chg-2026-11-23-0001"; [1].type: expected one of "membership.added", "membership.removed", "user.removed", "user.changed"'],
  ])('refuses %s with an exact message', (_name, value, message) => {
    exact(value, message);
  });

  it('refuses a batch that uses one id twice, naming both indexes (the queue would drop the second change)', () => {
    exact(
      [genericChange({ id: 'a' }), genericChange({ id: 'dup' }), genericChange({ id: 'dup', type: 'membership.removed' })],
      '[2].id: "dup" is also the id of [1]; every change in a request needs its own id',
    );
  });

  it('refuses a body that is not JSON', () => {
    expect(() => parseGenericDelivery(Buffer.from('id=1'), TEST_ORG_ID, { correlationId: 'c', receivedAt: RECEIVED_AT })).toThrow(
      new ValidationError('body: expected JSON, one change object or an array of up to 100'),
    );
  });

  it('reports at most 10 problems and counts the rest', () => {
    const many = Array.from({ length: 12 }, (_, i) => genericChange({ id: `c${i}`, type: 'nope' }));
    expect(() => parse(many)).toThrow(/\[9\]\.type: .*; and 2 more$/);
  });
});
