import { describe, expect, it } from 'vitest';
import { known, useWorld } from './harness.js';

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
