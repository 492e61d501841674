/** `ims-sync report`: its CSV and summary, and its exit codes over the in-memory demo runtime. */
import { describe, expect, it } from 'vitest';
import { countFindings } from '../../../lib/domain/findings.js';
import { renderReviewCsv, renderReviewText } from '../../../lib/cli/render-report.js';
import type { AccessReview } from '../../../lib/sync/access-review.js';
import { cli, cliWorld } from './harness.js';

const findings = [
  { kind: 'direct-member' as const, identity: 'li@acme.com', group: '=HYPERLINK("http://x")', why: 'w', action: 'a' },
  { kind: 'disabled-mismatch' as const, identity: 'rita@acme.com', why: 'w', action: 'a' },
];
const review: AccessReview = {
  generatedAt: '2026-11-23T10:00:00.000Z',
  org: 'ORG@AdobeOrg',
  usersRead: 2,
  targets: [
    {
      id: 'acme-prod-author',
      kind: 'aem',
      status: 'complete',
      unread: [],
      findings,
      counts: countFindings(findings),
      identities: [
        {
          key: 'li@acme.com',
          kind: 'ims',
          status: 'in-sync',
          groups: [
            { group: 'AEM-Authors', managed: true, status: 'in-sync', path: 'P, with a comma → AEM-Authors → AEM-Authors' },
            { group: '=HYPERLINK("http://x")', managed: false, status: 'direct' },
          ],
          lastChange: { at: '2026-11-23T09:00:00.000Z', op: 'add', group: 'AEM-Authors', cause: 'event e1', actor: 'admin@acme.com' },
        },
      ],
    },
  ],
};

describe('report rendering', () => {
  it('writes one CSV row per identity × group, quotes commas, neutralises formulas, and gives a lone finding its own row', () => {
    const lines = renderReviewCsv(review).trim().split('\n');
    expect(lines).toEqual([
      'target,target_kind,identity,identity_kind,identity_status,group,managed,membership,granted_through,last_change_at,last_change_op,last_change_group,last_change_cause,last_change_actor,findings',
      'acme-prod-author,aem,li@acme.com,ims,in-sync,AEM-Authors,yes,in-sync,"P, with a comma → AEM-Authors → AEM-Authors",2026-11-23T09:00:00.000Z,add,AEM-Authors,event e1,admin@acme.com,',
      `acme-prod-author,aem,li@acme.com,ims,in-sync,"'=HYPERLINK(""http://x"")",no,direct,,2026-11-23T09:00:00.000Z,add,AEM-Authors,event e1,admin@acme.com,direct-member`,
      'acme-prod-author,aem,rita@acme.com,ims,,,,,,,,,,,disabled-mismatch',
    ]);
  });

  it('sums up findings per target and kind, and says what exits 2', () => {
    const text = renderReviewText(review);
    expect(text).toMatch(/acme-prod-author\s+1\s+0\s+0\s+0\s+1\s+0\n/);
    expect(text).toContain('2 findings of kind direct-member, orphan, disabled-mismatch');
  });
});

describe('ims-sync report, in-process over the in-memory demo runtime', () => {
  it('exits 1 and says what was not read when a target cannot read its unmanaged groups: unknown, never "no finding"', async () => {
    const world = cliWorld();
    const { code, stdout, stderr } = await cli(['report', '--json', '--target', 'acme-campaign'], world);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({ targets: [{ id: 'acme-campaign', status: 'partial' }] });
    expect(stderr).toContain('ims-sync report: acme-campaign: not read: unmanaged groups (direct-member and orphan findings unknown)');
    expect(world.queue.sent).toEqual([]);
    expect(world.target('acme-campaign').applyCalls).toEqual([]);
  });

  it('exits 2 on an orphan and 0 without alerting findings', async () => {
    const world = cliWorld();
    world.target('acme-campaign').readDirectMemberships = async () => ({ byUser: new Map(), unknownGroups: [] });
    // sam left the org and is still in delivery: an orphan until the next reconciliation.
    expect((await cli(['report', '--target', 'acme-campaign'], world)).code).toBe(2);
    world.target('acme-campaign').state.groups.get('delivery')?.members.delete('sam@acme.com');
    const clean = await cli(['report', '--target', 'acme-campaign'], world);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('No direct-member, orphan, disabled-mismatch findings.');
  });

  it('refuses two formats and an empty --out with a usage error', async () => {
    const world = cliWorld();
    expect(await cli(['report', '--json', '--csv'], world)).toMatchObject({ code: 64, stderr: expect.stringContaining('--json and --csv are two formats') });
    expect(await cli(['report', '--out', ' '], world)).toMatchObject({ code: 64, stderr: expect.stringContaining('--out needs a file name') });
  });
});
