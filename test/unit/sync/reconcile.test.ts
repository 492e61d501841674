import { describe, expect, it } from 'vitest';
import type { ReconcileMessage } from '../../../lib/domain/messages.js';
import { applyWork } from '../../../lib/sync/apply-work.js';
import { createScheduleHandler } from '../../../functions/doors/schedule.js';
import { decideRun } from '../../../lib/sync/decide-run.js';
import { reconcile } from '../../../lib/sync/reconcile.js';
import { demoConfig, demoRuntime } from '../../support/runtime.js';
import { scheduledEvent } from '../../pipeline/deliveries.js';

const changesOf = (report: Awaited<ReturnType<typeof reconcile>>, targetId: string) =>
  report.targets.find((t) => t.targetId === targetId)?.plan?.changes.map((c) => ({ group: c.group, add: [...c.add], remove: [...c.remove] }));

async function drain(world: ReturnType<typeof demoRuntime>) {
  while (world.queue.sent.length > 0) {
    const message = world.queue.sent.shift();
    if (message) await applyWork(message, world.runtime);
  }
}

describe('reconcile (plan mode over the demo org)', () => {
  it('plans exactly the demo org’s differences, per target and per group', async () => {
    const world = demoRuntime();
    const report = await reconcile({ runId: 'r1', mode: 'plan' }, world.runtime);

    expect(report.status).toBe('complete');
    expect(changesOf(report, 'acme-prod-author')).toEqual([
      { group: 'AEM-Authors', add: ['nina@acme.com'], remove: ['sam@acme.com'] },
      { group: 'AEM-DAM-Users', add: [], remove: ['li@acme.com', 'sam@acme.com'] },
    ]);
    expect(changesOf(report, 'acme-stage-author')).toEqual([{ group: 'AEM-Authors', add: ['li@acme.com'], remove: ['sam@acme.com'] }]);
    expect(changesOf(report, 'acme-campaign')).toEqual([
      { group: 'campaign-managers', add: [], remove: ['omar@acme.com'] },
      { group: 'content-reviewers', add: ['omar@acme.com'], remove: [] },
      { group: 'delivery', add: [], remove: ['sam@acme.com'] },
    ]);
  });

  it('keeps managing a Campaign group after its product profile is deleted: its IMS members are removed', async () => {
    const world = demoRuntime();
    await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    await drain(world);
    expect(world.target('acme-campaign').members('delivery')).toContain('jane@acme.com');

    // The profile is deleted in the Admin Console: its name leaves the org and every user's groups.
    const deleted = 'Campaign - acme-prod - delivery';
    world.fixture.groups = world.fixture.groups.filter((g) => g.name !== deleted);
    for (const user of world.fixture.users) user.groups = user.groups.filter((g) => g !== deleted);
    world.clock.advance(11 * 60_000); // past the org names' cache

    const report = await reconcile({ runId: 'r2', mode: 'plan' }, world.runtime);
    expect(changesOf(report, 'acme-campaign')).toContainEqual({ group: 'delivery', add: [], remove: ['jane@acme.com'] });
  });

  it('stops managing the remembered Campaign groups when the association mask changes (a config change removes nothing)', async () => {
    const world = demoRuntime();
    await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    await drain(world);
    const config = world.runtime.config;
    const renamed = demoRuntime({
      fixture: world.fixture,
      config: { ...config, targets: config.targets.map((t) => (t.kind === 'campaign' ? { ...t, associationMask: 'Campaign - other-tenant - (.*)' } : t)) },
    });
    renamed.runtime = { ...renamed.runtime, stores: world.runtime.stores };
    const report = await reconcile({ runId: 'r2', mode: 'plan' }, renamed.runtime);
    expect(changesOf(report, 'acme-campaign')).toEqual([]);
  });

  it('changes nothing and queues nothing in plan mode', async () => {
    const world = demoRuntime();
    await reconcile({ runId: 'r1', mode: 'plan' }, world.runtime);
    expect(world.queue.sent).toEqual([]);
    expect(world.stores.runs.records).toEqual([]);
    expect(world.target('acme-prod-author').applyCalls).toEqual([]);
  });

  it('reports wiring and deferrals: a missing IMS group and a user who never logged in', async () => {
    const world = demoRuntime();
    const report = await reconcile({ runId: 'r1', mode: 'plan' }, world.runtime);
    const prod = report.targets.find((t) => t.targetId === 'acme-prod-author')?.plan;
    const stage = report.targets.find((t) => t.targetId === 'acme-stage-author')?.plan;
    expect(prod?.wiring).toEqual([{ group: 'AEM-DAM-Users', memberOf: ['dam-users'] }]);
    expect(stage?.deferred).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'group', key: 'AEM-Reviewers' }), expect.objectContaining({ kind: 'user', key: 'nina@acme.com' })]));
    expect(prod?.untouched).toEqual([expect.objectContaining({ key: 'admin', group: 'AEM-Authors' })]);
  });
});

