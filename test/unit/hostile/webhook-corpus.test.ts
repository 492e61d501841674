/**
 * Hostile webhook requests (issue 9 §3), through the webhook door with the real verifiers, parsers
 * and key cache (fetching over HTTP from a local key server) and a recording queue. Every request
 * gets a 2xx or a 4xx with a message saying what is wrong — never a crash, never a 5xx — and nothing
 * that did not verify is ever enqueued.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { WorkMessage } from '../../../lib/domain/messages.js';
import { auditCloudEvent, FIXED_TEST_KEYS, genericChange, httpApiEvent, ioEventsHeaders, signIoEvents, TEST_CLIENT_ID } from '../../support/io-events.js';
import { useDoorWorld } from '../../support/webhook-door.js';

const world = useDoorWorld();

const event = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({ ...auditCloudEvent({ eventCode: 'USER_GROUP_REMOVE_USER:USER_GROUP' }), ...overrides });
const json = (value: unknown): string => JSON.stringify(value);
/** ~100 000 levels of nesting in well under webhooks.maxBodyBytes (1 MB). */
const deeplyNested = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const deepData = (depth: number): string => json(event()).replace('"data":{', `"data":{"nested":${deeplyNested(depth)},`);

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function send(request: APIGatewayProxyEventV2): Promise<Answer> {
  const response: APIGatewayProxyStructuredResultV2 = await world.handler(request);
  const status = response.statusCode ?? 0;
  // Every answer is JSON; a 4xx says what is wrong in one readable sentence, never a stack.
  const body = JSON.parse(response.body ?? 'null') as Record<string, unknown>;
  expect(status >= 200 && status < 500, `status ${status}: ${response.body}`).toBe(true);
  if (status >= 400) {
    expect(typeof body['error']).toBe('string');
    expect(String(body['error']).length).toBeGreaterThan(10);
    expect(String(body['error'])).not.toMatch(/\n\s+at |TypeError|RangeError|undefined is not/);
  }
  return { status, body };
}

/** Unverified: refused, nothing queued. */
async function refused(request: APIGatewayProxyEventV2, status: number, message: string | RegExp): Promise<void> {
  const answer = await send(request);
  expect(answer.status).toBe(status);
  expect(String(answer.body['error'])).toMatch(message);
  expect(world.queue.sent).toEqual([]);
}

/** Signature headers of `body` with one changed header value (the other signature removed). */
function signedWith(body: string, change: (headers: Record<string, string>) => void): APIGatewayProxyEventV2 {
  const request = world.adobeIo(body);
  delete request.headers['x-adobe-digital-signature-2'];
  delete request.headers['x-adobe-public-key2-path'];
  change(request.headers as Record<string, string>);
  return request;
}

