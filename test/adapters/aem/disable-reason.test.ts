/**
 * Issue 12 §5: `revocation: disable-user` must re-enable only users the sync itself disabled. Oak
 * keeps the reason of `User.disable(reason)` as the value of `rep:disabled`; the sync disables with
 * its own reason and tells its own disabling from an administrator's by that value.
 */
import { describe, expect, it } from 'vitest';
import type { DesiredMembers } from '../../../lib/domain/desired.js';
import { managedAemGroups } from '../../../lib/domain/managed.js';
import { planTarget } from '../../../lib/domain/plan.js';
import { DISABLE_REASON } from '../../../lib/targets/aem/ownership.js';
import { demoInstance, emptySlice, useWorld, type World } from './harness.js';

const worlds = useWorld();
const INCIDENT = 'Incident 4711: account under investigation';
const settings = { revocation: 'disable-user' as const, managedGroups: [{ name: 'AEM-Authors', memberOf: ['content-authors'] }] };

/** sam was disabled by the sync, li by an administrator by hand; both are back in AEM-Authors in IMS. */
async function startDisabled(searchExternalId = true): Promise<World> {
  const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { searchExternalId }, settings });
  const disabled = await world.adapter.apply({ ...emptySlice, disable: ['sam@acme.com'] });
  expect(disabled.failed).toEqual([]);
  world.sim.control.disable('li@acme.com', INCIDENT);
  return world;
}

const desired: DesiredMembers = new Map(['jane@acme.com', 'li@acme.com', 'sam@acme.com'].map((key) => [key, new Set(['aem-authors'])]));

describe('AEM adapter: who disabled a user', () => {
  it('disables with the sync own reason, the value of rep:disabled', async () => {
    const world = await startDisabled();

    expect(world.sim.control.disabledReason('sam@acme.com')).toBe(DISABLE_REASON);
  });

  it('tells the sync own disabling from anyone else, in a reconciliation read', async () => {
    const world = await startDisabled();

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'] });

    expect(Object.fromEntries(actual.disabled ?? [])).toEqual({ 'sam@acme.com': 'sync', 'li@acme.com': 'other' });
  });

  it.each([true, false])('tells them apart in a user-centric read too (search externalId: %s)', async (searchExternalId) => {
    const world = await startDisabled(searchExternalId);

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'], users: ['sam@acme.com', 'li@acme.com', 'jane@acme.com'] });

    expect(Object.fromEntries(actual.disabled ?? [])).toEqual({ 'sam@acme.com': 'sync', 'li@acme.com': 'other' });
    expect(actual.identities.get('li@acme.com')).toBe('ims');
  });

  it.each([undefined, ['li@acme.com'], ['sam@acme.com']])('re-enables only the user the sync disabled, and reports the other (scope %j)', async (scope) => {
    const world = await startDisabled();
    const managed = managedAemGroups(world.config, []);

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'], ...(scope ? { users: scope } : {}) });
    const plan = planTarget({ target: world.config, managed, desired, actual, ...(scope ? { scope } : {}) });
    const result = await world.adapter.apply(plan);

    expect(result.failed).toEqual([]);
    expect(world.sim.control.disabledReason('li@acme.com')).toBe(INCIDENT);
    if (scope === undefined || scope.includes('sam@acme.com')) expect(world.sim.control.isDisabled('sam@acme.com')).toBe(false);
    if (scope === undefined || scope.includes('li@acme.com')) expect(plan.untouched).toContainEqual({ reason: 'disabled-by-other', key: 'li@acme.com' });
  });

  it('refuses to enable a user someone else disabled, even when a slice asks, and never overwrites their reason', async () => {
    const world = await startDisabled();

    const enabled = await world.adapter.apply({ ...emptySlice, enable: ['li@acme.com'] });
    const disabled = await world.adapter.apply({ ...emptySlice, disable: ['li@acme.com'] });

    expect(enabled.applied).toEqual([]);
    expect(enabled.failed).toEqual([expect.objectContaining({ op: 'enable', member: 'li@acme.com', retryable: false })]);
    expect(enabled.failed[0]?.error).toMatch(/disabled by someone else/);
    expect(disabled.failed).toEqual([]);
    expect(world.sim.control.disabledReason('li@acme.com')).toBe(INCIDENT);
  });
});
