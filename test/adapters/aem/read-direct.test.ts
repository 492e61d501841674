/** The access review's read of IMS users in local and AEM-provided groups, against the AEM simulator. */
import { describe, expect, it } from 'vitest';
import { demoInstance, useWorld } from './harness.js';

const worlds = useWorld();

describe('AEM adapter: readDirectMemberships', () => {
  it('lists the given IMS users declared in non-IMS groups, not the wired IMS groups nor local users, in one query and one read per group', async () => {
    const instance = demoInstance('acme-prod-author');
    instance.groups.find((g) => g.id === 'dam-users')?.members.push('AEM-DAM-Users', 'omar@acme.com');
    const world = await worlds.start(instance);
    const read = world.adapter.readDirectMemberships;
    if (read === undefined) throw new Error('the AEM adapter must read direct memberships');

    const direct = await read(['AEM-Authors', 'AEM-DAM-Users'], new Set(['jane@acme.com', 'omar@acme.com', 'li@acme.com', 'sam@acme.com', 'nina@acme.com', 'tom@acme.com']));

    expect(Object.fromEntries(direct.byUser)).toEqual({ 'li@acme.com': ['workflow-users'], 'tom@acme.com': ['workflow-users'], 'omar@acme.com': ['dam-users'] });
    expect(direct.unknownGroups).toEqual([]);
    // administrators, content-authors, dam-users, workflow-users: one .rw.json each after one QueryBuilder call.
    expect(world.sim.counts()['GET querybuilder']?.read).toBe(1);
    expect(world.calls()).toBe(5);
  });

  it('reports a local group whose read fails as unknown, and still reads the others', async () => {
    // Homes are random node names: the group's is looked up in the simulator once it runs.
    let brokenHome = '(not yet known)';
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      transport: (inner) => async (request) => (request.url.includes(brokenHome) ? { status: 503, headers: {}, body: 'down' } : inner(request)),
    });
    brokenHome = world.sim.control.snapshot().groups.find((g) => g.id === 'workflow-users')?.home ?? 'missing';
    const direct = await world.adapter.readDirectMemberships?.(['AEM-Authors'], new Set(['li@acme.com', 'tom@acme.com']));
    expect(direct?.unknownGroups).toEqual(['workflow-users']);
    expect(direct?.byUser.size).toBe(0);
  });
});
