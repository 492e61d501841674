import { describe, expect, it } from 'vitest';
import { createDynamoIdempotencyStore } from '../../../lib/aws/idempotency-store.js';
import { createDynamoVersionStore } from '../../../lib/aws/version-store.js';
import type { VersionStore } from '../../../lib/sync/ports.js';
import { manualClock, uniqueId, useEmulators } from './emulated.js';

const aws = useEmulators();

/** One version, through the store's many-at-once read. */
const versionOf = async (store: VersionStore, targetId: string, userKey: string, group: string) => (await store.get(targetId, [{ userKey, group }]))[0];

describe('idempotency store (dynalite)', () => {
  const LEASE_MS = 60_000;

  it('starts a claim once; a second claim while it runs is told it is in progress', async () => {
    const store = createDynamoIdempotencyStore(aws.clients.table, manualClock());
    const eventId = uniqueId('evt');

    const first = await store.begin(eventId, 'author', LEASE_MS);
    const second = await store.begin(eventId, 'author', LEASE_MS);
    const otherTarget = await store.begin(eventId, 'publish', LEASE_MS);

    expect([first, second, otherTarget]).toEqual(['started', 'in-progress', 'started']);
  });

  it('answers already-done after complete, even after the lease time has passed', async () => {
    const clock = manualClock();
    const store = createDynamoIdempotencyStore(aws.clients.table, clock);
    const eventId = uniqueId('evt');
    await store.begin(eventId, 'author', LEASE_MS);

    await store.complete([eventId], 'author');
    clock.advance(2 * LEASE_MS);

    expect(await store.begin(eventId, 'author', LEASE_MS)).toBe('already-done');
  });

  it('lets a claim whose lease expired (the worker died) be started again', async () => {
    const clock = manualClock();
    const store = createDynamoIdempotencyStore(aws.clients.table, clock);
    const eventId = uniqueId('evt');
    await store.begin(eventId, 'author', LEASE_MS);

    clock.advance(LEASE_MS - 1);
    const justBefore = await store.begin(eventId, 'author', LEASE_MS);
    clock.advance(2);
    const justAfter = await store.begin(eventId, 'author', LEASE_MS);

    expect([justBefore, justAfter]).toEqual(['in-progress', 'started']);
  });

  it('tells which events are done in every target, a claim in progress or a missing target not counting, over many keys', async () => {
    const store = createDynamoIdempotencyStore(aws.clients.table, manualClock());
    const everywhere = uniqueId('evt');
    const oneTarget = uniqueId('evt');
    const running = uniqueId('evt');
    for (const target of ['author', 'publish']) {
      await store.begin(everywhere, target, LEASE_MS);
      await store.complete([everywhere], target);
      await store.begin(running, target, LEASE_MS);
    }
    await store.complete([running], 'author');
    await store.begin(oneTarget, 'author', LEASE_MS);
    await store.complete([oneTarget], 'author');
    // More keys than one BatchGetItem request takes.
    const others = Array.from({ length: 60 }, () => uniqueId('evt'));

    const done = await store.doneEverywhere([everywhere, oneTarget, running, ...others], ['author', 'publish']);

    expect([...done]).toEqual([everywhere]);
  });

  it('completes many events in one call, more than one BatchWriteItem request takes', async () => {
    const store = createDynamoIdempotencyStore(aws.clients.table, manualClock());
    const events = Array.from({ length: 30 }, () => uniqueId('evt'));
    for (const eventId of events) await store.begin(eventId, 'author', LEASE_MS);

    await store.complete([...events, events[0] ?? ''], 'author');

    expect(await store.doneEverywhere(events, ['author'])).toEqual(new Set(events));
  });

  it('gives a released claim back at once, but never forgets a completed one', async () => {
    const store = createDynamoIdempotencyStore(aws.clients.table, manualClock());
    const failed = uniqueId('evt');
    const done = uniqueId('evt');
    await store.begin(failed, 'author', LEASE_MS);
    await store.begin(done, 'author', LEASE_MS);
    await store.complete([done], 'author');

    await store.release(failed, 'author');
    await store.release(done, 'author');

    expect(await store.begin(failed, 'author', LEASE_MS)).toBe('started');
    expect(await store.begin(done, 'author', LEASE_MS)).toBe('already-done');
  });

  it('treats a record past its TTL as gone, though DynamoDB has not deleted it yet', async () => {
    const clock = manualClock();
    const store = createDynamoIdempotencyStore(aws.clients.table, clock, { retentionMs: 3_600_000 });
    const eventId = uniqueId('evt');
    await store.begin(eventId, 'author', LEASE_MS);
    await store.complete([eventId], 'author');

    clock.advance(3_600_000 + 1000);

    expect(await store.begin(eventId, 'author', LEASE_MS)).toBe('started');
  });
});