describe('Adobe I/O Events door: requests that do not verify', () => {
  it.each([
    ['no signature at all', (h: Record<string, string>) => delete h['x-adobe-digital-signature-1'], /no x-adobe-digital-signature-1 or x-adobe-digital-signature-2/],
    ['only the retired x-adobe-signature HMAC', (h: Record<string, string>) => {
      delete h['x-adobe-digital-signature-1'];
      h['x-adobe-signature'] = 'c2lnbmF0dXJl';
    }, /retired in 2022/],
    ['an empty signature', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = ''), /not base64/],
    ['url-safe base64', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = (h['x-adobe-digital-signature-1'] ?? '').replace(/\+/g, '-').replace(/\//g, '_') + '-_'), /not base64/],
    ['a newline inside the base64', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = (h['x-adobe-digital-signature-1'] ?? '').replace(/^(.{20})/, '$1\n')), /not base64/],
    ['three padding characters', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = `${(h['x-adobe-digital-signature-1'] ?? '').replace(/=+$/, '')}===`), /not base64/],
    ['a truncated signature', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = (h['x-adobe-digital-signature-1'] ?? '').slice(0, 100)), /does not match/],
    ['a signature repeated, as a proxy joins a repeated header', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = `${h['x-adobe-digital-signature-1']}, ${h['x-adobe-digital-signature-1']}`), /not base64/],
    ['a signature of another body', (h: Record<string, string>) => (h['x-adobe-digital-signature-1'] = signIoEvents('{}', world.keys[0])), /does not match/],
    ['no key path', (h: Record<string, string>) => delete h['x-adobe-public-key1-path'], /missing x-adobe-public-key1-path/],
  ])('refuses %s with 401', async (_name, change, message) => {
    await refused(signedWith(json(event()), change), 401, message);
  });

  it('refuses a body signed by a key the key host does not serve (a forger\'s own key) with 401', async () => {
    const forger = { ...FIXED_TEST_KEYS[0], keyPath: world.keys[0].keyPath };
    await refused(world.adobeIo(json(event()), { keys: [forger, { ...FIXED_TEST_KEYS[1], keyPath: world.keys[1].keyPath }] }), 401, /does not match the body/);
  });

  it.each([
    ['on another host', 'https://evil.example.com/prod/keys/pub-key-0123456789.pem'],
    ['protocol-relative, on another host', '//evil.example.com/prod/keys/pub-key-0123456789.pem'],
    ['with ../', '/prod/keys/../../secrets/pub-key-0123456789.pem'],
    ['with an encoded ..', '/prod/keys/pub-key-%2e%2e%2f%2e%2e%2fx1234567.pem'],
    ['with an encoded slash', '/prod/keys/pub-key-abc%2Fdefghij.pem'],
    ['with a user-info host trick', '/prod/keys/pub-key-abcdefgh@evil.example.com.pem'],
    ['with a backslash', '/prod/keys\\..\\pub-key-abcdefgh.pem'],
    ['from the stage keys', '/stage/keys/pub-key-0123456789.pem'],
    ['with a query string', '/prod/keys/pub-key-0123456789.pem?x=/etc/passwd'],
    ['with a unicode dot', '/prod/keys/pub-key-abcdefgh\u2024pem'],
  ])('refuses a key path %s with 401, without fetching anything', async (_name, keyPath) => {
    const fetchesBefore = world.keyServer.keyRequests();
    await refused(signedWith(json(event()), (h) => (h['x-adobe-public-key1-path'] = keyPath)), 401, /does not have the documented shape/);
    expect(world.keyServer.keyRequests()).toBe(fetchesBefore);
  });

  it.each([
    ['another client id', { recipientclientid: 'someone-else', recipient_client_id: 'someone-else' }, /not to this integration/],
    ['a look-alike client id (Cyrillic о)', { recipientclientid: TEST_CLIENT_ID.replace('o', '\u043e'), recipient_client_id: undefined }, /not to this integration/],
    ['our client id with a zero-width space', { recipientclientid: `${TEST_CLIENT_ID}\u200b`, recipient_client_id: undefined }, /not to this integration/],
    ['our id in one spelling and another in the other', { recipientclientid: TEST_CLIENT_ID, recipient_client_id: 'someone-else' }, /not to this integration/],
    ['no recipient', { recipientclientid: undefined, recipient_client_id: undefined }, /cannot confirm this integration is the recipient/],
    ['a recipient of the wrong type', { recipientclientid: [TEST_CLIENT_ID], recipient_client_id: undefined }, /not to this integration/],
  ])('refuses an authentic delivery for %s with 401', async (_name, overrides, message) => {
    await refused(world.adobeIo(json(event(overrides))), 401, message);
  });

  it('refuses an unsigned validation request with 401 and does not log its URL', async () => {
    const request = world.adobeIo(json({ validationUrl: 'https://csm.adobe.io/csm/registrations/validate?id=1&challenge=2' }));
    delete request.headers['x-adobe-digital-signature-1'];
    delete request.headers['x-adobe-digital-signature-2'];
    await refused(request, 401, /digital-signature/);
    expect(JSON.stringify(world.log.lines)).not.toContain('csm.adobe.io');
  });

  it('refuses a body over webhooks.maxBodyBytes with 413 before verifying it', async () => {
    const fetchesBefore = world.keyServer.keyRequests();
    await refused(world.adobeIo(json({ ...event(), padding: 'x'.repeat(1_100_000) })), 413, /above the limit of 1000000 \(webhooks.maxBodyBytes\)/);
    expect(world.keyServer.keyRequests()).toBe(fetchesBefore);
  });
});

