import { describe, expect, it } from 'vitest';
import type { DeltaMessage, HintMessage } from '../../../lib/domain/messages.js';
import { applyBatch } from '../../../lib/sync/apply-work.js';
import { createAppliedFacts } from '../../../lib/sync/applied-facts.js';
import { createRecentGroupReads } from '../../../lib/sync/recent-group-reads.js';
import { readFacts } from '../../../lib/sync/user-facts.js';
import { demoRuntime } from '../../support/runtime.js';

const added = (id: string, email: string, group: string): DeltaMessage => ({
  kind: 'delta', id, occurredAt: '2026-11-23T09:59:00.000Z', correlationId: id, source: 'generic', change: 'membership.added', user: { email }, group,
});

const recheck = (id: string, email: string, occurredAt: string): HintMessage => ({ kind: 'hint', id, occurredAt, correlationId: id, source: 'generic', user: { email }, reason: 're-check' });

/** Recent reads of an org counted at 50 pages (100,000 users): never worth reading whole for one batch. */
function largeOrg(now: number) {
  const recent = createRecentGroupReads();
  recent.noteOrgPages(50, now);
  return recent;
}

describe('reading a batch’s users from UMAPI with the fewest requests', () => {
  it('reads one group member list instead of one user each when several events name that group', async () => {
    const world = demoRuntime();
    await world.runtime.orgGroups.get(); // the org's group list (with member counts) is cached
    world.umapi.calls = {};
    const messages = [added('a1', 'jane@acme.com', 'AEM-Authors'), added('a2', 'li@acme.com', 'AEM-Authors'), added('a3', 'sam@acme.com', 'AEM-Authors')];

    const facts = await readFacts(messages, world.runtime);

    expect(world.umapi.calls).toEqual({ listGroupUsers: 1, getUser: 1 }); // sam, not listed (he left the org), is read alone
    expect(facts.get('jane@acme.com')).toMatchObject({ kind: 'present', user: { email: 'jane@acme.com' } });
    expect(facts.get('li@acme.com')).toMatchObject({ kind: 'present', user: { email: 'li@acme.com' } });
    expect(facts.get('sam@acme.com')).toMatchObject({ kind: 'gone' });
  });

  it('reads the org’s group list once for the groups’ sizes when it has none, and each user only once however many of their events', async () => {
    const world = demoRuntime();
    const messages = [added('a1', 'jane@acme.com', 'AEM-Authors'), added('a2', 'li@acme.com', 'AEM-Authors'), added('a3', 'jane@acme.com', 'AEM-DAM-Users')];
    await readFacts(messages, world.runtime);
    expect(world.umapi.calls).toEqual({ listGroups: 1, listGroupUsers: 1 });
    world.umapi.calls = {};
    await readFacts(messages, world.runtime);
    expect(world.umapi.calls.listGroups).toBeUndefined(); // cached
  });

  it('reads each user alone when the group sizes cannot be had', async () => {
    const world = demoRuntime();
    const listGroups = world.umapi.listGroups.bind(world.umapi);
    world.umapi.listGroups = async () => {
      await listGroups();
      throw new Error('GET groups failed');
    };
    await readFacts([added('a1', 'jane@acme.com', 'AEM-Authors'), added('a2', 'li@acme.com', 'AEM-Authors')], world.runtime);
    expect(world.umapi.calls).toEqual({ listGroups: 1, getUser: 2 });
  });

  it('applies a batch of adds after those reads, with one write per changed group per target', async () => {
    const world = demoRuntime();
    world.fixture.users.find((u) => u.email === 'omar@acme.com')?.groups.push('AEM-Authors');
    world.fixture.users.find((u) => u.email === 'nina@acme.com')?.groups.push('AEM-Authors');
    const results = await applyBatch([added('b1', 'omar@acme.com', 'AEM-Authors'), added('b2', 'nina@acme.com', 'AEM-Authors')], world.runtime);

    expect(results.every((r) => r.ok)).toBe(true);
    const prod = world.target('acme-prod-author');
    expect(prod.members('AEM-Authors')).toEqual(expect.arrayContaining(['omar@acme.com', 'nina@acme.com']));
    expect(prod.applyCalls).toHaveLength(1);
    expect(prod.applyCalls[0]?.changes.find((c) => c.group === 'AEM-Authors')?.add).toEqual(['nina@acme.com', 'omar@acme.com']);
  });

  it('serves a burst’s later batches from a group list read moments ago, for events that happened before that read', async () => {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: largeOrg(world.clock.now()) };
    await runtime.orgGroups.get();
    world.clock.advance(60_000);
    world.umapi.calls = {};
    const before = new Date(world.clock.now() - 30_000).toISOString();
    await readFacts([{ ...added('c1', 'jane@acme.com', 'AEM-Authors'), occurredAt: before }, { ...added('c0', 'omar@acme.com', 'AEM-Authors'), occurredAt: before }], runtime);
    expect(world.umapi.calls).toMatchObject({ listGroupUsers: 1 });

    world.umapi.calls = {};
    world.clock.advance(1_000);
    const next = await readFacts([{ ...added('c2', 'li@acme.com', 'AEM-Authors'), occurredAt: before }], runtime);
    expect(next.get('li@acme.com')).toMatchObject({ kind: 'present' });
    expect(world.umapi.calls).toEqual({});

    // An event that happened after that read is never served from it: a lone user is read on their own.
    const later = new Date(world.clock.now()).toISOString();
    await readFacts([{ ...added('c3', 'li@acme.com', 'AEM-Authors'), occurredAt: later }], runtime);
    expect(world.umapi.calls).toEqual({ getUser: 1 });
  });

  it('serves a re-check (it names no group) from any recent list that holds the user, read after the removal', async () => {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: largeOrg(world.clock.now()) };
    world.clock.advance(60_000);
    const before = new Date(world.clock.now() - 30_000).toISOString();
    await readFacts([{ ...added('d1', 'jane@acme.com', 'AEM-Authors'), occurredAt: before }, { ...added('d2', 'li@acme.com', 'AEM-Authors'), occurredAt: before }], runtime);
    world.umapi.calls = {};

    const recheck = { kind: 'hint' as const, id: 'rm:recheck', occurredAt: before, correlationId: 'c', source: 'generic' as const, user: { email: 'jane@acme.com' }, reason: 're-check' };
    const facts = await readFacts([recheck], runtime);
    expect(facts.get('jane@acme.com')).toMatchObject({ kind: 'present', user: { email: 'jane@acme.com' } });
    expect(world.umapi.calls).toEqual({});
  });

  it('serves a user’s later events from their own read moments ago, if they happened before it', async () => {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: createRecentGroupReads() };
    world.clock.advance(60_000);
    const before = new Date(world.clock.now() - 30_000).toISOString();
    const hint = (id: string, occurredAt: string) => ({ kind: 'hint' as const, id, occurredAt, correlationId: 'c', source: 'generic' as const, user: { email: 'sam@acme.com' }, reason: 're-check' });
    await readFacts([hint('h1', before)], runtime);
    expect(world.umapi.calls).toEqual({ getUser: 1 });

    const again = await readFacts([hint('h2', before)], runtime);
    expect(again.get('sam@acme.com')).toMatchObject({ kind: 'gone' }); // sam left the org: remembered too
    expect(world.umapi.calls).toEqual({ getUser: 1 });

    await readFacts([hint('h3', new Date(world.clock.now()).toISOString())], runtime);
    expect(world.umapi.calls).toEqual({ getUser: 2 }); // an event after that read is read again
  });

  it('reads afresh an event delivered long after it happened (a late retry), rather than trust an earlier read', async () => {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: createRecentGroupReads() };
    world.clock.advance(60 * 60_000);
    const hint = (id: string, occurredAt: string) => ({ kind: 'hint' as const, id, occurredAt, correlationId: 'c', source: 'generic' as const, user: { email: 'li@acme.com' }, reason: 're-check' });
    await readFacts([hint('h1', new Date(world.clock.now() - 60_000).toISOString())], runtime);
    await readFacts([hint('h2', new Date(world.clock.now() - 30 * 60_000).toISOString())], runtime);
    expect(world.umapi.calls).toEqual({ getUser: 2 });
  });
});

