/**
 * The IMS org the simulator serves, changeable at run time (demos, tests). Names compare
 * case-insensitively, as in IMS (contracts/ims-and-umapi.md §3.5). Derived views (active users,
 * group members) are memoised per change, so serving the pages of a 100k-user org stays cheap.
 */
import type { FixtureGroup, FixtureUser, OrgFixture } from '../../fixtures/types.js';

const fold = (name: string): string => name.toLowerCase();

export interface OrgState extends OrgChanges {
  readonly orgId: string;
  /** Active users, in a stable order (the order they were added). */
  activeUsers(): FixtureUser[];
  getActiveUser(email: string): FixtureUser | undefined;
  getGroup(name: string): FixtureGroup | undefined;
  groups(): FixtureGroup[];
  /** The user's `groups` as UMAPI lists them: with directOnly=false, profiles reached through user groups too. */
  groupsOf(user: FixtureUser, directOnly: boolean): string[];
  /** Active members of a group or profile; undefined when there is no such group. */
  membersOf(group: string, directOnly: boolean): FixtureUser[] | undefined;
  /** Direct active members of a group, for its memberCount. */
  memberCount(group: string): number;

}

/** What an Admin Console user can change in the org (and a copy of its users), from code or over HTTP. */
export interface OrgChanges {
  addUserToGroup(email: string, group: string): void;
  removeUserFromGroup(email: string, group: string): void;
  /** The user leaves the org: absent from every listing from now on. */
  removeUser(email: string): void;
  addUser(user: FixtureUser): void;
  setUserType(email: string, type: FixtureUser['type']): void;
  /** The product profiles a user group carries (reached by its members with directOnly=false). */
  setGroupProfiles(group: string, profiles: string[]): void;
  addGroup(group: FixtureGroup): void;
  /** A copy of every user (any status). */
  users(): FixtureUser[];
}

export function createOrgState(fixture: OrgFixture): OrgState {
  const users = new Map<string, FixtureUser>();
  const groups = new Map<string, FixtureGroup>();
  for (const group of fixture.groups) groups.set(fold(group.name), structuredClone(group));
  for (const user of fixture.users) users.set(fold(user.email), structuredClone(user));

  // Memoised views, dropped on every change.
  let active: FixtureUser[] | undefined;
  let counts: Map<string, number> | undefined;
  const members = new Map<string, FixtureUser[]>();
  const changed = (): void => {
    active = undefined;
    counts = undefined;
    members.clear();
  };

  const requireUser = (email: string): FixtureUser => {
    const user = users.get(fold(email));
    if (!user) throw new Error(`no user "${email}" in the org`);
    return user;
  };
  const requireGroup = (name: string): FixtureGroup => {
    const group = groups.get(fold(name));
    if (!group) throw new Error(`no group or product profile "${name}" in the org`);
    return group;
  };
  const isActive = (user: FixtureUser): boolean => (user.status ?? 'active') === 'active';

  const state: OrgState = {
    orgId: fixture.orgId,
    activeUsers: () => (active ??= [...users.values()].filter(isActive)),
    getActiveUser: (email) => {
      const user = users.get(fold(email));
      return user && isActive(user) ? user : undefined;
    },
    getGroup: (name) => groups.get(fold(name)),
    groups: () => [...groups.values()],

    groupsOf: (user, directOnly) => {
      if (directOnly) return [...user.groups];
      const listed = new Map<string, string>();
      for (const name of user.groups) {
        listed.set(fold(name), name);
        const group = groups.get(fold(name));
        if (group?.type !== 'USER_GROUP') continue;
        for (const profile of group.profiles ?? []) if (!listed.has(fold(profile))) listed.set(fold(profile), profile);
      }
      return [...listed.values()];
    },

    membersOf: (name, directOnly) => {
      const group = groups.get(fold(name));
      if (!group) return undefined;
      const memoKey = `${directOnly ? 'direct' : 'all'}\u0000${fold(name)}`;
      const memo = members.get(memoKey);
      if (memo) return memo;
      // With directOnly=false a profile also reaches the members of the user groups that carry it.
      const via = new Set<string>([fold(group.name)]);
      if (!directOnly && group.type === 'PRODUCT_PROFILE') {
        for (const carrier of groups.values()) {
          if (carrier.type === 'USER_GROUP' && (carrier.profiles ?? []).some((p) => fold(p) === fold(group.name))) via.add(fold(carrier.name));
        }
      }
      const found = state.activeUsers().filter((user) => user.groups.some((g) => via.has(fold(g))));
      members.set(memoKey, found);
      return found;
    },

    memberCount: (name) => {
      if (!counts) {
        counts = new Map();
        for (const user of state.activeUsers()) for (const g of user.groups) counts.set(fold(g), (counts.get(fold(g)) ?? 0) + 1);
      }
      return counts.get(fold(name)) ?? 0;
    },

    addUserToGroup: (email, groupName) => {
      const user = requireUser(email);
      const group = requireGroup(groupName);
      if (!user.groups.some((g) => fold(g) === fold(group.name))) user.groups.push(group.name);
      changed();
    },
    removeUserFromGroup: (email, groupName) => {
      const user = requireUser(email);
      user.groups = user.groups.filter((g) => fold(g) !== fold(groupName));
      changed();
    },
    removeUser: (email) => {
      requireUser(email);
      users.delete(fold(email));
      changed();
    },
    addUser: (user) => {
      if (users.has(fold(user.email))) throw new Error(`user "${user.email}" already exists`);
      if ([...users.values()].some((u) => u.id === user.id)) throw new Error(`user id "${user.id}" already exists`);
      users.set(fold(user.email), structuredClone(user));
      changed();
    },
    setUserType: (email, type) => {
      requireUser(email).type = type;
      changed();
    },
    setGroupProfiles: (groupName, profiles) => {
      const group = requireGroup(groupName);
      if (group.type !== 'USER_GROUP') throw new Error(`"${group.name}" is a product profile; only user groups carry profiles`);
      group.profiles = profiles.map((p) => {
        const profile = requireGroup(p);
        if (profile.type !== 'PRODUCT_PROFILE') throw new Error(`"${p}" is not a product profile`);
        return profile.name;
      });
      changed();
    },
    addGroup: (group) => {
      if (groups.has(fold(group.name))) throw new Error(`group "${group.name}" already exists`);
      groups.set(fold(group.name), structuredClone(group));
      changed();
    },
    users: () => [...users.values()].map((u) => structuredClone(u)),
  };
  return state;
}