describe('Adobe I/O Events door: authentic but hostile bodies', () => {
  it.each([
    ['malformed JSON', '{"specversion": "1.0",', 400, /body is not JSON/],
    ['a byte-order mark before the JSON', `\ufeff${json(event())}`, 400, /body is not JSON/],
    ['a JSON string', '"USER_REMOVE"', 400, /expected an event object or a JSON array of events, got string/],
    ['null', 'null', 400, /got null/],
    ['a deeply nested array as the body', deeplyNested(100_000), 401, /cannot confirm this integration is the recipient|no event names this integration/],
  ])('answers %s with %i and queues nothing', async (_name, body, status, message) => {
    await refused(world.adobeIo(body), status, message);
  });

  it('skips an event carrying a deeply nested value it does not read, and queues the rest of it', async () => {
    const answer = await send(world.adobeIo(deepData(100_000)));

    expect(answer.status).toBe(200);
    expect(world.queue.sent).toMatchObject([{ kind: 'delta', change: 'membership.removed' }]);
  });

  it('answers 200 to fields of the wrong type and queues only what can be read, as hints', async () => {
    const batch = [
      event({ id: 'evt-types-1', data: { ...(event()['data'] as object), user: 'rita@acme.com' } }),
      event({ id: 'evt-types-2', time: { $date: 1 }, specversion: 1, subject: ['x'], source: 42 }),
      event({ id: 'evt-types-3', data: [] }),
      event({ id: 'evt-types-4', data: { ...(event()['data'] as object), metadata: 'USER_REMOVE', entity: { name: 7, type: 'User Group' } } }),
    ];

    const answer = await send(world.adobeIo(json(batch)));

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ accepted: 3, ignored: 0, skipped: 1 });
    expect(world.queue.sent.map((m) => m.kind)).toEqual(['hint', 'hint', 'hint']);
    expect(world.queue.sent.every((m) => WorkMessage.safeParse(m).success)).toBe(true);
  });

  it('carries unicode tricks through as data, never as control', async () => {
    const tricky = ['AEM-Authors\u202e', '../../etc/passwd', '%2e%2e%2f', "' or 1=1 or '", ']]><!ENTITY x SYSTEM "file:///etc/passwd">', 'a\u0000b', 'line\nbreak', '\ud800lone'];
    const batch = tricky.map((name, i) => event({ id: `evt-uni-${i}`, data: { ...(event()['data'] as object), entity: { name, type: 'User Group' } } }));

    const answer = await send(world.adobeIo(json(batch)));

    expect(answer.status).toBe(200);
    expect(world.queue.sent.map((m) => (m.kind === 'reconcile' ? undefined : m.group))).toEqual(tricky);
  });

  it('verifies invalid UTF-8 over the raw bytes (handed over base64-encoded) and reads the rest of the event', async () => {
    const [before, after] = json(event()).split('Informational');
    // 0xC0 0xAF is an overlong "/", 0xFF is never UTF-8: both must reach the verifier untouched.
    const raw = Buffer.concat([Buffer.from(before ?? '', 'utf8'), Buffer.from([0xc0, 0xaf, 0xff]), Buffer.from(after ?? '', 'utf8')]);
    const [key1, key2] = world.keys;
    const headers = ioEventsHeaders(raw, { key1, key2 });

    const answer = await send({ ...httpApiEvent({ method: 'POST', path: '/webhooks/adobe-io', headers, body: '' }), body: raw.toString('base64'), isBase64Encoded: true });

    expect(answer.status).toBe(200);
    expect(world.queue.sent).toMatchObject([{ kind: 'delta', change: 'membership.removed', group: 'AEM-Authors' }]);
  });

  it('queues a batch of 150 events, every one of them', async () => {
    const batch = Array.from({ length: 150 }, (_, i) => auditCloudEvent({ id: `evt-many-${i}`, eventCode: 'USER_REMOVE', user: { email_addr: `user${i}@acme.com` }, entity: null }));

    const answer = await send(world.adobeIo(json(batch)));

    expect(answer).toMatchObject({ status: 200, body: { accepted: 150, skipped: 0 } });
    expect(new Set(world.queue.sent.map((m) => m.id)).size).toBe(150);
  });

  it('accepts signature header names in any case (HTTP header names are case-insensitive)', async () => {
    const request = world.adobeIo(json(event()));
    const upper = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()), v]));

    const answer = await send({ ...request, headers: upper });

    expect(answer.status).toBe(200);
    expect(world.queue.sent).toHaveLength(1);
  });

  it('gives a replayed delivery the same work id, so the queue and the worker apply it once', async () => {
    const request = world.adobeIo(json(event()));

    await send(request);
    await send(request);

    expect(world.queue.sent).toHaveLength(2);
    expect(world.queue.sent[0]?.id).toBe(world.queue.sent[1]?.id);
  });
});

