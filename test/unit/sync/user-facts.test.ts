import { describe, expect, it } from 'vitest';
import type { DeltaMessage } from '../../../lib/domain/messages.js';
import { applyBatch } from '../../../lib/sync/apply-work.js';
import { createRecentGroupReads } from '../../../lib/sync/recent-group-reads.js';
import { readFacts } from '../../../lib/sync/user-facts.js';
import { demoRuntime } from '../../support/runtime.js';

const added = (id: string, email: string, group: string): DeltaMessage => ({
  kind: 'delta', id, occurredAt: '2026-11-23T09:59:00.000Z', correlationId: id, source: 'generic', change: 'membership.added', user: { email }, group,
});

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
    const runtime = { ...world.runtime, recentGroupReads: createRecentGroupReads() };
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
    const runtime = { ...world.runtime, recentGroupReads: createRecentGroupReads() };
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

