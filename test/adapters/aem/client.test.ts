import { describe, expect, it } from 'vitest';
import { fakeClock } from '../../support/clock.js';
import { AemTarget } from '../../../lib/config/schema.js';
import { AuthError, ProtocolError, TargetUnavailableError } from '../../../lib/errors.js';
import { fetchTransport } from '../../../lib/http.js';
import { buildAemTarget, type AemCredentials } from '../../../lib/targets/aem/index.js';
import { demoInstance, offlineAemConfig, totalCalls, useWorld } from './harness.js';

const worlds = useWorld();

describe('AEM client: auth', () => {
  it('raises AuthError on 401 after asking for the credentials once more', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { credentials: { type: 'basic', username: 'ims-sync-service', password: 'wrong' } });
    const adapter = world.adapter;

    const read = adapter.readState({ groups: ['AEM-Authors'] });

    await expect(read).rejects.toBeInstanceOf(AuthError);
    await expect(adapter.listGroups()).rejects.toThrow(/aem list IMS groups: HTTP 401/);
    expect(totalCalls(world.sim)).toBe(4);
  });

  it('uses fresh credentials after a 401 (an expired Bearer token)', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), { sim: { credentials: { bearer: 'fresh-token' } } });
    const tokens = ['expired-token', 'fresh-token'];
    const adapter = buildAemTarget({
      http: fetchTransport,
      clock: { now: () => Date.now(), sleep: async () => undefined },
      config: AemTarget.parse({
        id: 'bearer-author',
        kind: 'aem',
        baseUrl: world.sim.url,
        auth: { type: 'bearer', token: 'env:AEM_TOKEN' },
        managedGroups: [{ name: 'AEM-Authors' }],
      }),
      credentials: async (): Promise<AemCredentials> => ({ type: 'bearer', token: tokens.shift() ?? 'none' }),
    });

    const groups = await adapter.listGroups();

    expect([...groups].sort()).toEqual(['AEM-Authors', 'AEM-DAM-Users']);
    expect(tokens).toEqual([]);
  });

  it('reads and writes with Bearer auth', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      sim: { credentials: { bearer: 'ims-access-token' } },
      credentials: { type: 'bearer', token: 'ims-access-token' },
    });

    const actual = await world.adapter.readState({ groups: ['AEM-Authors'] });
    const result = await world.adapter.apply({ changes: [{ group: 'AEM-Authors', add: ['nina@acme.com'], remove: [] }], wiring: [], disable: [], enable: [] });

    expect(actual.groups.get('aem-authors')?.status).toBe('known');
    expect(result.failed).toEqual([]);
    expect(world.sim.control.members('AEM-Authors')).toContain('nina@acme.com');
  });
});

describe('AEM client: answers and limits', () => {
  it('times out a hanging instance as TargetUnavailableError', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      sim: { faults: { hang: true } },
      limits: { timeoutMs: 150 },
      options: { retry: { attempts: 1 } },
    });

    await expect(world.adapter.listGroups()).rejects.toThrow(TargetUnavailableError);
  });

  it('raises ProtocolError naming the call for an answer that is not JSON', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      transport: () => async () => ({ status: 200, headers: { 'content-type': 'text/html' }, body: '<html>login</html>' }),
    });

    const listing = world.adapter.listGroups();

    await expect(listing).rejects.toBeInstanceOf(ProtocolError);
    await expect(listing).rejects.toThrow(/aem list IMS groups: answer is not JSON/);
  });

  it('raises ProtocolError naming the field of a JSON answer of the wrong shape', async () => {
    const world = await worlds.start(demoInstance('acme-prod-author'), {
      transport: () => async () => ({ status: 200, headers: {}, body: '{"success":true,"hits":[{"jcr:path":"/home/groups/a/b"}]}' }),
    });

    await expect(world.adapter.listGroups()).rejects.toThrow(/aem list IMS groups: unexpected answer at "hits.0.rep:authorizableId"/);
  });

  it('paces requests to requestsPerSecond by the clock', async () => {
    const clock = fakeClock({ start: 0 });
    const adapter = buildAemTarget({
      http: async () => ({ status: 200, headers: {}, body: '{"success":true,"total":0,"more":false,"hits":[]}' }),
      clock,
      config: offlineAemConfig('paced-author', { requestsPerSecond: 4 }),
      credentials: async () => ({ type: 'bearer', token: 't' }),
    });

    // One QueryBuilder call each (all IMS users; no group to read).
    for (let i = 0; i < 4; i += 1) await adapter.readState({ groups: [] });

    expect(clock.sleeps).toEqual([250, 250, 250]);
  });

  it('never has more HTTP calls in flight than limits.concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    const adapter = buildAemTarget({
      http: async () => {
        inFlight += 1;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight -= 1;
        return { status: 200, headers: {}, body: '{"success":true,"total":0,"more":false,"hits":[]}' };
      },
      clock: fakeClock({ start: 0 }),
      config: offlineAemConfig('capped-author', { concurrency: 2 }),
      credentials: async () => ({ type: 'bearer', token: 't' }),
    });

    await Promise.all(Array.from({ length: 6 }, () => adapter.readState({ groups: [] })));

    expect(most).toBe(2);
  });


  it('lists the instance’s IMS groups once for the calls of the next 30 s, then again', async () => {
    const clock = fakeClock({ start: 0 });
    let calls = 0;
    const adapter = buildAemTarget({
      http: async () => {
        calls += 1;
        return { status: 200, headers: {}, body: '{"success":true,"total":0,"more":false,"hits":[]}' };
      },
      clock,
      config: offlineAemConfig('cached-author', {}),
      credentials: async () => ({ type: 'bearer', token: 't' }),
    });
    await Promise.all([adapter.listGroups(), adapter.listGroups()]);
    await adapter.listGroups();
    expect(calls).toBe(1);
    clock.advance(30_001);
    await adapter.listGroups();
    expect(calls).toBe(2);
  });
});

