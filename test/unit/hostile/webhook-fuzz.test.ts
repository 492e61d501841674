/**
 * Property-based fuzzing (fast-check, fixed seed) of both webhook doors through the real verifiers
 * and parsers: whatever arrives, the answer is a 2xx or a 4xx with a message — never a crash or a
 * 5xx — nothing unverified is ever queued, and everything queued is a valid work message.
 */
import fc from 'fast-check';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { WorkMessage } from '../../../lib/domain/messages.js';
import { auditCloudEvent, genericChange } from '../../support/io-events.js';
import { useDoorWorld } from '../../support/webhook-door.js';

const SEED = 20261204;
const OTHER_ORG = 'FFFF0000FFFF0000FFFF0000@AdobeOrg';

const world = useDoorWorld({ resetEach: false });

interface Outcome {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly queued: readonly unknown[];
}

/** One request on a clean door: the answer, and what it queued. */
async function exchange(request: APIGatewayProxyEventV2): Promise<Outcome> {
  world.reset();
  const response = await world.handler(request);
  const status = response.statusCode ?? 0;
  const body = JSON.parse(response.body ?? 'null') as Record<string, unknown>;
  if (status < 200 || status >= 500) throw new Error(`answered ${status}: ${response.body}`);
  if (status >= 400) {
    if (typeof body['error'] !== 'string' || body['error'].length < 10) throw new Error(`a ${status} without a message: ${response.body}`);
    if (world.queue.sent.length > 0) throw new Error(`a refused request (${status}) queued ${world.queue.sent.length} message(s)`);
  }
  for (const message of world.queue.sent) {
    if (!WorkMessage.safeParse(message).success) throw new Error(`queued an invalid work message: ${JSON.stringify(message)}`);
  }
  return { status, body, queued: [...world.queue.sent] };
}

const anyText = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }));
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Paths into an audit event (CloudEvents envelope and OCSF data) a mutation may replace or delete. */
const AUDIT_PATHS: readonly (readonly string[])[] = [
  ['id'], ['eventid'], ['event_id'], ['specversion'], ['source'], ['subject'], ['time'], ['type'],
  ['recipientclientid'], ['recipient_client_id'], ['data'],
  ['data', 'user'], ['data', 'user', 'email_addr'], ['data', 'user', 'uid'],
  ['data', 'entity'], ['data', 'entity', 'name'], ['data', 'entity', 'type'], ['data', 'group'],
  ['data', 'metadata'], ['data', 'metadata', 'event_code'], ['data', 'metadata', 'uid'], ['data', 'metadata', 'tenant_uid'],
  ['data', 'cloud'], ['data', 'cloud', 'org', 'uid'], ['data', 'time'], ['data', 'time_dt'], ['data', 'actor'],
];
const EVENT_CODES = ['USER_GROUP_ADD_USER:USER_GROUP', 'USER_GROUP_REMOVE_USER:USER_GROUP', 'PRODUCT_PROFILE_REMOVE_USER:LICENSE', 'USER_REMOVE:USER', 'ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN', 'SOMETHING_NEW:X'];

type Mutation = { readonly path: readonly string[]; readonly value: unknown } | { readonly path: readonly string[]; readonly remove: true };

function mutate(target: Record<string, unknown>, mutation: Mutation): void {
  let node: unknown = target;
  for (const key of mutation.path.slice(0, -1)) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const last = mutation.path[mutation.path.length - 1] ?? '';
  if ('remove' in mutation) delete (node as Record<string, unknown>)[last];
  else (node as Record<string, unknown>)[last] = mutation.value;
}

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ path: fc.constantFrom(...AUDIT_PATHS), value: fc.oneof(anyJson, anyText) }),
  fc.record({ path: fc.constantFrom(...AUDIT_PATHS), remove: fc.constant(true as const) }),
);

/** An audit event, possibly of another org, with up to three fields replaced by anything or removed. */
const auditEvent = fc
  .record({ code: fc.constantFrom(...EVENT_CODES), foreign: fc.boolean(), mutations: fc.array(mutation, { maxLength: 3 }), n: fc.nat(9999) })
  .map(({ code, foreign, mutations, n }) => {
    const event = auditCloudEvent({ id: `evt-fuzz-${n}`, eventCode: code, user: { email_addr: `user${n}@acme.com` }, ...(foreign ? { orgId: OTHER_ORG } : {}) });
    for (const m of mutations) mutate(event, m);
    return { event, foreign };
  });