describe('reconcile (apply mode)', () => {
  it('converges: after its queued work is applied, a second run finds nothing to do', async () => {
    const world = demoRuntime();
    const first = await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    expect(first.targets.map((t) => t.status)).toEqual(['queued', 'queued', 'queued']);
    await drain(world);

    const second = await reconcile({ runId: 'r2', mode: 'plan' }, world.runtime);
    for (const target of second.targets) expect(target.plan?.changes).toEqual([]);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toEqual(['omar@acme.com']);
    expect(world.target('acme-campaign').members('delivery')).toEqual(['jane@acme.com', 'webservice-api']);
  });

  it('stops on an incomplete UMAPI read: no plan, nothing queued, runs recorded as INCOMPLETE', async () => {
    const world = demoRuntime();
    world.umapi.failure = 'incomplete';
    const report = await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    expect(report.status).toBe('incomplete');
    expect(world.queue.sent).toEqual([]);
    expect(world.stores.runs.records.map((r) => r.status)).toEqual(['INCOMPLETE', 'INCOMPLETE', 'INCOMPLETE']);
    expect(world.metrics.total('IncompleteReads')).toBe(1);
  });

  it('completes when the org changes during the read: applies the listed users’ changes, removes nobody unlisted, and says so', async () => {
    const world = demoRuntime();
    // Two users a page: jane, omar | li, max | nina, paul | rita. jane leaves the org once page 0 is
    // read, so li slides back onto page 0 and is never listed; sam (in the targets, not in IMS) is
    // not listed either.
    world.umapi.pageSize = 2;
    world.umapi.betweenPages = (page) => {
      if (page === 0) world.fixture.users = world.fixture.users.filter((u) => u.email !== 'jane@acme.com');
    };

    const summary = await createScheduleHandler(world.runtime)(scheduledEvent('5eed0001-churn-run'));
    const queued = world.queue.sent.filter((m): m is ReconcileMessage => m.kind === 'reconcile');
    await drain(world);

    expect(summary.status).toBe('complete');
    expect(summary.usersRead).toBe(6);
    expect(summary.note).toBe('the org changed during the read (6 users listed): users not listed were left as they are; the next reconciliation covers them');
    expect(world.metrics.total('OrgChangedDuringRead')).toBe(1);
    // Listed users: nina is added, omar moves from campaign-managers to content-reviewers.
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('nina@acme.com');
    expect(world.target('acme-campaign').members('campaign-managers')).not.toContain('omar@acme.com');
    expect(world.target('acme-campaign').members('content-reviewers')).toContain('omar@acme.com');
    // Unlisted users keep every group: nothing of li's or sam's was removed anywhere.
    expect(world.target('acme-prod-author').members('AEM-Authors')).toEqual(expect.arrayContaining(['li@acme.com', 'sam@acme.com']));
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toEqual(expect.arrayContaining(['li@acme.com', 'sam@acme.com']));
    expect(world.target('acme-stage-author').members('AEM-Authors')).toContain('sam@acme.com');
    expect(world.target('acme-campaign').members('delivery')).toContain('sam@acme.com');
    expect(queued.flatMap((m) => m.slice.changes.flatMap((c) => c.remove))).toEqual(['omar@acme.com']);
  });

  it('a target that cannot be read fails alone; the others are planned and queued', async () => {
    const world = demoRuntime();
    world.target('acme-campaign').down = true;
    const report = await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    expect(report.targets.map((t) => [t.targetId, t.status])).toEqual([
      ['acme-prod-author', 'queued'],
      ['acme-stage-author', 'queued'],
      ['acme-campaign', 'failed'],
    ]);
    expect(world.queue.sent.every((m) => m.kind === 'reconcile' && m.targetId !== 'acme-campaign')).toBe(true);
  });

  it('a guard trip queues only the safe part and holds removals until approved', async () => {
    const config = demoConfig();
    const world = demoRuntime({ config: { ...config, guard: { maxRemovals: 0, maxRemovalPercent: 100 } } });
    const report = await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    expect(report.targets.every((t) => t.status === 'held')).toBe(true);
    const queued = world.queue.sent as ReconcileMessage[];
    expect(queued.flatMap((m) => m.slice.changes.flatMap((c) => c.remove))).toEqual([]);
    await drain(world);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toContain('sam@acme.com');
    expect(world.metrics.total('GuardTrips')).toBe(3);

    const decisions = await decideRun('r1', 'approve', world.runtime, 'acme-prod-author');
    expect(decisions).toEqual([expect.objectContaining({ outcome: 'approved' })]);
    await drain(world);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toEqual(['omar@acme.com']);
    expect(world.target('acme-campaign').members('delivery')).toContain('sam@acme.com');

    expect(await decideRun('r1', 'approve', world.runtime, 'acme-prod-author')).toEqual([expect.objectContaining({ outcome: 'not-held' })]);
    expect(await decideRun('r1', 'reject', world.runtime, 'acme-campaign')).toEqual([expect.objectContaining({ outcome: 'rejected' })]);
  });

  it('an old held run is not approved once a newer run planned the target: a user who regained access meanwhile keeps it', async () => {
    const config = demoConfig();
    const world = demoRuntime({ config: { ...config, guard: { maxRemovals: 0, maxRemovalPercent: 100 } } });
    await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    await drain(world);
    // li regains AEM-DAM-Users in IMS (no event reaches the sync); a newer run finds li in place and changes nothing for li.
    world.fixture.users.find((u) => u.email === 'li@acme.com')?.groups.push('AEM-DAM-Users');
    world.clock.advance(60_000);
    await reconcile({ runId: 'r2', mode: 'apply' }, world.runtime);
    await drain(world);

    const [decision] = await decideRun('r1', 'approve', world.runtime, 'acme-prod-author');
    expect(decision).toMatchObject({ outcome: 'superseded', supersededBy: 'r2', queuedMessages: 0 });
    await drain(world);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toContain('li@acme.com');
  });

  it('an unknown run is a clear error', async () => {
    const world = demoRuntime();
    await expect(decideRun('nope', 'approve', world.runtime)).rejects.toThrow(/run nope does not exist/);
  });
});

