import { afterEach, describe, expect, it } from 'vitest';
import type { PlanSlice } from '../../../lib/domain/plan-types.js';
import { fetchTransport, type HttpTransport } from '../../../lib/http.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../../local/simulators/campaign/index.js';
import { HOSTILE, campaignTarget, recording, testInstance } from './helpers.js';

const WRITE = 'xtk:session#WriteCollection';

const slice = (changes: PlanSlice['changes']): PlanSlice => ({ changes, wiring: [], disable: [], enable: [] });

const withOperators = (extra: string[]) => {
  const instance = testInstance();
  instance.operators.push(...extra.map((name) => ({ name, ims: true })));
  return instance;
};

describe('Campaign apply', () => {
  let sim: RunningCampaignSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('batches the adds and removes of many operators into few WriteCollection calls', async () => {
    const newcomers = ['u1@acme.com', 'u2@acme.com', 'u3@acme.com'];
    sim = await startCampaignSimulator({ instance: withOperators(newcomers) });
    const target = campaignTarget({ url: sim.url, tuning: { operatorsPerWrite: 2 } });

    const result = await target.apply(
      slice([
        { group: 'delivery', add: newcomers, remove: ['sam@acme.com'] },
        { group: 'campaign-managers', add: ['jane@acme.com', 'u1@acme.com'], remove: ['sam@acme.com'] },
      ]),
    );

    expect(result.failed).toEqual([]);
    expect(result.applied).toHaveLength(7);
    // 5 operators (u1, u2, u3, sam, jane) at 2 an operator-collection: 3 calls, whatever the number of groups.
    expect(sim.counts()[WRITE]?.write).toBe(3);
    expect(sim.control.membersOf('delivery')).toEqual(['Jane@acme.com', 'u1@acme.com', 'u2@acme.com', 'u3@acme.com', 'webservice-api']);
    expect(sim.control.groupsOf('sam@acme.com')).toEqual([]);
    // The plan's folded key reached Campaign's own spelling "Jane@acme.com".
    expect(sim.control.groupsOf('Jane@acme.com')).toEqual(['campaign-managers', 'delivery']);
  });

  it('writes the documented operator-collection document', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport });

    await target.apply(slice([{ group: 'delivery', add: ['omar@acme.com'], remove: [] }]));

    const write = calls.find((c) => c.action === WRITE)?.body ?? '';
    expect(write).toContain('<operator-collection xtkschema="xtk:operator">');
    expect(write).toContain(
      '<operator _key="@name" name="omar@acme.com" _operation="none"><operatorGroup _key="[group/@name]" _operation="insertOrUpdate"><group name="delivery" _operation="none"/></operatorGroup></operator>',
    );
  });

  it('makes no call for an empty slice and ignores AEM-only work', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const result = await target.apply({ changes: [], wiring: [{ group: 'g', memberOf: ['x'] }], disable: ['a'], enable: [] });

    expect(result).toEqual({ applied: [], failed: [] });
    expect(sim.counts()).toEqual({});
  });

  it('reports an operator that never logged in as a failed change, not retryable, and applies the rest', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const result = await target.apply(slice([{ group: 'delivery', add: ['ghost@acme.com', 'omar@acme.com'], remove: [] }]));

    expect(result.applied).toEqual([{ op: 'add', group: 'delivery', member: 'omar@acme.com' }]);
    expect(result.failed).toMatchObject([{ op: 'add', group: 'delivery', member: 'ghost@acme.com', retryable: false }]);
    expect(sim.control.groupsOf('omar@acme.com')).toContain('delivery');
  });

  it('fails every change of a call that faults (HTTP 500 fault), not retryable, with the vendor code', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url, tuning: { operatorsPerWrite: 1 } });

    const result = await target.apply(
      slice([
        { group: 'no-such-group', add: ['omar@acme.com'], remove: [] },
        { group: 'delivery', add: ['idle@acme.com'], remove: [] },
      ]),
    );

    expect(result.applied).toEqual([{ op: 'add', group: 'delivery', member: 'idle@acme.com' }]);
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0]).toMatchObject({ member: 'omar@acme.com', retryable: false });
    expect(result.failed[0]?.error).toContain('XSV-350122');
  });

  it('round-trips hostile group and operator names as data through the write', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const result = await target.apply(
      slice([
        { group: HOSTILE.injection, add: ['<x>&@acme.com'], remove: ["o'brien@acme.com"] },
        { group: HOSTILE.unicode, add: ["o'brien@acme.com"], remove: [] },
        { group: HOSTILE.traversal, add: ['omar@acme.com'], remove: [] },
        { group: HOSTILE.backslash, add: ['omar@acme.com'], remove: [] },
        { group: HOSTILE.spaces, add: ['omar@acme.com'], remove: [] },
      ]),
    );

    expect(result.failed).toEqual([]);
    expect(sim.control.membersOf(HOSTILE.injection)).toEqual(['<x>&@acme.com']);
    expect(sim.control.groupsOf("o'brien@acme.com")).toEqual([HOSTILE.unicode]);
    expect(sim.control.groupsOf('omar@acme.com')).toEqual(
      [HOSTILE.traversal, HOSTILE.backslash, 'campaign-managers', HOSTILE.spaces].sort(),
    );
    const reread = await target.readState({ groups: [HOSTILE.injection], users: ['<x>&@acme.com'] });
    expect(reread.groups.get(HOSTILE.injection)).toMatchObject({ status: 'known', members: new Set(['<x>&@acme.com']) });
  });

  it('reports retryable failures during an outage', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });
    sim.faults = { outageUntil: Date.now() + 60_000 };

    const result = await target.apply(slice([{ group: 'delivery', add: ['omar@acme.com'], remove: ['sam@acme.com'] }]));

    expect(result.applied).toEqual([]);
    expect(result.failed).toHaveLength(2);
    expect(result.failed.every((f) => f.retryable)).toBe(true);
  });

  it('reports retryable failures when Campaign throttles', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });
    await target.listGroups(); // logged on before the throttling starts
    sim.faults = { throttle: true };

    const result = await target.apply(slice([{ group: 'delivery', add: ['omar@acme.com'], remove: [] }]));

    expect(result.failed).toMatchObject([{ member: 'omar@acme.com', retryable: true }]);
    expect(result.failed[0]?.error).toContain('throttled');
  });

  it('reports retryable failures when a write times out', async () => {
    const running = await startCampaignSimulator({ instance: testInstance() });
    sim = running;
    // Logon and the operator read answer; the write never does, and the client's timeout fires.
    const hangOnWrite: HttpTransport = (request) => {
      if (request.headers?.soapaction === WRITE) running.faults = { hang: true };
      return fetchTransport(request);
    };
    const target = campaignTarget({ url: running.url, timeoutMs: 150, transport: hangOnWrite });

    const result = await target.apply(slice([{ group: 'delivery', add: ['omar@acme.com'], remove: [] }]));

    expect(result.failed).toMatchObject([{ member: 'omar@acme.com', retryable: true }]);
    expect(result.failed[0]?.error).toContain('no answer');
  });
});
