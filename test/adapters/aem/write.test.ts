import { describe, expect, it } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../../lib/http.js';
import { buildAemTarget } from '../../../lib/targets/aem/index.js';
import { demoInstance, emptySlice, instantClock, offlineAemConfig, useWorld } from './harness.js';

const worlds = useWorld();

describe('AEM adapter: apply', () => {
  it('writes all adds and removes of a group in one POST', async () => {
    const instance = demoInstance('acme-prod-author');
    const newcomers = Array.from({ length: 40 }, (_, i) => `new${i}@acme.com`);
    instance.users.push(...newcomers.map((id) => ({ id, ims: true })));
    const world = await worlds.start(instance);

    const result = await world.adapter.apply({
      ...emptySlice,
      changes: [
        { group: 'AEM-Authors', add: [...newcomers, 'nina@acme.com'], remove: ['sam@acme.com', 'li@acme.com'] },
        { group: 'AEM-DAM-Users', add: [], remove: ['sam@acme.com'] },
      ],
    });

    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(41 + 2 + 1);
    expect(world.sim.counts()['POST rw.html']?.write).toBe(2);
    expect(world.sim.control.members('AEM-Authors').sort()).toEqual(['admin', 'jane@acme.com', 'nina@acme.com', ...newcomers].sort());
    expect(world.sim.control.members('AEM-DAM-Users')).toEqual(['omar@acme.com', 'li@acme.com']);
  });

  it('batches the wiring of several IMS groups into one POST per AEM-provided group', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));

    const result = await world.adapter.apply({
      ...emptySlice,
      wiring: [
        { group: 'AEM-Authors', memberOf: ['dam-users', 'workflow-users'] },
        { group: 'AEM-DAM-Users', memberOf: ['dam-users'] },
      ],
    });

    expect(result.failed).toEqual([]);
    expect(result.applied).toContainEqual({ op: 'wire', group: 'dam-users', member: 'AEM-DAM-Users' });
    expect(world.sim.counts()['POST rw.html']?.write).toBe(2);
    expect(world.sim.control.members('dam-users')).toEqual(['AEM-Authors', 'AEM-DAM-Users']);
    expect(world.sim.control.memberOf('AEM-Authors').sort()).toEqual(['content-authors', 'dam-users', 'workflow-users']);
  });

  it('disables and re-enables users', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));

    const disabled = await world.adapter.apply({ ...emptySlice, disable: ['sam@acme.com'] });
    const wasDisabled = world.sim.control.isDisabled('sam@acme.com');
    const enabled = await world.adapter.apply({ ...emptySlice, enable: ['sam@acme.com'] });

    expect(disabled.applied).toEqual([{ op: 'disable', member: 'sam@acme.com' }]);
    expect(wasDisabled).toBe(true);
    expect(enabled.applied).toEqual([{ op: 'enable', member: 'sam@acme.com' }]);
    expect(world.sim.control.isDisabled('sam@acme.com')).toBe(false);
  });

  it('reads who is disabled in the same reconciliation query, so a plan can re-enable them', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));
    await world.adapter.apply({ ...emptySlice, disable: ['sam@acme.com'] });

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'] });

    expect(Object.fromEntries(actual.disabled ?? [])).toEqual({ 'sam@acme.com': 'sync' });
    expect(world.sim.counts()['GET querybuilder']?.read).toBeGreaterThan(0);
  });

  it('fetches a new CSRF token once when the old one went stale', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));
    await world.adapter.apply({ ...emptySlice, changes: [{ group: 'AEM-Authors', add: ['nina@acme.com'], remove: [] }] });
    world.sim.control.expireCsrfTokens();

    const result = await world.adapter.apply({ ...emptySlice, changes: [{ group: 'AEM-Authors', add: [], remove: ['sam@acme.com'] }] });

    expect(result.failed).toEqual([]);
    expect(world.sim.control.members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.sim.counts()['GET csrf-token']?.read).toBe(2);
    expect(world.sim.counts()['POST rw.html']?.write).toBe(3);
  });

  it('refreshes a token that aged out by the simulator clock', async () => {
    let now = 1_000_000;
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { now: () => now, csrfTtlMs: 60_000 } });
    await world.adapter.apply({ ...emptySlice, disable: ['li@acme.com'] });
    now += 61_000;

    const result = await world.adapter.apply({ ...emptySlice, enable: ['li@acme.com'] });

    expect(result.failed).toEqual([]);
    expect(world.sim.control.isDisabled('li@acme.com')).toBe(false);
  });

  it('reports each change of a group that failed, without throwing, and applies the others', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'));

    const result = await world.adapter.apply({
      ...emptySlice,
      changes: [
        { group: 'AEM-Authors', add: ['ghost@acme.com', 'nina@acme.com'], remove: [] },
        { group: 'AEM-DAM-Users', add: [], remove: ['sam@acme.com'] },
        { group: 'AEM-Reviewers', add: ['nina@acme.com'], remove: [] },
      ],
    });

    expect(result.applied).toEqual([{ op: 'remove', group: 'AEM-DAM-Users', member: 'sam@acme.com' }]);
    expect(result.failed.map((f) => [f.group, f.member, f.retryable])).toEqual([
      ['AEM-Authors', 'ghost@acme.com', false],
      ['AEM-Authors', 'nina@acme.com', false],
      ['AEM-Reviewers', 'nina@acme.com', false],
    ]);
    expect(result.failed[0]?.error).toMatch(/HTTP 400.*ghost@acme\.com does not exist/);
    // All or nothing: nina was not added by the POST that named a ghost.
    expect(world.sim.control.members('AEM-Authors')).not.toContain('nina@acme.com');
  });

  it('reports retryable failures while AEM is down', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { faults: { outageUntil: Date.now() + 60_000 } } });

    const result = await world.adapter.apply({ ...emptySlice, changes: [{ group: 'AEM-Authors', add: ['nina@acme.com'], remove: [] }] });

    expect(result.applied).toEqual([]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]?.retryable).toBe(true);
  });

  it('reports retryable failures when throttled', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { faults: { throttle: true } } });

    const result = await world.adapter.apply({ ...emptySlice, disable: ['li@acme.com'] });

    expect(result.failed).toMatchObject([{ op: 'disable', member: 'li@acme.com', retryable: true }]);
    expect(result.failed[0]?.error).toMatch(/HTTP 429/);
  });
});