describe('the Adobe I/O Events door, fuzzed', () => {
  it('never queues a request that does not verify, and never answers 5xx', async () => {
    const keyPath = fc.oneof(fc.constant(world.keys[0].keyPath), fc.stringMatching(/^\/prod\/keys\/pub-key-[A-Za-z0-9_-]{8,12}\.pem$/), anyText);
    const signature = fc.oneof(fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')), anyText);
    const body = fc.oneof(fc.json({ maxDepth: 3 }), anyText, auditEvent.map(({ event }) => JSON.stringify(event)));
    await fc.assert(
      fc.asyncProperty(body, signature, keyPath, fc.dictionary(anyText, anyText, { maxKeys: 3 }), async (raw, sig, path, extra) => {
        const request = world.adobeIo(raw);
        Object.assign(request.headers, extra, { 'x-adobe-digital-signature-1': sig, 'x-adobe-public-key1-path': path });
        delete request.headers['x-adobe-digital-signature-2'];
        const outcome = await exchange(request);
        // A random signature never verifies, so nothing but a refusal (or a challenge-less 4xx) is possible.
        expect(outcome.status).toBeGreaterThanOrEqual(400);
        expect(outcome.queued).toEqual([]);
      }),
      { seed: SEED, numRuns: 150 },
    );
  }, 20_000);

  it('answers every authentic body with 200, 400 or 401, accounts for every event, and never queues another org\'s event', async () => {
    const delivery = fc.oneof(
      auditEvent.map((e) => ({ raw: JSON.stringify(e.event), events: [e] })),
      fc.array(auditEvent, { minLength: 1, maxLength: 6 }).map((events) => ({ raw: JSON.stringify(events.map((e) => e.event)), events })),
      fc.json({ maxDepth: 3 }).map((raw) => ({ raw, events: undefined })),
    );
    await fc.assert(
      fc.asyncProperty(delivery, async ({ raw, events }) => {
        const outcome = await exchange(world.adobeIo(raw));
        expect([200, 400, 401]).toContain(outcome.status);
        if (outcome.status === 200 && events !== undefined) {
          const { accepted, ignored, skipped } = outcome.body as { accepted: number; ignored: number; skipped: number };
          expect(accepted + ignored + skipped).toBe(events.length);
          expect(outcome.queued.length).toBe(accepted);
          expect(accepted).toBeLessThanOrEqual(events.filter((e) => !e.foreign).length);
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, 20_000);
});

describe('the generic door, fuzzed', () => {
  const CHANGE_FIELDS = ['id', 'orgId', 'occurredAt', 'type', 'user', 'group'] as const;
  const change = fc
    .record({
      n: fc.nat(9999),
      type: fc.constantFrom('membership.added', 'membership.removed', 'user.removed', 'user.changed'),
      replaced: fc.array(fc.record({ field: fc.constantFrom(...CHANGE_FIELDS, 'user.email', 'extra'), value: fc.oneof(anyJson, anyText) }), { maxLength: 2 }),
    })
    .map(({ n, type, replaced }) => {
      const value: Record<string, unknown> = genericChange({ id: `chg-fuzz-${n}`, type, ...(type.startsWith('user.') ? { group: undefined } : {}) });
      for (const { field, value: v } of replaced) {
        if (field === 'user.email') value['user'] = { email: v };
        else value[field] = v;
      }
      return value;
    });

  it('never queues a post that does not verify', async () => {
    const header = fc.oneof(anyText, fc.stringMatching(/^sha256=[0-9a-f]{64}$/));
    const timestamp = fc.oneof(anyText, fc.integer({ min: -1, max: 4_000_000_000 }).map(String));
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ maxDepth: 3 }), anyText), header, timestamp, async (raw, signature, ts) => {
        const request = world.generic(raw);
        Object.assign(request.headers, { 'x-ims-sync-signature': signature, 'x-ims-sync-timestamp': ts });
        const outcome = await exchange(request);
        expect(outcome.status).toBe(401);
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, 20_000);

  it('answers every signed body with 200 or a 400 naming the field, and queues one message per change or none', async () => {
    const body = fc.oneof(
      fc.array(change, { minLength: 1, maxLength: 5 }).map((changes) => ({ raw: JSON.stringify(changes), count: changes.length })),
      change.map((c) => ({ raw: JSON.stringify(c), count: 1 })),
      fc.json({ maxDepth: 3 }).map((raw) => ({ raw, count: undefined })),
      anyText.map((raw) => ({ raw, count: undefined })),
    );
    await fc.assert(
      fc.asyncProperty(body, async ({ raw, count }) => {
        const outcome = await exchange(world.generic(raw));
        expect([200, 400]).toContain(outcome.status);
        if (outcome.status === 400) expect(String(outcome.body['error'])).toMatch(/^(body|\[\d+\]|[A-Za-z]+)[.:\[ ]/);
        if (outcome.status === 200 && count !== undefined) expect(outcome.queued).toHaveLength(count);
      }),
      { seed: SEED, numRuns: 300 },
    );
  }, 20_000);
});
