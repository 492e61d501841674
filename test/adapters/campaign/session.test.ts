import { afterEach, describe, expect, it } from 'vitest';
import { AuthError } from '../../../lib/errors.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../../local/simulators/campaign/index.js';
import { campaignTarget, recording, testInstance } from './helpers.js';

const LOGON = 'xtk:session#Logon';
const QUERY = 'xtk:queryDef#ExecuteQuery';

describe('Campaign session', () => {
  let sim: RunningCampaignSimulator | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
  });

  it('logs on once and sends the session token as cookie, first parameter and with X-Security-Token', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport });

    await target.listGroups();
    await target.listGroups();

    expect(sim.counts()[LOGON]?.read).toBe(1);
    expect(sim.counts()[QUERY]?.read).toBe(2);
    const query = calls.find((c) => c.action === QUERY);
    expect(query?.body).toMatch(/<sessiontoken xsi:type="xsd:string">___[^<]+<\/sessiontoken>/);
  });

  it('logs on again once when the session expired, then retries the call', async () => {
    sim = await startCampaignSimulator({ instance: testInstance() });
    const target = campaignTarget({ url: sim.url });
    await target.listGroups();

    sim.control.expireSessions();
    const groups = await target.listGroups();

    expect(groups).toContain('delivery');
    expect(sim.counts()[LOGON]?.read).toBe(2);
    expect(sim.counts()[QUERY]?.read).toBe(3);
  });

  it('gives up with an AuthError when the new session is refused too: only one re-logon', async () => {
    let clock = 0;
    // Every session is expired as soon as it is made.
    sim = await startCampaignSimulator({ instance: testInstance(), sessionTtlMs: 0, now: () => clock++ });
    const target = campaignTarget({ url: sim.url });

    await expect(target.listGroups()).rejects.toBeInstanceOf(AuthError);
    expect(sim.counts()[LOGON]?.read).toBe(2);
    expect(sim.counts()[QUERY]?.read).toBe(2);
  });

  it('reports a refused login as an AuthError', async () => {
    sim = await startCampaignSimulator({ instance: testInstance(), credentials: { login: 'ims-sync', password: 'other' } });
    const target = campaignTarget({ url: sim.url });

    await expect(target.listGroups()).rejects.toThrow(/Logon refused.*XSV-350022/);
  });

  it('uses a bearer token with an empty sessiontoken and never logs on', async () => {
    sim = await startCampaignSimulator({ instance: testInstance(), bearer: 'ims-access-token' });
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport, credentials: () => Promise.resolve({ type: 'bearer', token: 'ims-access-token' }) });

    const groups = await target.listGroups();

    expect(groups).toContain('admin');
    expect(sim.counts()[LOGON]).toBeUndefined();
    expect(calls[0]?.body).toContain('<sessiontoken xsi:type="xsd:string"/>');
  });

  it('asks for the bearer token once more when it is refused, then fails with an AuthError', async () => {
    sim = await startCampaignSimulator({ instance: testInstance(), bearer: 'the-right-token' });
    let asked = 0;
    const target = campaignTarget({
      url: sim.url,
      credentials: () => {
        asked += 1;
        return Promise.resolve({ type: 'bearer', token: 'a-stale-token' });
      },
    });

    await expect(target.listGroups()).rejects.toBeInstanceOf(AuthError);
    expect(asked).toBe(2);
  });
});
