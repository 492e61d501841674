/**
 * contracts/aem.md §3 documents no `externalId` in search answers: when it is absent, a user-centric
 * read must learn IMS-ness from `rep:externalId` (QueryBuilder), and never take the user for local.
 */
import { describe, expect, it } from 'vitest';
import { IncompleteReadError, ProtocolError, TargetUnavailableError } from '../../../lib/errors.js';
import type { HttpResponse, HttpTransport } from '../../../lib/http.js';
import { demoInstance, known, useWorld, type WorldOptions } from './harness.js';

const worlds = useWorld();

/** The QueryBuilder read of one user's `rep:externalId`, as the adapter encodes it. */
const isExternalIdQuery = (url: string): boolean => url.includes('/bin/querybuilder.json?') && url.includes('property=rep%3AauthorizableId');

const jsonAnswer = (status: number, value: unknown): HttpResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/** Records every URL the adapter asks for, and answers the externalId queries with `answer` when given. */
function recording(urls: string[], answer?: (url: string) => HttpResponse): NonNullable<WorldOptions['transport']> {
  return (inner: HttpTransport): HttpTransport =>
    async (request) => {
      urls.push(request.url);
      return answer !== undefined && isExternalIdQuery(request.url) ? answer(request.url) : inner(request);
    };
}

const USERS = ['LI@acme.com', 'admin', 'sam@acme.com', `o"brien+x@acme.com`, 'nobody@acme.com'];

function instanceWithHostileLocalUser() {
  const instance = demoInstance('acme-prod-author');
  // A local user whose id needs encoding, in a managed group: reported, never removed.
  instance.users.push({ id: `o"brien+x@acme.com`, ims: false });
  instance.groups.find((g) => g.id === 'AEM-Authors')?.members.push(`o"brien+x@acme.com`);
  return instance;
}

describe('AEM simulator: searchExternalId', () => {
  it('leaves externalId out of search items when false, and keeps it by default', async () => {
    const without = await worlds.start(demoInstance('acme-prod-author'), { sim: { credentials: undefined, searchExternalId: false } });
    const withIt = await worlds.start(demoInstance('acme-prod-author'), { sim: { credentials: undefined } });
    const path = `/libs/granite/security/search/authorizables.json?${new URLSearchParams({ query: '{"condition":[{"named":"li@acme.com"}]}', offset: '0' }).toString()}`;

    const a = (await (await fetch(`${without.sim.url}${path}`)).json()) as { authorizables: Record<string, unknown>[] };
    const b = (await (await fetch(`${withIt.sim.url}${path}`)).json()) as { authorizables: Record<string, unknown>[] };

    expect(a.authorizables[0]?.authorizableId).toBe('li@acme.com');
    expect(a.authorizables[0]).not.toHaveProperty('externalId');
    expect(b.authorizables[0]?.externalId).toBe('li@acme.com;ims');
  });
});