describe('AEM adapter: the Sling Status of a 200 answer', () => {
  it('fails a write whose 200 HTML answer says 500', async () => {
    const requests: HttpRequest[] = [];
    const adapter = buildAemTarget({
      clock: instantClock,
      config: offlineAemConfig('fake-author'),
      credentials: async () => ({ type: 'bearer', token: 't' }),
      http: async (request): Promise<HttpResponse> => {
        requests.push(request);
        if (request.url.includes('csrf')) return { status: 200, headers: {}, body: '{"token":"c"}' };
        if (request.url.includes('search')) {
          return { status: 200, headers: {}, body: JSON.stringify({ authorizables: [{ authorizableId: 'AEM-Authors', type: 'group', home: '/home/groups/a/abc', externalId: 'AEM-Authors;ims' }] }) };
        }
        return { status: 200, headers: { 'content-type': 'text/html' }, body: '<div id="Status">500</div><div id="Message">javax.jcr.RepositoryException: boom</div>' };
      },
    });

    const result = await adapter.apply({ ...emptySlice, changes: [{ group: 'AEM-Authors', add: ['jane@acme.com'], remove: [] }] });

    expect(result.applied).toEqual([]);
    expect(result.failed[0]?.error).toMatch(/HTTP 500 \(javax\.jcr\.RepositoryException: boom\)/);
    expect(result.failed[0]?.retryable).toBe(true);
    const post = requests.find((r) => r.method === 'POST');
    expect(post?.url).toBe('http://aem.invalid/home/groups/a/abc.rw.html');
    expect(post?.headers?.['csrf-token']).toBe('c');
    expect(post?.body).toBe('_charset_=utf-8&addMembers=jane%40acme.com');
  });
});