describe('reconcile: deferred items', () => {
  it('keeps exactly the latest plan’s deferrals, writing only the new ones and keeping when each began', async () => {
    const world = demoRuntime();
    await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    const first = await world.stores.deferred.list('acme-stage-author');
    expect(first.map((d) => `${d.kind}:${d.key}`).sort()).toEqual(['group:AEM-Reviewers', 'user:nina@acme.com']);

    world.clock.advance(60_000);
    world.target('acme-stage-author').state.identities.set('nina@acme.com', 'ims');
    await reconcile({ runId: 'r2', mode: 'apply' }, world.runtime);

    const second = await world.stores.deferred.list('acme-stage-author');
    expect(second.map((d) => `${d.kind}:${d.key}`)).toEqual(['group:AEM-Reviewers']);
    expect(second[0]?.since).toBe(first.find((d) => d.kind === 'group')?.since);
  });
});

describe('decideRun: approve and reject race', () => {
  const heldRun = async (world: ReturnType<typeof demoRuntime>) =>
    world.runtime.stores.runs.put({
      runId: 'r1',
      targetId: 'acme-prod-author',
      startedAt: 0,
      status: 'HELD',
      counts: { adds: 0, removes: 1, wiring: 0, deferred: 0 },
      held: { changes: [{ group: 'AEM-Authors', add: [], remove: ['jane@acme.com'] }], wiring: [], disable: [], enable: [] },
      snapshotAt: 0,
    });

  it('a reject that comes while an approval is queuing loses: the approval has claimed the run', async () => {
    const world = demoRuntime();
    await heldRun(world);
    const rejections: unknown[] = [];
    const queue = {
      send: async (messages: readonly ReconcileMessage[]) => {
        rejections.push(...(await decideRun('r1', 'reject', world.runtime)));
        world.queue.sent.push(...messages);
      },
    };
    const [approval] = await decideRun('r1', 'approve', { ...world.runtime, queue });
    expect(approval?.outcome).toBe('approved');
    expect(rejections).toEqual([expect.objectContaining({ outcome: 'not-held' })]);
    expect((await world.runtime.stores.runs.get('r1'))[0]?.status).toBe('APPROVED');
  });

  it('an approval whose queuing failed can be approved again, and a reject cannot step in', async () => {
    const world = demoRuntime();
    await heldRun(world);
    world.queue.failNext = 1;
    await expect(decideRun('r1', 'approve', world.runtime)).rejects.toThrow(/queue unavailable/);
    expect((await world.runtime.stores.runs.get('r1'))[0]?.status).toBe('APPROVING');
    expect(await decideRun('r1', 'reject', world.runtime)).toEqual([expect.objectContaining({ outcome: 'not-held' })]);
    expect(await decideRun('r1', 'approve', world.runtime)).toEqual([expect.objectContaining({ outcome: 'approved', queuedMessages: 1 })]);
  });
});