describe('AEM adapter: user-centric read when the search does not give externalId', () => {
  it('still tells IMS from local users, for one more call per user at most', async () => {
    const urlsWith: string[] = [];
    const urlsWithout: string[] = [];
    const withIt = await worlds.start(instanceWithHostileLocalUser(), { transport: recording(urlsWith) });
    const without = await worlds.start(instanceWithHostileLocalUser(), { sim: { searchExternalId: false }, transport: recording(urlsWithout) });
    const scope = { groups: ['AEM-Authors', 'AEM-DAM-Users'], users: USERS };

    const expected = await withIt.adapter.readState(scope);
    const actual = await without.adapter.readState(scope);

    expect(Object.fromEntries(actual.identities)).toEqual({
      'li@acme.com': 'ims',
      admin: 'local',
      'sam@acme.com': 'ims',
      'o"brien+x@acme.com': 'local',
    });
    expect(actual.identities).toEqual(expected.identities);
    expect([...known(actual.groups.get('aem-authors')).members].sort()).toEqual(['admin', 'li@acme.com', 'o"brien+x@acme.com', 'sam@acme.com']);
    // Several users are looked up together by QueryBuilder, which gives rep:externalId: at most one
    // more call per user (none when the batch lookup found them all).
    expect(urlsWithout.filter(isExternalIdQuery).length).toBeLessThanOrEqual(4);
    expect(urlsWithout.length - urlsWith.length).toBeLessThanOrEqual(4);
    // The batch lookup asks for every user at once; each answer carries rep:externalId, so nothing is
    // asked again per user, with or without externalId in the search answer.
    const asked = (urls: string[]) => urls.filter(isExternalIdQuery).flatMap((url) => [...new URL(url).searchParams].filter(([k]) => /^property\.\d+_value$/.test(k)).map(([, v]) => v));
    expect(asked(urlsWith).sort()).toEqual([...USERS].map((u) => u.toLowerCase()).sort());
  });

  it('reads a user its externalId once: the answer is cached with the home', async () => {
    const urls: string[] = [];
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { searchExternalId: false }, transport: recording(urls) });

    await world.adapter.readState({ groups: ['AEM-Authors'], users: ['sam@acme.com'] });
    const second = await world.adapter.readState({ groups: ['AEM-Authors'], users: ['sam@acme.com'] });

    expect(second.identities.get('sam@acme.com')).toBe('ims');
    expect(urls.filter(isExternalIdQuery)).toHaveLength(1);
  });

  it('asks QueryBuilder for the exact id, all hits, with rep:externalId', async () => {
    const urls: string[] = [];
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { searchExternalId: false }, transport: recording(urls) });

    await world.adapter.readState({ groups: ['AEM-Authors'], users: ['sam@acme.com'] });

    const query = urls.find(isExternalIdQuery);
    expect(query).toBeDefined();
    const params = new URL(query ?? 'http://x').searchParams;
    expect(Object.fromEntries(params)).toEqual({
      path: '/home/users',
      type: 'rep:User',
      property: 'rep:authorizableId',
      'property.value': 'sam@acme.com',
      'p.limit': '-1',
      'p.hits': 'selective',
      'p.properties': 'jcr:path rep:authorizableId rep:externalId rep:disabled',
    });
  });

  it('keeps the exact id among the hits, compared case-insensitively', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      sim: { searchExternalId: false },
      transport: recording([], () =>
        jsonAnswer(200, {
          success: true,
          total: 2,
          more: false,
          hits: [
            { 'jcr:path': '/home/users/s/sam-archive', 'rep:authorizableId': 'sam@acme.com.archive' },
            { 'jcr:path': '/home/users/s/sam', 'rep:authorizableId': 'SAM@acme.com', 'rep:externalId': 'SAM@acme.com;ims' },
          ],
        }),
      ),
    });

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'], users: ['sam@acme.com'] });

    expect(actual.identities.get('sam@acme.com')).toBe('ims');
  });

  const failures: [string, HttpResponse, new (...args: never[]) => Error][] = [
    ['answers 500', { status: 500, headers: { 'content-type': 'text/plain' }, body: 'boom' }, TargetUnavailableError],
    ['answers success=false', jsonAnswer(200, { success: false, hits: [] }), ProtocolError],
    ['says its answer was cut', jsonAnswer(200, { success: true, total: 3, more: true, hits: [] }), IncompleteReadError],
    ['has no hit for the user', jsonAnswer(200, { success: true, total: 0, more: false, hits: [] }), IncompleteReadError],
    [
      'has only another id',
      jsonAnswer(200, { success: true, total: 1, more: false, hits: [{ 'jcr:path': '/home/users/x/y', 'rep:authorizableId': 'sam@acme.com.old' }] }),
      IncompleteReadError,
    ],
  ];

  it.each(failures)('throws, rather than reading the user as local, when the QueryBuilder read %s', async (_, answer, errorType) => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { searchExternalId: false }, transport: recording([], () => answer) });

    const read = world.adapter.readState({ groups: ['AEM-Authors'], users: ['sam@acme.com'] });

    await expect(read).rejects.toBeInstanceOf(errorType);
    await expect(read).rejects.toThrow(/rep:externalId of user "sam@acme.com"/);
  });
});
