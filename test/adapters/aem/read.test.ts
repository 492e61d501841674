import { describe, expect, it } from 'vitest';
import { IncompleteReadError, TargetUnavailableError } from '../../../lib/errors.js';
import { USER_LOOKUPS_BEFORE_LIST } from '../../../lib/targets/aem/lookup.js';
import { bigInstance, demoInstance, known, startWorld, totalCalls, useWorld } from './harness.js';

const worlds = useWorld();

describe('AEM adapter: listGroups', () => {
  it('lists every IMS group, and only IMS groups, in one call', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));

    const groups = await world.adapter.listGroups();

    expect([...groups].sort()).toEqual(['AEM-Authors', 'AEM-DAM-Users']);
    expect(totalCalls(world.sim)).toBe(1);
    expect(world.sim.counts()['GET querybuilder']?.read).toBe(1);
  });
});

describe('AEM adapter: readState for reconciliation', () => {
  it('reads groups and IMS users, flags local members and leaves nested groups out', async () => {
    const instance = demoInstance('acme-prod-author');
    // A local group nested in a managed group is not an identity.
    instance.groups.push({ id: 'local-reviewers', ims: false, members: [] });
    instance.groups.find((g) => g.id === 'AEM-Authors')?.members.push('local-reviewers');
    const world = await worlds.start(instance);

    const actual = await world.adapter.readState({ groups: ['AEM-Authors', 'aem-dam-users'] });

    const authors = known(actual.groups.get('aem-authors'));
    expect(authors.name).toBe('AEM-Authors');
    expect([...authors.members].sort()).toEqual(['admin', 'jane@acme.com', 'li@acme.com', 'sam@acme.com']);
    expect([...authors.memberOf]).toEqual(['content-authors']);
    expect(known(actual.groups.get('aem-dam-users')).name).toBe('AEM-DAM-Users');
    expect(actual.identities.get('admin')).toBe('local');
    expect(actual.identities.get('sam@acme.com')).toBe('ims');
    // nina never was in a managed group but is an IMS user of the instance: known, so she can be added.
    expect(actual.identities.get('nina@acme.com')).toBe('ims');
    expect(actual.identities.has('ims-sync-service')).toBe(false);
    expect(actual.identities.has('local-reviewers')).toBe(false);
  });

  it('costs the same handful of calls for 50 or 500 users a group', async () => {
    const callsFor = async (usersPerGroup: number): Promise<number> => {
      const w = await startWorld(bigInstance(5, usersPerGroup));
      try {
        const groups = Array.from({ length: 5 }, (_, g) => `AEM-Group-${g}`);
        const actual = await w.adapter.readState({ groups });
        expect(known(actual.groups.get('aem-group-4')).members.size).toBe(usersPerGroup);
        expect(actual.identities.size).toBe(5 * usersPerGroup + 1);
        return totalCalls(w.sim);
      } finally {
        await w.stop();
      }
    };

    const small = await callsFor(50);
    const large = await callsFor(500);

    expect(large).toBe(small);
    // IMS users + IMS group homes + 5 group reads + the one group-id listing (admin's type).
    expect(large).toBeLessThanOrEqual(8);
  });

  it('raises ml until the member list is whole', async () => {
    const world = await worlds.start(bigInstance(1, 35), { options: { memberList: { initial: 10, max: 1000 } } });

    const actual = await world.adapter.readState({ groups: ['AEM-Group-0'] });

    expect(known(actual.groups.get('aem-group-0')).members.size).toBe(36);
    expect(world.sim.counts()['GET rw.json']?.read).toBe(2);
  });

  it('reports a group unknown when even the largest ml is cut', async () => {
    const world = await worlds.start(bigInstance(1, 35), { options: { memberList: { initial: 5, max: 20 } } });

    const actual = await world.adapter.readState({ groups: ['AEM-Group-0'] });

    const state = actual.groups.get('aem-group-0');
    expect(state?.status).toBe('unknown');
    expect(state?.status === 'unknown' && state.reason).toMatch(/cut at ml=20/);
  });

  it('reports a group that does not exist as missing', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));

    const actual = await world.adapter.readState({ groups: ['AEM-Authors', 'AEM-Reviewers'] });

    expect(actual.groups.get('aem-reviewers')).toEqual({ status: 'missing' });
    expect(actual.groups.get('aem-authors')?.status).toBe('known');
  });

  it('does not take a longer id found by the search for the group', async () => {
    const instance = demoInstance('acme-prod-author');
    instance.groups.push({ id: 'AEM-Authors-Archive', ims: true, members: ['jane@acme.com'] });
    instance.groups = instance.groups
      .filter((g) => g.id !== 'AEM-Authors')
      .map((g) => ({ ...g, members: g.members.filter((m) => m !== 'AEM-Authors') }));
    const world = await worlds.start(instance);

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'] });

    expect(actual.groups.get('aem-authors')).toEqual({ status: 'missing' });
  });

  it('makes only the group whose read fails unknown', async () => {
    const instance = demoInstance('acme-prod-author');
    let brokenHome = '';
    const world = await worlds.start(instance, {
      transport: (inner) => async (request) =>
        brokenHome !== '' && request.url.includes(brokenHome)
          ? { status: 500, headers: { 'content-type': 'text/plain' }, body: 'boom' }
          : inner(request),
    });
    brokenHome = world.sim.control.snapshot().groups.find((g) => g.id === 'AEM-DAM-Users')?.home ?? '';

    const actual = await world.adapter.readState({ groups: ['AEM-Authors', 'AEM-DAM-Users'] });

    const dam = actual.groups.get('aem-dam-users');
    expect(dam?.status).toBe('unknown');
    expect(dam?.status === 'unknown' && dam.reason).toMatch(/HTTP 500/);
    expect(known(actual.groups.get('aem-authors')).members.size).toBe(4);
  });

  it('throws when the identity read fails, rather than reading no users', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      transport: (inner) => async (request) =>
        request.url.includes('path=%2Fhome%2Fusers')
          ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"success":true,"total":9,"more":true,"hits":[]}' }
          : inner(request),
    });

    await expect(world.adapter.readState({ groups: ['AEM-Authors'] })).rejects.toBeInstanceOf(IncompleteReadError);
  });

  it('throws TargetUnavailableError when AEM is down', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { faults: { errorRate: 1 } } });

    await expect(world.adapter.readState({ groups: ['AEM-Authors'] })).rejects.toBeInstanceOf(TargetUnavailableError);
  });
});

