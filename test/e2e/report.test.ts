/**
 * `ims-sync report`, the real binary, against the local stack of the demo org before its first
 * reconciliation (every finding kind is there), then after one (the sync repaired what it manages;
 * what it leaves alone is still reported), and `status` showing the counts the run published.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { AccessReview } from '../../lib/sync/access-review.js';
import { DEMO_CONFIG_PATH, startStack, type Stack } from '../../local/stack.js';
import { imsSync } from '../support/spawn-cli.js';

let stack: Stack;
let dir: string;
let envFile: string;

beforeAll(async () => {
  stack = await startStack({ quiet: !process.env.STACK_DEBUG });
  dir = await mkdtemp(join(tmpdir(), 'ims-sync-report-'));
  // Each CLI process reads the org's groups once: a budget that lets the test's processes follow each other.
  const config = parseDocument(await readFile(DEMO_CONFIG_PATH, 'utf8'));
  config.setIn(['org', 'rateLimit'], { usersPerMinute: 100, groupsPerMinute: 100 });
  await writeFile(join(dir, 'sync.yaml'), config.toString());
  const variables = { ...stack.env, SYNC_CONFIG: join(dir, 'sync.yaml') };
  envFile = join(dir, 'stack.env');
  await writeFile(envFile, Object.entries(variables).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n'));
});

afterAll(async () => {
  await stack?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const counts = (review: AccessReview, id: string) => review.targets.find((t) => t.id === id)?.counts;
const findings = (review: AccessReview, id: string) => review.targets.find((t) => t.id === id)?.findings.map((f) => `${f.kind} ${f.identity} ${f.group ?? ''}`.trim());

describe('ims-sync report against the local stack', () => {
  it('--json, before the first reconciliation: every finding kind of the demo org, exit 2, nothing changed', async () => {
    const before = JSON.stringify(stack.sims.aemProd.control.members('workflow-users'));
    const { code, stdout, stderr } = await imsSync(['report', '--json', '--env-file', envFile]);
    expect(stderr).toBe('');
    expect(code).toBe(2);
    const review = JSON.parse(stdout) as AccessReview;
    expect(review.org).toBe('0000DEAD0000BEEF0000CAFE@AdobeOrg');
    expect(review.targets.map((t) => [t.id, t.kind])).toEqual([
      ['acme-prod-author', 'aem'],
      ['acme-stage-author', 'aem'],
      ['acme-campaign', 'campaign'],
    ]);
    expect(findings(review, 'acme-prod-author')).toEqual([
      'direct-member li@acme.com workflow-users',
      'local-in-managed admin AEM-Authors',
      'orphan sam@acme.com AEM-Authors',
      'orphan sam@acme.com AEM-DAM-Users',
      'orphan tom@acme.com workflow-users',
      'unwired AEM-DAM-Users dam-users',
    ]);
    expect(findings(review, 'acme-stage-author')).toEqual([
      'deferred nina@acme.com AEM-Authors',
      'deferred nina@acme.com AEM-Reviewers',
      'disabled-mismatch rita@acme.com',
      'orphan sam@acme.com AEM-Authors',
    ]);
    expect(counts(review, 'acme-campaign')).toMatchObject({ 'local-in-managed': 1, orphan: 1, deferred: 1 });
    const jane = review.targets[0]?.identities.find((i) => i.key === 'jane@acme.com');
    expect(jane?.groups).toEqual([{ group: 'AEM-Authors', managed: true, status: 'in-sync', path: 'AEM Managed Services - acme-prod-author → AEM-Authors → AEM-Authors' }]);
    expect(JSON.stringify(stack.sims.aemProd.control.members('workflow-users'))).toBe(before);
  });

  it('after a reconciliation: unwired and the managed groups of the orphan are repaired; the rest stays, with the last change', async () => {
    await stack.runSchedule();
    await stack.idle();
    const { code, stdout } = await imsSync(['report', '--json', '--target', 'acme-prod-author', '--env-file', envFile]);
    expect(code).toBe(2);
    const review = JSON.parse(stdout) as AccessReview;
    expect(review.targets.map((t) => t.id)).toEqual(['acme-prod-author']);
    expect(findings(review, 'acme-prod-author')).toEqual([
      'direct-member li@acme.com workflow-users',
      'local-in-managed admin AEM-Authors',
      'orphan tom@acme.com workflow-users',
    ]);
    const nina = review.targets[0]?.identities.find((i) => i.key === 'nina@acme.com');
    expect(nina).toMatchObject({ status: 'in-sync', lastChange: { op: 'add', group: 'AEM-Authors' } });
    expect(nina?.lastChange?.cause).toMatch(/^run /);
  });

  it('status shows the findings the scheduled reconciliation counted', async () => {
    const { code, stdout } = await imsSync(['status', '--json', '--env-file', envFile]);
    expect(code).toBe(0);
    const status = JSON.parse(stdout) as { drift: { targetId: string; findings: Record<string, number> }[] };
    expect(status.drift.find((d) => d.targetId === 'acme-prod-author')?.findings).toEqual({
      'direct-member': 1,
      'local-in-managed': 1,
      unwired: 1,
      orphan: 3,
      'disabled-mismatch': 0,
      deferred: 0,
    });
  });

  it('--csv --out writes one row per identity × group; the table sums up per target and kind', async () => {
    const out = join(dir, 'review.csv');
    const csv = await imsSync(['report', '--csv', '--out', out, '--env-file', envFile]);
    expect(csv.code).toBe(2);
    expect(csv.stdout).toContain(`Wrote the CSV access review of 3 target(s) to ${out}.`);
    const lines = (await readFile(out, 'utf8')).trim().split('\n');
    expect(lines[0]).toBe('target,target_kind,identity,identity_kind,identity_status,group,managed,membership,granted_through,last_change_at,last_change_op,last_change_group,last_change_cause,last_change_actor,findings');
    expect(lines.some((l) => l.startsWith('acme-prod-author,aem,li@acme.com,ims,in-sync,workflow-users,no,direct,') && l.endsWith(',direct-member'))).toBe(true);
    expect(lines.some((l) => l.startsWith('acme-stage-author,aem,rita@acme.com,ims,,,') && l.endsWith(',disabled-mismatch'))).toBe(true);

    const text = await imsSync(['report', '--env-file', envFile]);
    expect(text.code).toBe(2);
    expect(text.stdout).toMatch(/acme-prod-author\s+1\s+1\s+0\s+1\s+0\s+0/);
    expect(text.stdout).toContain('of kind direct-member, orphan, disabled-mismatch');
  });

  it('a target that is not configured is a usage error naming the targets, exit 64', async () => {
    const { code, stdout, stderr } = await imsSync(['report', '--target', 'acme-prod-autor', '--env-file', envFile]);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toContain('no target "acme-prod-autor" in the configuration — did you mean "acme-prod-author"?');
  });
});
