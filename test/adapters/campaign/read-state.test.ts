import { afterEach, describe, expect, it } from 'vitest';
import type { GroupState } from '../../../lib/domain/state.js';
import { TargetUnavailableError } from '../../../lib/errors.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../../local/simulators/campaign/index.js';
import { HOSTILE, campaignTarget, recording, testInstance } from './helpers.js';

const members = (state: GroupState | undefined): string[] => (state?.status === 'known' ? [...state.members].sort() : []);

describe('Campaign readState', () => {
  let sim: RunningCampaignSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('reads the members of several groups with one paged operatorGroup query', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport, tuning: { lineCount: 2 } });

    const actual = await target.readState({ groups: ['delivery', 'Campaign-Managers', 'admin'] });

    expect(members(actual.groups.get('delivery'))).toEqual(['jane@acme.com', 'sam@acme.com', 'webservice-api']);
    expect(members(actual.groups.get('campaign-managers'))).toEqual(['omar@acme.com', 'sam@acme.com']);
    expect(members(actual.groups.get('admin'))).toEqual(['admin']);
    // 6 memberships at 2 a page: pages of 2, 2, 2 and an empty one, all of the same query.
    const membershipPages = calls.filter((c) => c.schema === 'xtk:operatorGroup');
    expect(membershipPages).toHaveLength(4);
    expect(membershipPages.map((c) => /startLine="(\d+)"/.exec(c.body)?.[1])).toEqual(['0', '2', '4', '6']);
    expect(calls.filter((c) => c.schema === 'xtk:group')).toHaveLength(2);
  });

  it('keeps the name as Campaign spells it and folds member keys', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const actual = await target.readState({ groups: ['DELIVERY'] });

    const state = actual.groups.get('delivery');
    expect(state?.status === 'known' && state.name).toBe('delivery');
    expect(members(state)).toContain('jane@acme.com');
  });

  it('flags local operators local and every IMS operator ims, members or not', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const actual = await target.readState({ groups: ['delivery', 'admin'] });

    expect(actual.identities.get('webservice-api')).toBe('local');
    expect(actual.identities.get('admin')).toBe('local');
    expect(actual.identities.get('jane@acme.com')).toBe('ims');
    // Not in any managed group, but an IMS operator: the plan may need to add it.
    expect(actual.identities.get('idle@acme.com')).toBe('ims');
    expect(actual.identities.has('nobody@acme.com')).toBe(false);
  });

  it('reports a managed group that does not exist as missing, and an existing empty group as known and empty', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const actual = await target.readState({ groups: ['not-created-yet', 'content-reviewers'] });

    expect(actual.groups.get('not-created-yet')).toEqual({ status: 'missing' });
    expect(actual.groups.get('content-reviewers')).toMatchObject({ status: 'known', name: 'content-reviewers' });
    expect(members(actual.groups.get('content-reviewers'))).toEqual([]);
  });

  it('reads only the given users in a user-centric read', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport });

    const actual = await target.readState({ groups: ['delivery', 'campaign-managers'], users: ['JANE@acme.com', 'webservice-api', 'new@acme.com'] });

    expect(members(actual.groups.get('delivery'))).toEqual(['jane@acme.com', 'webservice-api']);
    expect(members(actual.groups.get('campaign-managers'))).toEqual([]);
    expect([...actual.identities].sort()).toEqual([
      ['jane@acme.com', 'ims'],
      ['webservice-api', 'local'],
    ]);
    const membership = calls.find((c) => c.schema === 'xtk:operatorGroup');
    expect(membership?.body).toContain('Lower([operator/@name]) IN (');
  });

  it('chunks long IN lists and still reads every group', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport, tuning: { namesPerCondition: 2 } });

    const actual = await target.readState({ groups: ['delivery', 'campaign-managers', 'admin'] });

    expect(calls.filter((c) => c.schema === 'xtk:operatorGroup')).toHaveLength(2);
    expect(members(actual.groups.get('admin'))).toEqual(['admin']);
    expect(members(actual.groups.get('delivery'))).toHaveLength(3);
  });

  it('reads hostile names as data: quotes, markup, unicode, spaces, backslashes, dots', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const actual = await target.readState({ groups: Object.values(HOSTILE) });

    // The injection group has exactly its one member: the literal did not become "or 1=1".
    expect(members(actual.groups.get(HOSTILE.injection))).toEqual(["o'brien@acme.com"]);
    expect(members(actual.groups.get(HOSTILE.markup))).toEqual(['<x>&@acme.com']);
    for (const name of [HOSTILE.unicode, HOSTILE.spaces, HOSTILE.traversal, HOSTILE.backslash]) {
      expect(actual.groups.get(name)).toMatchObject({ status: 'known', name });
    }
  });

  it('makes a group with a control character in its name unknown, and reads the others', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });

    const actual = await target.readState({ groups: ['delivery', 'bad\u0000name'] });

    expect(actual.groups.get('bad\u0000name')?.status).toBe('unknown');
    expect(actual.groups.get('delivery')?.status).toBe('known');
  });

  it('rides out a transient 503 with its in-process retries, as AEM does', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport, calls } = recording();
    let failed = 0;
    // The first answer of the session is a bare 503 (a restarting instance, a load balancer).
    const flaky = async (request: Parameters<typeof transport>[0]) => {
      const response = await transport(request);
      if (failed === 0) {
        failed += 1;
        return { ...response, status: 503, body: 'Service Unavailable' };
      }
      return response;
    };
    const target = campaignTarget({ url: sim.url, transport: flaky });

    const actual = await target.readState({ groups: ['delivery'] });

    expect(members(actual.groups.get('delivery'))).toEqual(['jane@acme.com', 'sam@acme.com', 'webservice-api']);
    expect(failed).toBe(1);
    expect(calls.length).toBeGreaterThan(1);
  });

  it('throws when identities cannot be read (outage), never an empty state', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });
    sim.faults = { outageUntil: Date.now() + 60_000 };

    await expect(target.readState({ groups: ['delivery'] })).rejects.toBeInstanceOf(TargetUnavailableError);
  });

  it('marks groups unknown when their membership query fails, while identities were read', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport } = recording();
    // Break only the membership query, on the way out.
    const breaking = async (request: Parameters<typeof transport>[0]) => {
      const response = await transport(request);
      return request.body?.includes('schema="xtk:operatorGroup"') ? { status: 502, headers: {}, body: 'Bad Gateway' } : response;
    };
    const target = campaignTarget({ url: sim.url, transport: breaking });

    const actual = await target.readState({ groups: ['delivery', 'missing-one'] });

    expect(actual.groups.get('delivery')).toMatchObject({ status: 'unknown' });
    expect(actual.groups.get('missing-one')).toEqual({ status: 'missing' });
    expect(actual.identities.get('jane@acme.com')).toBe('ims');
  });
});
