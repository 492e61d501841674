import { describe, expect, it } from 'vitest';
import type { DeltaMessage, HintMessage, ReconcileMessage } from '../../../lib/domain/messages.js';
import { applyWork } from '../../../lib/sync/apply-work.js';
import { demoRuntime, demoConfig } from '../../support/runtime.js';

const delta = (over: Partial<DeltaMessage> & Pick<DeltaMessage, 'change' | 'user'>): DeltaMessage => ({
  kind: 'delta', id: 'evt-1', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'adobe-io', ...over,
});
const slice = (changes: ReconcileMessage['slice']['changes'], at = '2026-11-23T09:00:00.000Z'): ReconcileMessage => ({
  kind: 'reconcile', id: 'run-old:acme-prod-author:run:0', occurredAt: at, snapshotAt: at, correlationId: 'run-old',
  source: 'schedule', runId: 'run-old', targetId: 'acme-prod-author', slice: { changes, wiring: [], disable: [], enable: [] },
});

describe('applyWork: what an older fact may never undo, and what a partial fact may never disable', () => {
  it('a delta that found nothing to change still records its decision: an older reconciliation slice cannot re-grant access', async () => {
    const world = demoRuntime();
    // 09:00 snapshot: omar was in AEM-Authors in IMS, not yet in AEM -> slice "add omar".
    // 09:30 omar removed from AEM-Authors in IMS (fixture already says so); the delta runs first:
    await applyWork(delta({ id: 'evt-rm', occurredAt: '2026-11-23T09:30:00.000Z', change: 'membership.removed', user: { email: 'omar@acme.com' }, group: 'AEM-Authors' }), world.runtime);
    // ...then the older slice arrives (other FIFO group, or delayed by a target outage):
    await applyWork(slice([{ group: 'AEM-Authors', add: ['omar@acme.com'], remove: [] }]), world.runtime);
    expect(world.target('acme-prod-author').members('AEM-Authors')).not.toContain('omar@acme.com');
  });

  it('a held removal approved later does not remove a user re-added in IMS meanwhile', async () => {
    const world = demoRuntime();
    // jane is in AEM-Authors in IMS and AEM; a delta (re-add) at 09:30 finds AEM already right.
    await applyWork(delta({ id: 'evt-add', occurredAt: '2026-11-23T09:30:00.000Z', change: 'membership.added', user: { email: 'jane@acme.com' }, group: 'AEM-Authors' }), world.runtime);
    // The approved held slice from the 09:00 snapshot (jane was out of the group then):
    await applyWork(slice([{ group: 'AEM-Authors', add: [], remove: ['jane@acme.com'] }]), world.runtime);
    expect(world.target('acme-prod-author').members('AEM-Authors')).toContain('jane@acme.com');
  });

  it('a group hint never disables a user who keeps access through another group (disable-user)', async () => {
    const config = demoConfig();
    (config.targets[0] as { revocation: string }).revocation = 'disable-user';
    const world = demoRuntime({ config });
    // li: IMS AEM-Authors (-> prod profile), no longer in AEM-DAM-Users; AEM still has li in both.
    const hint: HintMessage = { kind: 'hint', id: 'evt-g', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'adobe-io', group: 'AEM-DAM-Users', reason: 'unknown code' };
    await applyWork(hint, world.runtime);
    expect(world.target('acme-prod-author').members('AEM-DAM-Users')).not.toContain('li@acme.com');
    expect([...world.target('acme-prod-author').state.disabled]).not.toContain('li@acme.com');
  });

  it('an addition planned for its group alone re-enables a user only on UMAPI\'s word of access, and never disables (disable-user)', async () => {
    const config = demoConfig();
    (config.targets[0] as { revocation: string }).revocation = 'disable-user';
    const world = demoRuntime({ config });
    const prod = world.target('acme-prod-author');
    const users = new Map(world.fixture.users.map((u) => [u.email, u]));
    // Both were disabled by the sync. jane has the prod profile. omar, by the time UMAPI is read, is in
    // no group at all (no access), yet AEM still lists him in AEM-DAM-Users: a kept group, not access.
    for (const email of ['jane@acme.com', 'omar@acme.com']) prod.state.disabled.add(email);
    users.get('omar@acme.com')?.groups.splice(0, Infinity);
    const hint: HintMessage = { kind: 'hint', id: 'hint-li', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'generic', user: { email: 'li@acme.com' }, reason: 're-check' };
    const added = (id: string, email: string) => delta({ id, change: 'membership.added', user: { email }, group: 'AEM-Authors' });

    // In one batch with whole-state work, so every managed group is read.
    const { applyBatch } = await import('../../../lib/sync/apply-work.js');
    await applyBatch([added('add-jane', 'jane@acme.com'), added('add-omar', 'omar@acme.com'), hint], world.runtime);

    expect(prod.state.disabled.has('jane@acme.com')).toBe(false);
    expect(prod.state.disabled.has('omar@acme.com')).toBe(true);
    expect(prod.members('AEM-DAM-Users')).toContain('omar@acme.com');
  });

  it('the precise removal applied while UMAPI is throttled never disables (disable-user)', async () => {
    const config = demoConfig();
    (config.targets[0] as { revocation: string }).revocation = 'disable-user';
    const world = demoRuntime({ config });
    world.target('acme-prod-author').state.groups.get('aem-authors')?.members.delete('li@acme.com'); // li only in AEM-DAM-Users in AEM
    world.umapi.failure = 'throttled';
    await applyWork(delta({ change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' }), world.runtime).catch(() => undefined);
    // li still holds the prod profile through AEM-Authors in IMS
    expect([...world.target('acme-prod-author').state.disabled]).not.toContain('li@acme.com');
  });

  it('an older reconciliation slice that writes after a newer removal landed does not leave the access granted', async () => {
    const world = demoRuntime();
    const aem = world.target('acme-prod-author');
    const write = aem.apply.bind(aem);
    let raced = false;
    // Between the slice's reservation and its write, a newer removal of omar reserves and lands first.
    aem.apply = async (change) => {
      if (!raced) {
        raced = true;
        await applyWork(delta({ id: 'evt-rm', occurredAt: '2026-11-23T09:30:00.000Z', change: 'membership.removed', user: { email: 'omar@acme.com' }, group: 'AEM-Authors' }), world.runtime);
      }
      return write(change);
    };
    await applyWork(slice([{ group: 'AEM-Authors', add: ['omar@acme.com'], remove: [] }]), world.runtime);
    expect(aem.members('AEM-Authors')).not.toContain('omar@acme.com');
    expect(world.metrics.total('ChangesOvertaken')).toBe(1);
  });
});
