import { describe, expect, it } from 'vitest';
import type { DeltaMessage, HintMessage, ReconcileMessage } from '../../../lib/domain/messages.js';
import { applyBatch, applyWork } from '../../../lib/sync/apply-work.js';
import { WorkFailedError } from '../../../lib/sync/work-errors.js';
import { createOrgGroupNames } from '../../../lib/sync/org-groups.js';
import { reconcile } from '../../../lib/sync/reconcile.js';
import { isUrgent } from '../../../lib/targets/call-priority.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import { demoConfig, demoRuntime } from '../../support/runtime.js';

const delta = (over: Partial<DeltaMessage> & Pick<DeltaMessage, 'change' | 'user'>): DeltaMessage => ({
  kind: 'delta',
  id: 'evt-1',
  occurredAt: '2026-11-23T09:59:00.000Z',
  correlationId: 'corr-1',
  source: 'adobe-io',
  ...over,
});

describe('applyWork: deltas and hints for one user', () => {
  it('a user removed from the org loses every managed group everywhere, without reading UMAPI', async () => {
    const world = demoRuntime();
    const report = await applyWork(delta({ change: 'user.removed', user: { email: 'sam@acme.com' } }), world.runtime);

    expect(report.targets.map((t) => t.status)).toEqual(['applied', 'applied', 'applied']);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).not.toContain('sam@acme.com');
    expect(world.target('acme-stage-author').members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.target('acme-campaign').members('delivery')).not.toContain('sam@acme.com');
    expect(world.umapi.calls.getUser).toBeUndefined();
    expect(world.stores.audit.entries.filter((e) => e.member === 'sam@acme.com' && e.op === 'remove')).toHaveLength(4);
  });

  it('a user who joined an IMS group appears in every instance they may enter, after one UMAPI read', async () => {
    const world = demoRuntime();
    world.fixture.users.find((u) => u.email === 'omar@acme.com')?.groups.push('AEM-Authors');
    await applyWork(delta({ change: 'membership.added', user: { email: 'omar@acme.com' }, group: 'AEM-Authors' }), world.runtime);

    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('omar@acme.com');
    expect(world.umapi.calls.getUser).toBe(1);
  });

  it('a personal Adobe ID is never added, whatever its groups', async () => {
    const world = demoRuntime();
    world.target('acme-prod-author').state.identities.set('max.personal@gmail.com', 'ims');
    await applyWork(delta({ change: 'membership.added', user: { email: 'max.personal@gmail.com' }, group: 'AEM-Authors' }), world.runtime);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('max.personal@gmail.com');
  });

  it('is applied once per target, whatever the redeliveries', async () => {
    const world = demoRuntime();
    const message = delta({ change: 'user.removed', user: { email: 'sam@acme.com' } });
    await applyWork(message, world.runtime);
    const again = await applyWork(message, world.runtime);
    expect(again.targets.map((t) => t.status)).toEqual(['already-done', 'already-done', 'already-done']);
    expect(world.target('acme-prod-author').applyCalls).toHaveLength(1);
  });

  it('a redelivery of an add done in every target reads nothing from UMAPI, even when its budget is spent', async () => {
    const world = demoRuntime();
    world.fixture.users.find((u) => u.email === 'omar@acme.com')?.groups.push('AEM-Authors');
    const message = delta({ change: 'membership.added', user: { email: 'omar@acme.com' }, group: 'AEM-Authors' });
    await applyWork(message, world.runtime);
    world.umapi.failure = 'throttled';

    const again = await applyWork(message, world.runtime);

    expect(again.targets.map((t) => t.status)).toEqual(['already-done', 'already-done', 'already-done']);
    expect(world.umapi.calls.getUser).toBe(1);
  });

  it('a removal is applied from the event at once, with no UMAPI call, and a re-check of the user follows as its own work', async () => {
    const world = demoRuntime();
    world.umapi.failure = 'throttled';
    const message = delta({ change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' });

    const report = await applyWork(message, world.runtime);
    expect(report.targets.find((t) => t.targetId === 'acme-prod-author')?.status).toBe('applied');
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).not.toContain('li@acme.com');
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('li@acme.com');
    expect(world.umapi.calls).toEqual({});

    const [recheck] = world.queue.sent;
    expect(recheck).toMatchObject({ kind: 'hint', id: 'evt-1:recheck', user: { email: 'li@acme.com' } });
    if (recheck === undefined) throw new Error('no re-check queued');
    // The re-check waits for the budget like any read...
    await expect(applyWork(recheck, world.runtime)).rejects.toMatchObject({ retryAfterMs: 30_000 });
    // ...and applies the whole truth once UMAPI answers.
    world.umapi.failure = 'none';
    world.umapi.calls = {};
    const rechecked = await applyWork(recheck, world.runtime);
    expect(rechecked.targets.find((t) => t.targetId === 'acme-prod-author')?.status).toBe('applied');
    expect(world.umapi.calls.getUser).toBe(1);
  });

  it('a removal from a Campaign product profile is read from UMAPI first: a user who still holds it through a user group keeps it', async () => {
    const fixture = demoOrg();
    const delivery = 'Campaign - acme-prod - delivery';
    // Jane holds the delivery profile directly and through a user group that carries it.
    fixture.groups.push({ name: 'Campaign-Delivery-Team', type: 'USER_GROUP', profiles: [delivery] });
    fixture.users.find((u) => u.email === 'jane@acme.com')?.groups.push('Campaign-Delivery-Team');
    const world = demoRuntime({ fixture });
    expect(world.target('acme-campaign').members('delivery')).toContain('jane@acme.com');

    // The Admin Console removes her direct assignment: the event says she left the profile.
    const user = fixture.users.find((u) => u.email === 'jane@acme.com');
    if (user) user.groups = user.groups.filter((g) => g !== delivery);
    await applyWork(delta({ change: 'membership.removed', user: { email: 'jane@acme.com' }, group: delivery }), world.runtime);

    expect(world.target('acme-campaign').members('delivery')).toContain('jane@acme.com');
    expect(world.stores.audit.entries.filter((e) => e.member === 'jane@acme.com' && e.op === 'remove')).toEqual([]);
    expect(world.umapi.calls.getUser).toBe(1);

    // Once she leaves the user group too, the same kind of event removes her, after the read.
    if (user) user.groups = user.groups.filter((g) => g !== 'Campaign-Delivery-Team');
    await applyWork(delta({ id: 'evt-2', change: 'membership.removed', user: { email: 'jane@acme.com' }, group: 'Campaign-Delivery-Team', occurredAt: '2026-11-23T10:00:00.000Z' }), world.runtime);
    await applyWork(delta({ id: 'evt-3', change: 'membership.removed', user: { email: 'jane@acme.com' }, group: delivery, occurredAt: '2026-11-23T10:00:01.000Z' }), world.runtime);
    expect(world.target('acme-campaign').members('delivery')).not.toContain('jane@acme.com');
  });

  it("a removal's target calls are marked urgent, so a shared limiter runs them first; an addition's are not", async () => {
    const world = demoRuntime();
    world.fixture.users.find((u) => u.email === 'omar@acme.com')?.groups.push('AEM-Authors');
    const prod = world.target('acme-prod-author');
    const apply = prod.apply.bind(prod);
    const urgent: boolean[] = [];
    prod.apply = async (slice) => {
      urgent.push(isUrgent());
      return apply(slice);
    };
    await applyBatch(
      [
        delta({ id: 'rm', change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' }),
        delta({ id: 'add', change: 'membership.added', user: { email: 'omar@acme.com' }, group: 'AEM-Authors' }),
      ],
      world.runtime,
    );
    expect(urgent).toEqual([true, false]);
  });

  it('a removal from a group the other targets do not manage claims nothing there: they are not concerned', async () => {
    const world = demoRuntime();
    const report = await applyWork(delta({ change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' }), world.runtime);

    expect(report.targets.map((t) => [t.targetId, t.status])).toEqual([
      ['acme-campaign', 'not-concerned'],
      ['acme-prod-author', 'applied'],
      ['acme-stage-author', 'not-concerned'],
    ]);
    expect([...world.stores.idempotency.claims.keys()]).toEqual(['evt-1|acme-prod-author']);
  });

  it('a removal from a group that only a profile grants changes nothing at once and leaves it to the re-check', async () => {
    const world = demoRuntime();
    const message = delta({ change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM Managed Services - acme-prod-author' });
    const report = await applyWork(message, world.runtime);
    expect(report.targets.every((t) => t.status === 'not-concerned')).toBe(true);
    expect(world.queue.sent.map((m) => m.kind)).toEqual(['hint']);
  });

  it('a group it could not read fails that target as retryable instead of acknowledging a removal it did not apply', async () => {
    const world = demoRuntime();
    world.target('acme-campaign').unreadable.add('delivery');
    const message = delta({ change: 'user.removed', user: { email: 'sam@acme.com' } });

    const error = await applyWork(message, world.runtime).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkFailedError);
    expect((error as WorkFailedError).failures.map((f) => [f.targetId, f.retryable])).toEqual([['acme-campaign', true]]);
    expect(world.stores.idempotency.claims.get('evt-1|acme-campaign')).toBeUndefined();

    world.target('acme-campaign').unreadable.clear();
    await applyWork(message, world.runtime);
    expect(world.target('acme-campaign').members('delivery')).not.toContain('sam@acme.com');
  });

  it('a user removed from the org is revoked in Campaign with no UMAPI call once a reconciliation has run', async () => {
    const world = demoRuntime();
    await reconcile({ runId: 'run-1', mode: 'apply' }, world.runtime);
    world.runtime = { ...world.runtime, orgGroups: createOrgGroupNames(world.umapi, world.clock) }; // a cold start: nothing cached
    world.umapi.failure = 'throttled';
    world.umapi.calls = {};

    await applyWork(delta({ change: 'user.removed', user: { email: 'sam@acme.com' } }), world.runtime);
    expect(world.target('acme-campaign').members('delivery')).not.toContain('sam@acme.com');
    expect(world.umapi.calls).toEqual({});
  });

  it('a user removed from the org in a target keyed by username is not reported done: it is parked with the reason', async () => {
    const config = demoConfig();
    const world = demoRuntime({ config: { ...config, targets: config.targets.map((t) => (t.id === 'acme-stage-author' ? { ...t, userIdAttribute: 'username' as const } : t)) } });
    const error = await applyWork(delta({ change: 'user.removed', user: { email: 'sam@acme.com' } }), world.runtime).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkFailedError);
    const failure = (error as WorkFailedError).failures[0];
    expect(failure).toMatchObject({ targetId: 'acme-stage-author', retryable: false });
    expect(failure?.reason).toContain("cannot tell the user's username in acme-stage-author");
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
  });

  it('an older event arriving late never undoes a newer one (last writer wins)', async () => {
    const world = demoRuntime();
    // A reconciliation snapshot taken before sam was removed (by a newer delta) must not re-add sam.
    await applyWork(delta({ id: 'evt-new', occurredAt: '2026-11-23T09:59:00.000Z', change: 'user.removed', user: { email: 'sam@acme.com' } }), world.runtime);
    const stale: ReconcileMessage = {
      kind: 'reconcile',
      id: 'run-old:acme-prod-author:run:0',
      occurredAt: '2026-11-23T09:00:00.000Z',
      snapshotAt: '2026-11-23T09:00:00.000Z',
      correlationId: 'run-old',
      source: 'schedule',
      runId: 'run-old',
      targetId: 'acme-prod-author',
      slice: { changes: [{ group: 'AEM-Authors', add: ['sam@acme.com'], remove: [] }], wiring: [], disable: [], enable: [] },
    };
    await applyWork(stale, world.runtime);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.stores.audit.entries).toContainEqual(expect.objectContaining({ member: 'sam@acme.com', outcome: 'skipped-newer' }));
  });

  it('a target that is down fails alone: the others are applied and not repeated on redelivery', async () => {
    const world = demoRuntime();
    world.target('acme-campaign').down = true;
    const message = delta({ change: 'user.removed', user: { email: 'sam@acme.com' } });

    const error = await applyWork(message, world.runtime).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkFailedError);
    expect((error as WorkFailedError).failures.map((f) => f.targetId)).toEqual(['acme-campaign']);
    expect((error as WorkFailedError).retryable).toBe(true);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('sam@acme.com');

    world.target('acme-campaign').down = false;
    const retried = await applyWork(message, world.runtime);
    expect(retried.targets.map((t) => [t.targetId, t.status])).toEqual([
      ['acme-campaign', 'applied'],
      ['acme-prod-author', 'already-done'],
      ['acme-stage-author', 'already-done'],
    ]);
    expect(world.target('acme-campaign').members('delivery')).not.toContain('sam@acme.com');
  });

  it('a claim that fails in one target fails every work of the batch not yet settled there, not only those claimed before it', async () => {
    const world = demoRuntime();
    const idempotency = world.runtime.stores.idempotency;
    const begin = idempotency.begin.bind(idempotency);
    idempotency.begin = async (workId, targetId, leaseMs) => {
      if (workId === 'evt-b' && targetId === 'acme-campaign') throw new Error('DynamoDB is unavailable');
      return begin(workId, targetId, leaseMs);
    };
    const removals = ['evt-a', 'evt-b', 'evt-c'].map((id, i) =>
      delta({ id, change: 'user.removed', user: { email: ['sam@acme.com', 'li@acme.com', 'omar@acme.com'][i] ?? '' } }),
    );

    const results = await applyBatch(removals, world.runtime);

    // None of them is acknowledged while Campaign was never applied for it.
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect((result.error as WorkFailedError).failures.map((f) => f.targetId)).toEqual(['acme-campaign']);
    }
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('omar@acme.com');
  });

  it('a group hint re-checks that group only, in the targets that manage it', async () => {
    const world = demoRuntime();
    const hint: HintMessage = { kind: 'hint', id: 'evt-g', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'adobe-io', group: 'AEM-DAM-Users', reason: 'unknown event code' };
    await applyWork(hint, world.runtime);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toEqual(['omar@acme.com']);
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('sam@acme.com');
    expect(world.umapi.calls.listGroupUsers).toBe(1);
  });
});

describe('an addition is planned for its group alone', () => {
  /** The demo world where omar joined AEM-Authors and, with no event seen yet, left AEM-DAM-Users; prod's read scopes are kept. */
  function drifted() {
    const world = demoRuntime();
    const omar = world.fixture.users.find((u) => u.email === 'omar@acme.com');
    if (omar === undefined) throw new Error('demo org has no omar');
    omar.groups = [...omar.groups.filter((g) => g !== 'AEM-DAM-Users'), 'AEM-Authors'];
    const prod = world.target('acme-prod-author');
    const read = prod.readState.bind(prod);
    const scopes: string[][] = [];
    prod.readState = async (scope) => {
      scopes.push([...scope.groups]);
      return read(scope);
    };
    return { world, prod, scopes };
  }
  const addedToAuthors = (id: string, email: string) => delta({ id, change: 'membership.added', user: { email }, group: 'AEM-Authors' });

  it('reads and writes only that group, and leaves the user\'s other groups, undecided, to their own events', async () => {
    const { world, prod, scopes } = drifted();
    await applyWork(addedToAuthors('add-1', 'omar@acme.com'), world.runtime);

    expect(prod.members('AEM-Authors')).toContain('omar@acme.com');
    expect(prod.members('AEM-DAM-Users')).toContain('omar@acme.com');
    expect(scopes).toEqual([['AEM-Authors']]);
    // Nothing recorded for the group it did not plan: an older removal from AEM-DAM-Users still applies.
    expect(world.stores.versions.versions.has('acme-prod-author|omar@acme.com|aem-dam-users')).toBe(false);
    expect(world.stores.versions.versions.get('acme-prod-author|omar@acme.com|aem-authors')).toMatchObject({ present: true });
  });

  it("keeps the user's other groups, undecided, when the batch also holds whole-state work that reads every group", async () => {
    const { world, prod, scopes } = drifted();
    const hint: HintMessage = { kind: 'hint', id: 'hint-li', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'generic', user: { email: 'li@acme.com' }, reason: 're-check' };

    const results = await applyBatch([addedToAuthors('add-1', 'omar@acme.com'), hint], world.runtime);

    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(scopes[0]).toEqual(expect.arrayContaining(['AEM-Authors', 'AEM-DAM-Users']));
    expect(prod.members('AEM-Authors')).toContain('omar@acme.com');
    expect(prod.members('AEM-DAM-Users')).toContain('omar@acme.com');
    expect(world.stores.versions.versions.has('acme-prod-author|omar@acme.com|aem-dam-users')).toBe(false);
  });

  it('adds many users to the group with one read of that group and one write', async () => {
    const { world, prod, scopes } = drifted();
    const li = world.fixture.users.find((u) => u.email === 'li@acme.com');
    li?.groups.push('AEM-Authors');
    prod.state.groups.get('aem-authors')?.members.delete('li@acme.com');
    prod.applyCalls.length = 0;

    const results = await applyBatch([addedToAuthors('add-1', 'omar@acme.com'), addedToAuthors('add-2', 'li@acme.com')], world.runtime);

    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(prod.members('AEM-Authors')).toEqual(expect.arrayContaining(['li@acme.com', 'omar@acme.com']));
    expect(scopes).toEqual([['AEM-Authors']]);
    expect(prod.applyCalls).toEqual([expect.objectContaining({ changes: [{ group: 'AEM-Authors', add: ['li@acme.com', 'omar@acme.com'], remove: [] }] })]);
  });

  it('is not applied when UMAPI says the user left the group since: the read is newer than the event', async () => {
    const { world, prod } = drifted();
    const omar = world.fixture.users.find((u) => u.email === 'omar@acme.com');
    if (omar) omar.groups = omar.groups.filter((g) => g !== 'AEM-Authors');
    await applyWork(addedToAuthors('add-1', 'omar@acme.com'), world.runtime);
    expect(prod.members('AEM-Authors')).not.toContain('omar@acme.com');
  });

  it('an addition to a group this target does not manage (a product profile) plans the whole state', async () => {
    const { world, prod, scopes } = drifted();
    await applyWork(delta({ id: 'add-p', change: 'membership.added', user: { email: 'omar@acme.com' }, group: 'AEM Managed Services - acme-prod-author' }), world.runtime);

    expect(scopes[0]).toEqual(expect.arrayContaining(['AEM-Authors', 'AEM-DAM-Users']));
    expect(prod.members('AEM-Authors')).toContain('omar@acme.com');
    expect(prod.members('AEM-DAM-Users')).not.toContain('omar@acme.com');
  });
});
