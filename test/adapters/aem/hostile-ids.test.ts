import { describe, expect, it } from 'vitest';
import { HOSTILE_LIST, hostileUser } from '../../support/hostile-names.js';
import { emptySlice, known, useWorld } from './harness.js';

// Ids that break naive URL, form, JSON or HTML building: each must travel as data.
const HOSTILE_USERS = ['../x', 'a&b=c', 'o"brien\'s', '<script>@acme.com', 'zoë@acme.com', 'two words', 'a+b@acme.com', '%2e%2e'];
const HOSTILE_GROUPS = ['../../etc', 'G&addMembers=admin', 'G "quoted"', '<b>Group</b>', 'Grüppe 東京', 'A+B'];

const worlds = useWorld();

describe('AEM adapter: hostile ids', () => {
  it('reads and writes ids with path, query, form, quote, markup, unicode, space and plus characters as data', async () => {
    const world = await worlds.start({
      targetId: 'hostile',
      users: [{ id: 'admin', ims: false }, ...HOSTILE_USERS.map((id) => ({ id, ims: true }))],
      groups: [
        { id: 'content-authors', ims: false, members: [] },
        ...HOSTILE_GROUPS.map((id, i) => ({ id, ims: true, members: i === 0 ? HOSTILE_USERS.slice(0, 4) : [] })),
      ],
    });

    const listed = await world.adapter.listGroups();
    const result = await world.adapter.apply({
      changes: HOSTILE_GROUPS.map((group, i) => ({ group, add: i === 0 ? HOSTILE_USERS.slice(4) : HOSTILE_USERS, remove: i === 0 ? HOSTILE_USERS.slice(0, 2) : [] })),
      wiring: HOSTILE_GROUPS.map((group) => ({ group, memberOf: ['content-authors'] })),
      disable: ['a&b=c'],
      enable: [],
    });
    // A single-group read goes by search, where the id travels inside a JSON query.
    const single = await world.adapter.readState({ groups: ['G&addMembers=admin'] });
    const all = await world.adapter.readState({ groups: HOSTILE_GROUPS });

    expect([...listed].sort()).toEqual([...HOSTILE_GROUPS].sort());
    expect(result.failed).toEqual([]);
    const folded = HOSTILE_USERS.map((u) => u.toLowerCase()).sort();
    expect([...known(single.groups.get('g&addmembers=admin')).members].sort()).toEqual(folded);
    expect([...known(all.groups.get('../../etc')).members].sort()).toEqual(folded.filter((u) => u !== '../x' && u !== 'a&b=c'));
    expect(known(all.groups.get('grüppe 東京')).name).toBe('Grüppe 東京');
    expect(world.sim.control.members('content-authors').sort()).toEqual([...HOSTILE_GROUPS].sort());
    expect(world.sim.control.members('G&addMembers=admin')).not.toContain('admin');
    expect(world.sim.control.isDisabled('a&b=c')).toBe(true);
    expect(world.sim.control.isDisabled('../x')).toBe(false);
  });
});

describe('AEM adapter: names built to break encodings (issue 9 §3)', () => {
  // Each hostile name is an IMS group; its user is in the group of the NEXT name at first.
  const users = HOSTILE_LIST.map(hostileUser);
  const startingMember = (i: number): string => users[(i + 1) % users.length] ?? '';
  const instance = () => ({
    targetId: 'hostile-corpus',
    users: [{ id: 'admin', ims: false }, ...users.map((id) => ({ id, ims: true }))],
    groups: HOSTILE_LIST.map((id, i) => ({ id, ims: true, members: [startingMember(i)] })),
  });

  it.each([true, false])('lists, reads, adds and removes every one as data, both reads agreeing (search externalId: %s)', async (searchExternalId) => {
    const world = await worlds.start(instance(), { sim: { searchExternalId } });

    const listed = await world.adapter.listGroups();
    const before = await world.adapter.readState({ groups: HOSTILE_LIST });
    // Each user joins its own group and leaves the one it was in. Fresh adapters (empty home caches)
    // for the write and the user-centric read, so that every id also travels through the search.
    const result = await world.freshAdapter().apply({
      ...emptySlice,
      changes: HOSTILE_LIST.map((group, i) => ({ group, add: [users[i] ?? ''], remove: [startingMember(i)] })),
    });
    const after = await world.adapter.readState({ groups: HOSTILE_LIST });
    const userCentric = await world.freshAdapter().readState({ groups: HOSTILE_LIST, users: users.map((u) => u.toLowerCase()) });

    expect([...listed].sort()).toEqual([...HOSTILE_LIST].sort());
    HOSTILE_LIST.forEach((group, i) => {
      const key = group.toLowerCase();
      expect(known(before.groups.get(key)).name).toBe(group);
      expect([...known(before.groups.get(key)).members]).toEqual([startingMember(i).toLowerCase()]);
      expect([...known(after.groups.get(key)).members]).toEqual([(users[i] ?? '').toLowerCase()]);
      expect([...known(userCentric.groups.get(key)).members]).toEqual([(users[i] ?? '').toLowerCase()]);
      expect(world.sim.control.members(group)).toEqual([users[i]]);
    });
    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(2 * HOSTILE_LIST.length);
    expect([...before.identities.keys()].sort()).toEqual(users.map((u) => u.toLowerCase()).sort());
    // Nothing leaked into anything else: admin is in no group, no group gained a stray member.
    expect(world.sim.control.memberOf('admin')).toEqual([]);
  });
});
