/** A Umapi over an OrgFixture, in memory: reads as with directOnly=false, and can be made to fail. */
import type { ImsGroup, ImsUser } from '../../lib/domain/ims.js';
import { IncompleteReadError, ThrottledError } from '../../lib/errors.js';
import type { Umapi } from '../../lib/ims/port.js';
import type { OrgFixture } from '../../local/fixtures/types.js';

export interface MemoryUmapi extends Umapi {
  fixture: OrgFixture;
  /** 'incomplete': listUsers raises IncompleteReadError; 'throttled': every call raises ThrottledError. */
  failure: 'none' | 'incomplete' | 'throttled';
  calls: Record<string, number>;
}

export function memoryUmapi(fixture: OrgFixture): MemoryUmapi {
  const expand = (user: OrgFixture['users'][number]): ImsUser => {
    const groups = new Set(user.groups);
    for (const name of user.groups) for (const profile of fixture.groups.find((g) => g.name === name)?.profiles ?? []) groups.add(profile);
    return { ...user, status: user.status ?? 'active', groups: [...groups] };
  };
  const umapi: MemoryUmapi = {
    fixture,
    failure: 'none',
    calls: {},
    async listUsers() {
      count('listUsers');
      if (umapi.failure === 'incomplete') throw new IncompleteReadError('umapi', 'page 2 of 3 failed');
      return fixture.users.filter((u) => (u.status ?? 'active') === 'active').map(expand);
    },
    async getUser(email) {
      count('getUser');
      const user = fixture.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
      return user ? expand(user) : undefined;
    },
    async listGroupUsers(group) {
      count('listGroupUsers');
      if (!fixture.groups.some((g) => g.name.toLowerCase() === group.toLowerCase())) return undefined;
      return fixture.users.map(expand).filter((u) => u.groups.some((g) => g.toLowerCase() === group.toLowerCase()));
    },
    async listGroups(): Promise<ImsGroup[]> {
      count('listGroups');
      const members = (name: string) => fixture.users.map(expand).filter((u) => u.groups.some((g) => g.toLowerCase() === name.toLowerCase())).length;
      return fixture.groups.map((g) => ({ groupName: g.name, type: g.type, memberCount: members(g.name) }));
    },
  };
  function count(call: string) {
    umapi.calls[call] = (umapi.calls[call] ?? 0) + 1;
    if (umapi.failure === 'throttled') throw new ThrottledError('umapi', 30_000);
  }
  return umapi;
}