describe('reconcile: fan-out and partial failures', () => {
  it('names each slice by its content: the same plan gives the same ids, a different plan different ones', async () => {
    const first = demoRuntime();
    const again = demoRuntime();
    await reconcile({ runId: 'r1', mode: 'apply' }, first.runtime);
    await reconcile({ runId: 'r1', mode: 'apply' }, again.runtime);
    expect(again.queue.sent.map((m) => m.id)).toEqual(first.queue.sent.map((m) => m.id));

    const changed = demoRuntime();
    changed.fixture.users.find((u) => u.email === 'li@acme.com')?.groups.push('AEM-DAM-Users');
    await reconcile({ runId: 'r1', mode: 'apply' }, changed.runtime);
    const prodIds = (w: ReturnType<typeof demoRuntime>) => w.queue.sent.filter((m) => m.kind === 'reconcile' && m.targetId === 'acme-prod-author').map((m) => m.id);
    expect(prodIds(changed)).not.toEqual(prodIds(first));
    expect(first.queue.sent.every((m) => m.id.length <= 128)).toBe(true);
  });

  it('a target whose work cannot be queued fails alone and is recorded FAILED; the others are queued', async () => {
    const world = demoRuntime();
    world.queue.failNext = 1;
    const report = await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    expect(report.targets.map((t) => t.status)).toEqual(['failed', 'queued', 'queued']);
    expect(world.stores.runs.records.map((r) => [r.targetId, r.status])).toEqual([
      ['acme-prod-author', 'FAILED'],
      ['acme-stage-author', 'APPLIED'],
      ['acme-campaign', 'APPLIED'],
    ]);
  });
});
