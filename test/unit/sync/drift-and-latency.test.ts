/** DriftFindings from each scheduled reconciliation, stored with its run; RevocationLatencyMs from webhook work. */
import { describe, expect, it } from 'vitest';
import { applyPlanSlice, sameFact } from '../../../lib/sync/apply-plan.js';
import { reconcile } from '../../../lib/sync/reconcile.js';
import { demoRuntime } from '../../support/runtime.js';

const driftOf = (world: ReturnType<typeof demoRuntime>, target: string) =>
  Object.fromEntries(world.metrics.counted.filter((m) => m.name === 'DriftFindings' && m.dimensions['target'] === target).map((m) => [m.dimensions['kind'], m.value]));

describe('DriftFindings', () => {
  it('counts every kind per target in an applied reconciliation and stores the counts with the run', async () => {
    const world = demoRuntime();
    world.target('acme-prod-author').readDirectMemberships = async () => ({
      byUser: new Map([
        ['li@acme.com', ['workflow-users']],
        ['tom@acme.com', ['workflow-users']],
      ]),
      unknownGroups: [],
    });
    await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);

    // sam left the org: his two managed groups (removal queued); tom, long gone, in workflow-users; admin is local in AEM-Authors.
    const prod = { 'direct-member': 1, 'local-in-managed': 1, unwired: 1, orphan: 3, 'disabled-mismatch': 0, deferred: 0 };
    expect(driftOf(world, 'acme-prod-author')).toEqual(prod);
    expect(world.stores.runs.records.find((r) => r.targetId === 'acme-prod-author')?.findings).toEqual(prod);
  });

  it('leaves direct-member and orphan uncounted where unmanaged groups cannot be read: unknown is not zero', async () => {
    const world = demoRuntime();
    world.target('acme-stage-author').readDirectMemberships = async () => {
      throw new Error('AEM stage timed out');
    };
    await reconcile({ runId: 'r1', mode: 'apply' }, world.runtime);
    const stage = driftOf(world, 'acme-stage-author');
    expect(stage).not.toHaveProperty('direct-member');
    expect(stage).not.toHaveProperty('orphan');
    expect(stage).toMatchObject({ deferred: 2, 'local-in-managed': 0 });
    expect(world.log.lines.some((l) => l.level === 'warn' && String(l.attributes['reason']).includes('AEM stage timed out'))).toBe(true);
  });

  it('publishes nothing for a plan (dry run)', async () => {
    const world = demoRuntime();
    await reconcile({ runId: 'r1', mode: 'plan' }, world.runtime);
    expect(world.metrics.counted.filter((m) => m.name === 'DriftFindings')).toEqual([]);
  });
});

describe('RevocationLatencyMs', () => {
  const slice = { changes: [{ group: 'AEM-Authors', add: [], remove: ['sam@acme.com'] }], wiring: [], disable: [], enable: [] };

  it('measures from the event’s time to the write, per target, for webhook work that revoked', async () => {
    const world = demoRuntime();
    const binding = world.runtime.targets[0];
    if (binding === undefined) throw new Error('no target');
    const at = world.clock.now() - 1500;
    await applyPlanSlice(slice, [], sameFact(binding, { eventId: 'e1', at, cause: 'event e1' }), world.runtime);
    expect(world.metrics.timed).toEqual([
      { name: 'RevocationLatencyMs', ms: 1500, dimensions: { target: 'acme-prod-author' } },
      { name: 'RevocationLatencyMs', ms: 1500, dimensions: {} },
    ]);
  });

  it('is not measured for reconciliation slices, additions only, or a fact time after the write', async () => {
    const world = demoRuntime();
    const binding = world.runtime.targets[0];
    if (binding === undefined) throw new Error('no target');
    const now = world.clock.now();
    await applyPlanSlice(slice, [], sameFact(binding, { eventId: 'r1', at: now - 1000, cause: 'run r1' }), world.runtime);
    const add = { ...slice, changes: [{ group: 'AEM-Authors', add: ['nina@acme.com'], remove: [] }] };
    await applyPlanSlice(add, [], sameFact(binding, { eventId: 'e2', at: now - 1000, cause: 'event e2' }), world.runtime);
    const removeLi = { ...slice, changes: [{ group: 'AEM-DAM-Users', add: [], remove: ['li@acme.com'] }] };
    await applyPlanSlice(removeLi, [], sameFact(binding, { eventId: 'e3', at: now + 60_000, cause: 'event e3' }), world.runtime);
    expect(world.metrics.timed).toEqual([]);
  });
});
