import { describe, expect, it } from 'vitest';
import type { DeltaMessage, HintMessage, ReconcileMessage } from '../../../lib/domain/messages.js';
import { applyWork } from '../../../lib/sync/apply-work.js';
import { WorkFailedError } from '../../../lib/sync/work-errors.js';
import { demoRuntime } from '../../support/runtime.js';

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

  it('when UMAPI is throttled, a precise removal is applied at once and the message is retried for the rest', async () => {
    const world = demoRuntime();
    world.umapi.failure = 'throttled';
    const message = delta({ change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' });

    await expect(applyWork(message, world.runtime)).rejects.toMatchObject({ retryAfterMs: 30_000 });
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).not.toContain('li@acme.com');
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('li@acme.com');

    world.umapi.failure = 'none';
    const retried = await applyWork(message, world.runtime);
    expect(retried.targets.find((t) => t.targetId === 'acme-prod-author')?.status).toBe('applied');
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

  it('a group hint re-checks that group only, in the targets that manage it', async () => {
    const world = demoRuntime();
    const hint: HintMessage = { kind: 'hint', id: 'evt-g', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'adobe-io', group: 'AEM-DAM-Users', reason: 'unknown event code' };
    await applyWork(hint, world.runtime);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).toEqual(['omar@acme.com']);
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('sam@acme.com');
    expect(world.umapi.calls.listGroupUsers).toBe(1);
  });
});