describe('reading the whole org for a burst', () => {
  /** The demo org, paged `pageSize` users a page; counts the pages served. */
  function pagedWorld(pageSize: number) {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: createRecentGroupReads() };
    world.umapi.pageSize = pageSize;
    const pages: number[] = [];
    world.umapi.betweenPages = (page) => void pages.push(page);
    world.clock.advance(60_000);
    return { world, runtime, pages };
  }

  it('reads the org once instead of each user when it has no more pages than the users to read, and serves later batches from it', async () => {
    const { world, runtime, pages } = pagedWorld(100);
    const before = new Date(world.clock.now() - 30_000).toISOString();

    const facts = await readFacts([recheck('r1', 'jane@acme.com', before), recheck('r2', 'li@acme.com', before), recheck('r3', 'sam@acme.com', before)], runtime);

    expect(world.umapi.calls).toEqual({ listUsers: 1, getUser: 1 }); // sam left the org: not listed, so read on his own
    expect(pages).toEqual([0]);
    expect(facts.get('jane@acme.com')).toMatchObject({ kind: 'present', user: { email: 'jane@acme.com' } });
    expect(facts.get('li@acme.com')).toMatchObject({ kind: 'present', user: { email: 'li@acme.com' } });
    expect(facts.get('sam@acme.com')).toMatchObject({ kind: 'gone' });

    // The next batch, of events that happened before that read, costs nothing.
    world.umapi.calls = {};
    world.clock.advance(5_000);
    const next = await readFacts([recheck('r4', 'omar@acme.com', before), recheck('r5', 'nina@acme.com', before)], runtime);
    expect(next.get('omar@acme.com')).toMatchObject({ kind: 'present', at: world.clock.now() - 5_000 });
    expect(next.get('nina@acme.com')).toMatchObject({ kind: 'present' });
    expect(world.umapi.calls).toEqual({});
  });

  it('gives up after the first page when the org has more pages than users to read, and remembers its size', async () => {
    const { world, runtime, pages } = pagedWorld(2);
    const before = new Date(world.clock.now() - 30_000).toISOString();

    const facts = await readFacts([recheck('r1', 'jane@acme.com', before), recheck('r2', 'li@acme.com', before)], runtime);
    expect(pages).toEqual([0]);
    expect(world.umapi.calls).toEqual({ listUsers: 1, getUser: 2 });
    expect(facts.get('li@acme.com')).toMatchObject({ kind: 'present' });
    expect(runtime.recentGroupReads.orgPages(world.clock.now())).toBe(Math.ceil(world.fixture.users.filter((u) => (u.status ?? 'active') === 'active').length / 2));

    world.umapi.calls = {};
    await readFacts([recheck('r3', 'omar@acme.com', before), recheck('r4', 'nina@acme.com', before)], runtime);
    expect(world.umapi.calls).toEqual({ getUser: 2 }); // the size is known: no page spent to learn it again
  });

  it('reads a user a recent org read did not list on their own, without reading the org again', async () => {
    const { world, runtime, pages } = pagedWorld(100);
    const before = new Date(world.clock.now() - 30_000).toISOString();
    await readFacts([recheck('r1', 'jane@acme.com', before), recheck('r2', 'li@acme.com', before), recheck('r3', 'sam@acme.com', before)], runtime);
    world.umapi.calls = {};

    // Neither is in the org: the read did not list them.
    world.clock.advance(5_000);
    const facts = await readFacts([recheck('r4', 'ghost@acme.com', before), recheck('r5', 'shade@acme.com', before)], runtime);

    expect(world.umapi.calls).toEqual({ getUser: 2 });
    expect(pages).toEqual([0]);
    expect(facts.get('ghost@acme.com')).toMatchObject({ kind: 'gone' });
  });

  it('reads a lone user on their own, never the org', async () => {
    const { world, runtime } = pagedWorld(100);
    await readFacts([recheck('r1', 'jane@acme.com', new Date(world.clock.now()).toISOString())], runtime);
    expect(world.umapi.calls).toEqual({ getUser: 1 });
  });

  it('shares one org read between batches read at once in this container', async () => {
    const { world, runtime, pages } = pagedWorld(100);
    const now = new Date(world.clock.now()).toISOString();

    const [first, second] = await Promise.all([
      readFacts([recheck('r1', 'jane@acme.com', now), recheck('r2', 'li@acme.com', now)], runtime),
      readFacts([recheck('r3', 'omar@acme.com', now), recheck('r4', 'nina@acme.com', now)], runtime),
    ]);

    expect(pages).toEqual([0]);
    expect(world.umapi.calls).toEqual({ listUsers: 1 });
    expect(first.get('li@acme.com')).toMatchObject({ kind: 'present' });
    expect(second.get('omar@acme.com')).toMatchObject({ kind: 'present' });
  });

  it('leaves every user of the batch waiting when UMAPI asks to wait during the org read, and spends nothing more', async () => {
    const { world, runtime } = pagedWorld(100);
    world.umapi.failure = 'throttled';
    const now = new Date(world.clock.now()).toISOString();

    const facts = await readFacts([recheck('r1', 'jane@acme.com', now), recheck('r2', 'li@acme.com', now)], runtime);

    expect(world.umapi.calls).toEqual({ listUsers: 1 });
    expect(facts.get('jane@acme.com')).toMatchObject({ error: expect.objectContaining({ name: 'ThrottledError' }) });
    expect(facts.get('li@acme.com')).toMatchObject({ error: expect.objectContaining({ name: 'ThrottledError' }) });
  });
});

