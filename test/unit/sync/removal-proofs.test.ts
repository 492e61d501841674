import { describe, expect, it } from 'vitest';
import type { DeltaMessage, HintMessage } from '../../../lib/domain/messages.js';
import { applyBatch } from '../../../lib/sync/apply-work.js';
import { createRecentGroupReads } from '../../../lib/sync/recent-group-reads.js';
import { WorkFailedError } from '../../../lib/sync/work-errors.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import { demoRuntime } from '../../support/runtime.js';

const DELIVERY = 'Campaign - acme-prod - delivery';

const removed = (id: string, email: string, occurredAt = '2026-11-23T09:59:58.000Z'): DeltaMessage => ({
  kind: 'delta', id, occurredAt, correlationId: id, source: 'adobe-io', change: 'membership.removed', user: { email }, group: DELIVERY,
});

/**
 * The demo org with omar holding the delivery profile too (IMS and Campaign), then the Admin
 * Console removing jane and omar from it; a worker container that keeps its recent UMAPI reads.
 */
function world(options: { janeKeepsItThroughAGroup?: boolean } = {}) {
  const fixture = demoOrg();
  const user = (email: string) => fixture.users.find((u) => u.email === email) as (typeof fixture.users)[number];
  user('omar@acme.com').groups.push(DELIVERY);
  fixture.campaign[0]?.memberships.push({ operator: 'omar@acme.com', group: 'delivery' });
  if (options.janeKeepsItThroughAGroup) {
    fixture.groups.push({ name: 'Campaign-Delivery-Team', type: 'USER_GROUP', profiles: [DELIVERY] });
    user('jane@acme.com').groups.push('Campaign-Delivery-Team');
  }
  const demo = demoRuntime({ fixture });
  expect(demo.target('acme-campaign').members('delivery')).toEqual(expect.arrayContaining(['jane@acme.com', 'omar@acme.com']));
  for (const email of ['jane@acme.com', 'omar@acme.com']) user(email).groups = user(email).groups.filter((g) => g !== DELIVERY);
  return { ...demo, runtime: { ...demo.runtime, recentGroupReads: createRecentGroupReads() } };
}

describe('a removal from a Campaign product profile, proved by the profile’s member list', () => {
  it('one read of the profile’s members proves the batch’s removals: applied at once, no user read, each then re-checked', async () => {
    const w = world();
    const results = await applyBatch([removed('rm-jane', 'jane@acme.com'), removed('rm-omar', 'omar@acme.com')], w.runtime);

    expect(results.every((r) => r.ok)).toBe(true);
    expect(w.target('acme-campaign').members('delivery')).not.toContain('jane@acme.com');
    expect(w.target('acme-campaign').members('delivery')).not.toContain('omar@acme.com');
    expect(w.umapi.calls).toEqual({ listGroups: 1, listGroupUsers: 1 }); // the group sizes, then the profile's one page
    const rechecks = w.queue.sent.filter((m): m is HintMessage => m.kind === 'hint');
    expect(rechecks.map((h) => [h.user?.email, h.recheck])).toEqual([
      ['jane@acme.com', true],
      ['omar@acme.com', true],
    ]);
  });

  it('a user the list still holds (the profile reaches her through a user group) keeps it; the other goes', async () => {
    const w = world({ janeKeepsItThroughAGroup: true });
    const results = await applyBatch([removed('rm-jane', 'jane@acme.com'), removed('rm-omar', 'omar@acme.com')], w.runtime);

    expect(results.every((r) => r.ok)).toBe(true);
    expect(w.target('acme-campaign').members('delivery')).toContain('jane@acme.com');
    expect(w.target('acme-campaign').members('delivery')).not.toContain('omar@acme.com');
    expect(w.stores.audit.entries.filter((e) => e.member === 'jane@acme.com' && e.op === 'remove')).toEqual([]);
  });

  it('a removal delivered later that happened before a recent read of the list is proved by it, with no read of its own', async () => {
    const w = world();
    await applyBatch([removed('rm-jane', 'jane@acme.com'), removed('rm-omar', 'omar@acme.com')], w.runtime);
    w.umapi.calls = {};
    w.clock.advance(1_000);
    // sam left the org long ago; the event of his removal from the profile, 10 s before that read, arrives now.
    const late = await applyBatch([removed('rm-sam', 'sam@acme.com', '2026-11-23T09:59:50.000Z')], w.runtime);

    expect(late.every((r) => r.ok)).toBe(true);
    expect(w.target('acme-campaign').members('delivery')).not.toContain('sam@acme.com');
    expect(w.umapi.calls).toEqual({});
  });

  it('a recent read of the user’s whole record, made after the event, proves it with no read at all', async () => {
    const w = world();
    w.umapi.calls = {};
    const jane = await w.umapi.getUser('jane@acme.com');
    w.runtime.recentGroupReads.putUser('jane@acme.com', { readAt: w.clock.now(), user: jane });
    w.umapi.calls = {};
    w.clock.advance(1_000);
    const results = await applyBatch([removed('rm-jane', 'jane@acme.com', '2026-11-23T09:59:50.000Z')], w.runtime);

    expect(results.every((r) => r.ok)).toBe(true);
    expect(w.target('acme-campaign').members('delivery')).not.toContain('jane@acme.com');
    expect(w.umapi.calls).toEqual({});
  });

  it('proves nothing from a list it could not read: the removal waits on the queue, and nothing is removed', async () => {
    const w = world();
    w.umapi.failure = 'throttled';
    const results = await applyBatch([removed('rm-jane', 'jane@acme.com'), removed('rm-omar', 'omar@acme.com')], w.runtime);

    expect(results.map((r) => r.ok)).toEqual([false, false]);
    expect(results.every((r) => !r.ok && !(r.error instanceof WorkFailedError))).toBe(true); // throttled, not failed in a target
    expect(w.target('acme-campaign').members('delivery')).toEqual(expect.arrayContaining(['jane@acme.com', 'omar@acme.com']));
  });

  it('without a list of the profile worth reading (a profile larger than the batch’s removals need), each user is read alone', async () => {
    const w = world();
    const listGroups = w.umapi.listGroups.bind(w.umapi);
    // 5,000 members: three pages, for two removals.
    w.umapi.listGroups = async () => (await listGroups()).map((g) => (g.groupName === DELIVERY ? { ...g, memberCount: 5_000 } : g));
    w.runtime.recentGroupReads.noteOrgPages(50, w.clock.now()); // and an org too large to read whole
    await applyBatch([removed('rm-jane', 'jane@acme.com'), removed('rm-omar', 'omar@acme.com')], w.runtime);

    expect(w.umapi.calls).toEqual({ listGroups: 1, getUser: 2 });
    expect(w.target('acme-campaign').members('delivery')).not.toContain('jane@acme.com');
    expect(w.target('acme-campaign').members('delivery')).not.toContain('omar@acme.com');
  });
});