describe('AEM adapter: user-centric readState', () => {
  it('reads only the users asked for, looked up together (a search only for who the lookup misses), and tells IMS from local', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));

    const actual = await world.adapter.readState({ groups: ['AEM-Authors', 'AEM-DAM-Users'], users: ['LI@acme.com', 'admin', 'nobody@acme.com'] });

    expect([...known(actual.groups.get('aem-authors')).members].sort()).toEqual(['admin', 'li@acme.com']);
    expect([...known(actual.groups.get('aem-dam-users')).members]).toEqual(['li@acme.com']);
    expect(Object.fromEntries(actual.identities)).toEqual({ 'li@acme.com': 'ims', admin: 'local' });
    // one QueryBuilder lookup finds li and admin; nobody@acme.com, not found, is searched for on its own
    expect(world.sim.counts()['GET search']?.read).toBe(1);
  });

  it('costs a few calls per user, whatever the size of the groups: no group member list is read', async () => {
    const world = await worlds.start(bigInstance(5, 500));
    const groups = ['AEM-Group-0', 'AEM-Group-1', 'AEM-Group-2', 'AEM-Group-3', 'AEM-Group-4', 'AEM-Group-9'];

    const actual = await world.adapter.readState({ groups, users: ['user1-7@acme.com'] });

    expect([...known(actual.groups.get('aem-group-1')).members]).toEqual(['user1-7@acme.com']);
    expect(known(actual.groups.get('aem-group-0')).members.size).toBe(0);
    expect(actual.groups.get('aem-group-9')).toEqual({ status: 'missing' });
    const counts = world.sim.counts();
    // one search for the user, its own .rw.json, one QueryBuilder for the IMS groups, one search for the group that does not exist
    expect(counts['GET rw.json']?.read).toBe(1);
    expect(totalCalls(world.sim)).toBeLessThanOrEqual(4);
  });

  it('once many users were searched one by one lately, reads the IMS user list once and finds the next users in it', async () => {
    const world = await worlds.start(bigInstance(5, 500));
    const user = (i: number) => `user${i % 5}-${Math.floor(i / 5)}@acme.com`;

    for (let i = 0; i < USER_LOOKUPS_BEFORE_LIST; i += 1) await world.adapter.readState({ groups: ['AEM-Group-1'], users: [user(i)] });
    expect(world.sim.counts()['GET search']?.read).toBe(USER_LOOKUPS_BEFORE_LIST);
    const before = world.sim.counts()['GET querybuilder']?.read ?? 0;

    for (let i = USER_LOOKUPS_BEFORE_LIST; i < USER_LOOKUPS_BEFORE_LIST + 20; i += 1) {
      const actual = await world.adapter.readState({ groups: [`AEM-Group-${i % 5}`], users: [user(i)] });
      expect(known(actual.groups.get(`aem-group-${i % 5}`)).members).toEqual(new Set([user(i)]));
      expect(actual.identities.get(user(i))).toBe('ims');
    }

    // No more searches: one QueryBuilder call listed every IMS user.
    expect(world.sim.counts()['GET search']?.read).toBe(USER_LOOKUPS_BEFORE_LIST);
    expect((world.sim.counts()['GET querybuilder']?.read ?? 0) - before).toBe(1);
  });

  it('once many batches of users were looked up lately, reads the IMS user list once instead of a lookup a batch', async () => {
    const world = await worlds.start(bigInstance(5, 500));
    const batch = (b: number) => [0, 1, 2].map((i) => `user1-${b * 3 + i}@acme.com`);
    const lookups = () => world.sim.counts()['GET querybuilder']?.read ?? 0;

    const start = lookups();
    for (let b = 0; b < USER_LOOKUPS_BEFORE_LIST; b += 1) await world.adapter.readState({ groups: ['AEM-Group-1'], users: batch(b) });
    const first = lookups() - start;

    for (let b = USER_LOOKUPS_BEFORE_LIST; b < USER_LOOKUPS_BEFORE_LIST + 20; b += 1) {
      const actual = await world.adapter.readState({ groups: ['AEM-Group-1'], users: batch(b) });
      expect(known(actual.groups.get('aem-group-1')).members).toEqual(new Set(batch(b)));
      expect(batch(b).map((u) => actual.identities.get(u))).toEqual(['ims', 'ims', 'ims']);
    }

    // one lookup a batch (plus the IMS group list) until the tenth; then one call for the whole list, and none a batch
    expect(first).toBeGreaterThanOrEqual(USER_LOOKUPS_BEFORE_LIST);
    expect(lookups() - start - first).toBe(1);
    expect(world.sim.counts()['GET search']?.read ?? 0).toBe(0);
  });

  it('does not search again, while the IMS group list is reused, for a group the instance does not have', async () => {
    const world = await worlds.start(bigInstance(5, 500));

    for (let i = 0; i < 3; i += 1) {
      const actual = await world.adapter.readState({ groups: ['AEM-Group-1', 'AEM-Group-9'], users: [`user1-${i}@acme.com`] });
      expect(actual.groups.get('aem-group-9')).toEqual({ status: 'missing' });
    }

    // one search per user, and one for AEM-Group-9, not three
    expect(world.sim.counts()['GET search']?.read).toBe(3 + 1);
  });

  it('searches a user the IMS user list does not hold, as before (a first login since the list was read)', async () => {
    const world = await worlds.start(bigInstance(5, 500));
    for (let i = 0; i < USER_LOOKUPS_BEFORE_LIST; i += 1) await world.adapter.readState({ groups: ['AEM-Group-1'], users: [`user1-${i}@acme.com`] });

    const actual = await world.adapter.readState({ groups: ['AEM-Group-0'], users: ['admin'] });

    expect(actual.identities.get('admin')).toBe('local');
    expect(world.sim.counts()['GET search']?.read).toBe(USER_LOOKUPS_BEFORE_LIST + 1);
  });

  it('reads a batch of many users about few groups from the groups’ member lists: one call per group, not per user', async () => {
    const world = await worlds.start(bigInstance(5, 500));
    const users = Array.from({ length: 8 }, (_, i) => `user1-${i}@acme.com`);

    const actual = await world.adapter.readState({ groups: ['AEM-Group-1', 'AEM-Group-2'], users: [...users, 'nobody@acme.com'] });

    expect([...known(actual.groups.get('aem-group-1')).members].sort()).toEqual([...users].sort());
    expect(known(actual.groups.get('aem-group-2')).members.size).toBe(0);
    expect(Object.keys(Object.fromEntries(actual.identities)).sort()).toEqual([...users].sort());
    // two group member lists; no user's own .rw.json; the users looked up together, not searched one by one
    expect(world.sim.counts()['GET rw.json']?.read).toBe(2);
    expect(world.sim.counts()['GET search']?.read ?? 0).toBeLessThanOrEqual(1); // nobody@acme.com, not found by the lookup
  });
});
