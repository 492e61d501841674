/**
 * A Umapi over an OrgFixture, in memory: reads as with directOnly=false, and can be made to fail.
 * With `pageSize`, listUsers pages through the real `readAllPages` over the live fixture, and
 * `betweenPages` may change the org after each page, as the Admin Console does during a long read.
 */
import type { ImsGroup, ImsUser } from '../../lib/domain/ims.js';
import { IncompleteReadError, ThrottledError } from '../../lib/errors.js';
import type { ReadOptions, Umapi } from '../../lib/ims/port.js';
import { readAllPages } from '../../lib/ims/umapi-paging.js';
import type { UmapiAnswer } from '../../lib/ims/umapi-request.js';
import type { OrgFixture } from '../../local/fixtures/types.js';

export interface MemoryUmapi extends Umapi {
  fixture: OrgFixture;
  /**
   * 'incomplete': listUsers raises IncompleteReadError; 'throttled': every call raises ThrottledError;
   * 'busy': other callers have reserved the budget's turns, so a read that may not wait (`maxWaitMs: 0`) is throttled.
   */
  failure: 'none' | 'incomplete' | 'throttled' | 'busy';
  calls: Record<string, number>;
  /** Page the org read (all in one answer when absent). */
  pageSize?: number;
  /** Called after each page of the org read is served, before the next is asked. */
  betweenPages?: (page: number) => void;
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
    async listUsers(options) {
      count('listUsers');
      if (umapi.failure === 'incomplete') throw new IncompleteReadError('umapi', 'page 2 of 3 failed');
      const active = () => fixture.users.filter((u) => (u.status ?? 'active') === 'active').map(expand);
      const size = umapi.pageSize;
      if (size === undefined) return active();
      // The page's users travel beside the answer, keyed by its request id: no wire format here.
      const served = new Map<string, { items: ImsUser[]; lastPage: boolean }>();
      const users = await readAllPages<ImsUser>({
        call: 'GET users',
        fetchPage: async (asked) => {
          const all = active();
          const pageCount = Math.max(1, Math.ceil(all.length / size));
          const page = Math.min(asked, pageCount - 1); // past the end: the last page again (§3.1)
          const requestId = `memory-${served.size}`;
          served.set(requestId, { items: all.slice(page * size, (page + 1) * size), lastPage: page === pageCount - 1 });
          const headers = { 'x-total-count': String(all.length), 'x-page-count': String(pageCount), 'x-current-page': String(page) };
          const answer: UmapiAnswer = { status: 200, headers, body: '', requestId };
          umapi.betweenPages?.(asked);
          return answer;
        },
        parsePage: (answer) => served.get(answer.requestId) ?? { items: [], lastPage: false },
        key: (user) => user.id,
        ...(options?.onPage ? { onPage: options.onPage } : {}),
        ...(options?.onChurn ? { onChurn: options.onChurn } : {}),
      });
      return users ?? [];
    },
    async getUser(email, options) {
      count('getUser', options);
      const user = fixture.users.find((u) => u.email.toLowerCase() === email.toLowerCase());
      return user ? expand(user) : undefined;
    },
    async listGroupUsers(group, options) {
      count('listGroupUsers', options);
      if (!fixture.groups.some((g) => g.name.toLowerCase() === group.toLowerCase())) return undefined;
      return fixture.users.map(expand).filter((u) => u.groups.some((g) => g.toLowerCase() === group.toLowerCase()));
    },
    async listGroups(): Promise<ImsGroup[]> {
      count('listGroups');
      const members = (name: string) => fixture.users.map(expand).filter((u) => u.groups.some((g) => g.toLowerCase() === name.toLowerCase())).length;
      return fixture.groups.map((g) => ({ groupName: g.name, type: g.type, memberCount: members(g.name) }));
    },
  };
  function count(call: string, options?: ReadOptions) {
    umapi.calls[call] = (umapi.calls[call] ?? 0) + 1;
    if (umapi.failure === 'throttled') throw new ThrottledError('umapi', 30_000);
    // A busy budget has no turn free now: only a read that may wait for its turn gets one.
    if (umapi.failure === 'busy' && options?.maxWaitMs === 0) throw new ThrottledError('umapi', 5_000);
  }
  return umapi;
}
