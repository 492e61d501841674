/** The access review's read of IMS operators in unmanaged operator groups, against the Campaign simulator. */
import { describe, expect, it, onTestFinished } from 'vitest';
import { startCampaignSimulator } from '../../../local/simulators/campaign/index.js';
import { campaignTarget, recording, testInstance } from './helpers.js';

describe('Campaign adapter: readDirectMemberships', () => {
  it('lists the given IMS operators in groups outside the managed set, from one paged query', async () => {
    const instance = testInstance();
    instance.memberships.push({ operator: 'omar@acme.com', group: 'admin' });
    const sim = await startCampaignSimulator({ instance });
    onTestFinished(() => sim.stop());
    const { transport, calls } = recording();
    const target = campaignTarget({ url: sim.url, transport, tuning: { lineCount: 4 } });

    const direct = await target.readDirectMemberships?.(['delivery', 'Campaign-Managers', 'content-reviewers'], new Set(['jane@acme.com', 'omar@acme.com', 'sam@acme.com']));

    // admin (local) in admin, and the hostile-named groups' operators not among the IMS ones given, are left out.
    expect(direct && Object.fromEntries(direct.byUser)).toEqual({ 'omar@acme.com': ['admin'] });
    // 9 memberships at 4 a page: 3 pages of the one operatorGroup query.
    expect(calls.filter((c) => c.schema === 'xtk:operatorGroup')).toHaveLength(3);
  });
});
