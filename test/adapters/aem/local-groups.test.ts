/**
 * Issue 12 §4: a managed name or pattern can match a LOCAL group of the instance (no `rep:externalId`
 * ending in ";ims"). Such a group is read as `local`, reported by the plan, and never written — in a
 * reconciliation and in webhook (user-centric) work, whether or not the search says `externalId`.
 */
import { describe, expect, it } from 'vitest';
import { managedAemGroups } from '../../../lib/domain/managed.js';
import { planTarget } from '../../../lib/domain/plan.js';
import type { DesiredMembers } from '../../../lib/domain/desired.js';
import { demoInstance, emptySlice, useWorld } from './harness.js';

const worlds = useWorld();

const MANAGED = [
  { name: 'AEM-Authors', memberOf: ['content-authors'] },
  { name: 'AEM-Ops', memberOf: [] },
  { pattern: 'AEM-.*', memberOf: ['dam-users'] },
];

/** The demo instance plus two local groups an administrator made: one has a configured name, one matches the pattern. */
function instanceWithLocalGroups() {
  const instance = demoInstance('acme-prod-author');
  instance.groups.push({ id: 'AEM-Ops', ims: false, members: ['admin'] });
  instance.groups.push({ id: 'AEM-Local-Team', ims: false, members: ['li@acme.com'] });
  return instance;
}

/** IMS says: jane is in all three groups of those names, li in AEM-Authors only. */
const desired: DesiredMembers = new Map([
  ['jane@acme.com', new Set(['aem-authors', 'aem-ops', 'aem-local-team'])],
  ['li@acme.com', new Set(['aem-authors'])],
]);
const LOCAL_REPORTS = [
  { reason: 'local-group', group: 'AEM-Local-Team' },
  { reason: 'local-group', group: 'AEM-Ops' },
];

describe('AEM adapter: local groups matching a managed name or pattern', () => {
  it.each([true, false])('reconciliation reads them as local, plans nothing there and writes nothing there (search externalId: %s)', async (searchExternalId) => {
    const world = await worlds.start(instanceWithLocalGroups(), { sim: { searchExternalId }, settings: { managedGroups: MANAGED } });
    // IMS has a group called AEM-Local-Team too: the org's names are candidates as well.
    const managed = managedAemGroups(world.config, [...(await world.adapter.listGroups()), 'AEM-Local-Team']);

    const actual = await world.adapter.readState({ groups: [...managed.values()].map((g) => g.name) });
    const plan = planTarget({ target: world.config, managed, desired, actual });
    const result = await world.adapter.apply(plan);

    expect(actual.groups.get('aem-ops')).toEqual({ status: 'local', name: 'AEM-Ops' });
    expect(actual.groups.get('aem-local-team')).toEqual({ status: 'local', name: 'AEM-Local-Team' });
    expect(actual.groups.get('aem-authors')?.status).toBe('known');
    expect(plan.untouched).toEqual(expect.arrayContaining(LOCAL_REPORTS));
    expect(plan.changes.map((c) => c.group)).toEqual(['AEM-Authors', 'AEM-DAM-Users']);
    expect(result.failed).toEqual([]);
    expect(world.sim.control.members('AEM-Ops')).toEqual(['admin']);
    expect(world.sim.control.members('AEM-Local-Team')).toEqual(['li@acme.com']);
    expect(world.sim.control.memberOf('AEM-Local-Team')).toEqual([]);
    // Their member lists are never even read.
    expect(world.sim.counts()['GET rw.json']?.read).toBe(2);
  });

  it('webhook work reads them as local too, and writes nothing there', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { searchExternalId: false }, settings: { managedGroups: MANAGED } });
    // Made at run time, as an administrator would.
    world.sim.control.createLocalGroup('AEM-Ops', ['admin']);
    world.sim.control.createLocalGroup('AEM-Local-Team', ['li@acme.com']);
    const managed = managedAemGroups(world.config, ['AEM-Authors', 'AEM-Local-Team']);

    for (const user of ['jane@acme.com', 'li@acme.com']) {
      const actual = await world.adapter.readState({ groups: [...managed.values()].map((g) => g.name), users: [user] });
      const plan = planTarget({ target: world.config, managed, desired, actual, scope: [user] });
      const result = await world.adapter.apply(plan);

      expect(actual.groups.get('aem-ops')).toEqual({ status: 'local', name: 'AEM-Ops' });
      expect(actual.groups.get('aem-local-team')).toEqual({ status: 'local', name: 'AEM-Local-Team' });
      expect(plan.untouched).toEqual(expect.arrayContaining(LOCAL_REPORTS));
      expect(result.failed).toEqual([]);
    }
    expect(world.sim.control.members('AEM-Ops')).toEqual(['admin']);
    expect(world.sim.control.members('AEM-Local-Team')).toEqual(['li@acme.com']);
  });

  it('refuses a planned write into a local group (a slice planned before the group changed), and reports it as not retryable', async () => {
    const world = await worlds.start(instanceWithLocalGroups(), { sim: { searchExternalId: false }, settings: { managedGroups: MANAGED } });

    const result = await world.adapter.apply({
      ...emptySlice,
      changes: [
        { group: 'AEM-Local-Team', add: ['jane@acme.com'], remove: ['li@acme.com'] },
        { group: 'AEM-Authors', add: ['nina@acme.com'], remove: [] },
      ],
    });

    expect(result.applied).toEqual([{ op: 'add', group: 'AEM-Authors', member: 'nina@acme.com' }]);
    expect(result.failed).toHaveLength(2);
    expect(result.failed.every((f) => !f.retryable && /not an IMS group/.test(f.error))).toBe(true);
    expect(world.sim.control.members('AEM-Local-Team')).toEqual(['li@acme.com']);
    expect(world.sim.counts()['POST rw.html']?.write).toBe(1);
  });

  it('a read that cannot tell whether the group is an IMS one leaves it unknown, never known', async () => {
    const world = await worlds.start(instanceWithLocalGroups(), {
      sim: { searchExternalId: false },
      settings: { managedGroups: MANAGED },
      transport: (inner) => async (request) =>
        request.url.includes('property=rep%3AauthorizableId') && request.url.includes('rep%3AGroup')
          ? { status: 503, headers: { 'content-type': 'text/plain' }, body: 'down' }
          : inner(request),
    });

    const actual = await world.adapter.readState({ groups: ['AEM-Ops'] });

    expect(actual.groups.get('aem-ops')?.status).toBe('unknown');
  });
});