describe('planning a user once for the works one read serves', () => {
  /** The demo world keeping recent reads and applied facts, with omar added to AEM-Authors in IMS; counts prod's reads. */
  function burstWorld() {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: createRecentGroupReads(), appliedFacts: createAppliedFacts() };
    world.fixture.users.find((u) => u.email === 'omar@acme.com')?.groups.push('AEM-Authors');
    const prod = world.target('acme-prod-author');
    const read = prod.readState.bind(prod);
    const reads = { count: 0 };
    prod.readState = async (scope) => {
      reads.count += 1;
      return read(scope);
    };
    world.clock.advance(60_000);
    return { world, runtime, prod, reads };
  }

  it('does not read a target again for a later work whose fact is no newer than one applied there in full', async () => {
    const { world, runtime, prod, reads } = burstWorld();
    const before = new Date(world.clock.now() - 30_000).toISOString();
    const [first] = await applyBatch([recheck('p0', 'omar@acme.com', before)], runtime);
    expect(first?.ok).toBe(true);
    expect(prod.members('AEM-Authors')).toContain('omar@acme.com');
    expect(reads.count).toBe(1);

    // An addition of omar that happened before that read: served by it, and already applied.
    world.clock.advance(1_000);
    const [again] = await applyBatch([{ ...added('p1', 'omar@acme.com', 'AEM-Authors'), occurredAt: before }], runtime);
    expect(again).toMatchObject({ ok: true, report: { targets: expect.arrayContaining([{ targetId: 'acme-prod-author', status: 'applied', outcome: expect.objectContaining({ applied: [] }) }]) } });
    expect(reads.count).toBe(1);

    // A newer event is read from UMAPI afresh and planned.
    world.clock.advance(1_000);
    await applyBatch([{ ...added('p2', 'omar@acme.com', 'AEM-Authors'), occurredAt: new Date(world.clock.now()).toISOString() }], runtime);
    expect(reads.count).toBe(2);
  });

  it('does not take an addition, planned for its group alone, for the whole fact: a re-check plans the user again', async () => {
    const { world, runtime, reads } = burstWorld();
    const before = new Date(world.clock.now() - 30_000).toISOString();
    const [first] = await applyBatch([{ ...added('r1', 'omar@acme.com', 'AEM-Authors'), occurredAt: before }], runtime);
    expect(first?.ok).toBe(true);
    expect(reads.count).toBe(1);

    world.clock.advance(1_000);
    const [again] = await applyBatch([recheck('r1:recheck', 'omar@acme.com', before)], runtime);
    expect(again?.ok).toBe(true);
    expect(reads.count).toBe(2);
  });

  it('plans again a user whose plan there did not complete', async () => {
    const { world, runtime, prod, reads } = burstWorld();
    const before = new Date(world.clock.now() - 30_000).toISOString();
    prod.unreadable.add('aem-authors');
    const [first] = await applyBatch([{ ...added('q1', 'omar@acme.com', 'AEM-Authors'), occurredAt: before }], runtime);
    expect(first?.ok).toBe(false);

    prod.unreadable.clear();
    world.clock.advance(1_000);
    const [again] = await applyBatch([recheck('q1:recheck', 'omar@acme.com', before)], runtime);
    expect(again?.ok).toBe(true);
    expect(reads.count).toBe(2);
    expect(prod.members('AEM-Authors')).toContain('omar@acme.com');
  });

  it('reads a re-check last, and only with a turn of the budget nobody waits for: while the budget is busy it waits, an addition does not', async () => {
    const world = demoRuntime();
    const runtime = { ...world.runtime, recentGroupReads: largeOrg(world.clock.now()) };
    const order: string[] = [];
    const getUser = world.umapi.getUser.bind(world.umapi);
    world.umapi.getUser = async (email, options) => {
      order.push(`${email}${options?.maxWaitMs === 0 ? ' (only a free turn)' : ''}`);
      return getUser(email, options);
    };
    world.umapi.failure = 'busy';
    const rc = { ...recheck('rc', 'li@acme.com', '2026-11-23T09:59:00.000Z'), recheck: true as const };

    const facts = await readFacts([rc, added('a1', 'jane@acme.com', 'AEM-Authors')], runtime);

    expect(order).toEqual(['jane@acme.com', 'li@acme.com (only a free turn)']);
    expect(facts.get('jane@acme.com')).toMatchObject({ kind: 'present' });
    expect(facts.get('li@acme.com')).toMatchObject({ error: expect.objectContaining({ name: 'ThrottledError' }) });

    // The same user with a message that is not a re-check is read as that message is.
    order.length = 0;
    const both = await readFacts([rc, added('a2', 'li@acme.com', 'AEM-Authors')], { ...runtime, recentGroupReads: largeOrg(world.clock.now()) });
    expect(order).toEqual(['li@acme.com']);
    expect(both.get('li@acme.com')).toMatchObject({ kind: 'present' });
  });
});