describe('version store (dynalite)', () => {
  const T = Date.UTC(2026, 10, 23, 12, 0, 0);

  it('keeps the newest state: an older one loses, a newer one wins', async () => {
    const store = createDynamoVersionStore(aws.clients.table, manualClock());
    const user = uniqueId('user');

    const first = await store.putIfNewer('author', user, 'authors', { at: T, eventId: 'e1', present: true });
    const older = await store.putIfNewer('author', user, 'authors', { at: T - 1, eventId: 'e0', present: false });
    const afterOlder = await versionOf(store, 'author', user, 'authors');
    const newer = await store.putIfNewer('author', user, 'authors', { at: T + 1, eventId: 'e2', present: false });
    const afterNewer = await versionOf(store, 'author', user, 'authors');

    expect([first, older, newer]).toEqual([true, false, true]);
    expect(afterOlder).toEqual({ at: T, eventId: 'e1', present: true });
    expect(afterNewer).toEqual({ at: T + 1, eventId: 'e2', present: false });
  });

  it('treats the same event again as a no-op that changes nothing', async () => {
    const store = createDynamoVersionStore(aws.clients.table, manualClock());
    const user = uniqueId('user');
    await store.putIfNewer('author', user, 'authors', { at: T, eventId: 'e1', present: true });

    const again = await store.putIfNewer('author', user, 'authors', { at: T, eventId: 'e1', present: true });

    expect(again).toBe(true);
    expect(await versionOf(store, 'author', user, 'authors')).toEqual({ at: T, eventId: 'e1', present: true });
  });

  it('breaks a tie on time by event id, the same way whatever the arrival order', async () => {
    const store = createDynamoVersionStore(aws.clients.table, manualClock());
    const [u1, u2] = [uniqueId('user'), uniqueId('user')];

    await store.putIfNewer('author', u1, 'g', { at: T, eventId: 'a', present: true });
    const bWins = await store.putIfNewer('author', u1, 'g', { at: T, eventId: 'b', present: false });
    await store.putIfNewer('author', u2, 'g', { at: T, eventId: 'b', present: false });
    const aLoses = await store.putIfNewer('author', u2, 'g', { at: T, eventId: 'a', present: true });

    expect([bWins, aLoses]).toEqual([true, false]);
    expect(await versionOf(store, 'author', u1, 'g')).toEqual(await versionOf(store, 'author', u2, 'g'));
  });

  it('keeps targets, users and groups apart, also when names contain the key separator', async () => {
    const store = createDynamoVersionStore(aws.clients.table, manualClock());
    const user = uniqueId('user');

    await store.putIfNewer('t#1', user, 'g', { at: T, eventId: 'e1', present: true });

    expect(await versionOf(store, 't', `1#${user}`, 'g')).toBeUndefined();
    expect(await versionOf(store, 't#1', user, 'other')).toBeUndefined();
    expect(await versionOf(store, 't#1', user, 'g')).toEqual({ at: T, eventId: 'e1', present: true });
  });
});

describe('version store: many at once', () => {
  it('reads many versions in one call, in the order asked, more than one BatchGetItem request takes, absent ones undefined', async () => {
    const store = createDynamoVersionStore(aws.clients.table, manualClock());
    const users = Array.from({ length: 120 }, () => uniqueId('u'));
    const written = users.filter((_, i) => i % 3 === 0);
    for (const [i, user] of written.entries()) await store.putIfNewer('author', user, 'g', { at: 1000 + i, eventId: `e${i}`, present: i % 2 === 0 });

    const read = await store.get('author', [...users, users[0] ?? ''].map((userKey) => ({ userKey, group: 'g' })));

    expect(read).toHaveLength(121);
    expect(read.filter((v) => v !== undefined)).toHaveLength(written.length + 1);
    expect(read[3]).toEqual({ at: 1001, eventId: 'e1', present: false });
    expect(read[4]).toBeUndefined();
    expect(read[120]).toEqual(read[0]);
  });
});