describe('generic door: hostile requests', () => {
  const body = json([genericChange()]);

  it.each([
    ['no signature', (r: APIGatewayProxyEventV2) => delete r.headers['x-ims-sync-signature'], /missing x-ims-sync-signature/],
    ['no timestamp', (r: APIGatewayProxyEventV2) => delete r.headers['x-ims-sync-timestamp'], /x-ims-sync-timestamp must be unix seconds/],
    ['a negative timestamp', (r: APIGatewayProxyEventV2) => (r.headers['x-ims-sync-timestamp'] = '-1'), /must be unix seconds/],
    ['a fractional timestamp', (r: APIGatewayProxyEventV2) => (r.headers['x-ims-sync-timestamp'] = '1795428000.5'), /must be unix seconds/],
    ['a signature without its sha256= prefix', (r: APIGatewayProxyEventV2) => (r.headers['x-ims-sync-signature'] = (r.headers['x-ims-sync-signature'] ?? '').slice(7)), /must be "sha256=" followed by 64 hex digits/],
    ['a base64 signature', (r: APIGatewayProxyEventV2) => (r.headers['x-ims-sync-signature'] = `sha256=${Buffer.from((r.headers['x-ims-sync-signature'] ?? '').slice(7), 'hex').toString('base64')}`), /64 hex digits/],
    ['a tampered body', (r: APIGatewayProxyEventV2) => (r.body = (r.body ?? '').replace('jane@acme.com', 'evil@acme.com')), /signature does not match/],
  ])('refuses %s with 401', async (_name, change, message) => {
    const request = world.generic(body);
    change(request);
    await refused(request, 401, message);
  });

  it.each([
    ['replayed (signed 10 minutes ago)', -600, /in the past/],
    ['from the future (10 minutes ahead)', 600, /in the future/],
  ])('refuses a correctly signed post %s with 401', async (_name, offsetSeconds, message) => {
    await refused(world.generic(body, { timestampSeconds: Math.floor(world.clock.now() / 1000) + offsetSeconds }), 401, message);
  });

  it('refuses a post signed with another secret with 401', async () => {
    await refused(world.generic(body, { secret: 'another-secret-0123456789abcdef0123456789' }), 401, /signature does not match/);
  });

  it.each([
    ['malformed JSON', '[{"id":', /body: expected JSON/],
    ['an empty array', '[]', /expected at least one change/],
    ['101 changes', json(Array.from({ length: 101 }, (_, i) => genericChange({ id: `c-${i}` }))), /at most 100 changes per request, got 101; split the array/],
    ['a deeply nested body', deeplyNested(100_000), /\[0\]: expected a change object/],
    ['wrong types', json([genericChange({ id: 7, user: 'jane@acme.com', occurredAt: 1795428000 })]), /\[0\]\.id: expected a unique id.*\[0\]\.occurredAt: expected an RFC 3339 time.*\[0\]\.user: expected an object/],
    ['an unknown field', json([{ ...genericChange(), admin: true }]), /\[0\]\.admin: unknown field/],
    ['another org', json([genericChange({ orgId: 'OTHER0000000000000000000@AdobeOrg' })]), /is not the org this deployment syncs/],
    ['a look-alike org (Cyrillic А)', json([genericChange({ orgId: '0000DE\u0410D0000BEEF0000CAFE@AdobeOrg' })]), /\[0\]\.orgId: expected an org id/],
    ['an email with a space', json([genericChange({ user: { email: 'jane doe@acme.com' } })]), /\[0\]\.user\.email: expected an email address/],
    ['one id twice', json([genericChange(), genericChange({ group: 'AEM-DAM-Users' })]), /\[1\]\.id: "chg-0001" is also the id of \[0\]/],
  ])('refuses %s with 400 naming what is wrong', async (_name, raw, message) => {
    const answer = await send(world.generic(raw));
    expect(answer.status).toBe(400);
    expect(String(answer.body['error'])).toMatch(message);
    expect(world.queue.sent).toEqual([]);
  });

  it('queues names built to break encodings exactly as written: they are data', async () => {
    const email = 'jane\u202e\u200b@acme.com';
    const group = `]]><!ENTITY x "y"> ' or 1=1 or ' ../%2e%2e\u202e`;

    const answer = await send(world.generic(json([genericChange({ user: { email }, group })])));

    expect(answer.status).toBe(200);
    expect(world.queue.sent).toMatchObject([{ kind: 'delta', user: { email }, group }]);
  });

  it('refuses a body over webhooks.maxBodyBytes with 413', async () => {
    await refused(world.generic(json([{ ...genericChange(), padding: 'x'.repeat(1_100_000) }])), 413, /webhooks.maxBodyBytes/);
  });

  it('accepts upper-case hex and header names in any case', async () => {
    const request = world.generic(body);
    const signature = (request.headers['x-ims-sync-signature'] ?? '').replace(/^sha256=/, '');
    const headers = { 'X-Ims-Sync-Signature': `sha256=${signature.toUpperCase()}`, 'X-IMS-SYNC-TIMESTAMP': request.headers['x-ims-sync-timestamp'] ?? '' };

    const answer = await send({ ...request, headers });

    expect(answer.status).toBe(200);
    expect(world.queue.sent).toHaveLength(1);
  });
});

describe('any door: what is not a webhook', () => {
  it.each([
    ['an unknown path', 'POST', '/webhooks/../admin', '', 404],
    ['a wrong method', 'PUT', '/webhooks/generic', '', 405],
    ['a challenge that is not printable ASCII (never echoed)', 'GET', '/webhooks/adobe-io', 'challenge=%3Cscript%3E%0A', 401],
    ['a challenge of 10 000 characters (never echoed)', 'GET', '/webhooks/adobe-io', `challenge=${'a'.repeat(10_000)}`, 401],
  ] as const)('answers %s (%s %s) with a 4xx, queuing nothing', async (_name, method, path, query, status) => {
    const answer = await send(httpApiEvent({ method: method as 'GET' | 'POST', path, rawQueryString: query, body: '' }));
    expect(answer.status).toBe(status);
    expect(JSON.stringify(answer.body)).not.toContain('<script>');
    expect(world.queue.sent).toEqual([]);
  });
});
