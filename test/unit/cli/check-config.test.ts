import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AwsLookups } from '../../../lib/cli/aws-lookups.js';
import type { CheckConfigReport } from '../../../lib/cli/check-config.js';
import { runCli } from '../../../lib/cli/main.js';
import { NotFoundError } from '../../../lib/errors.js';

/** Distinct values, so that a leak of any of them into the output is caught. */
const SECRETS = {
  DEMO_IMS_CLIENT_SECRET: 'ims-s3cret-value-1',
  DEMO_WEBHOOK_SECRET: 'webhook-s3cret-value-2',
  DEMO_AEM_PASSWORD: 'aem-s3cret-value-3',
  DEMO_CAMPAIGN_PASSWORD: 'campaign-s3cret-value-4',
};

const INVALID = `org:
  id: not-an-org
  clientId: ims-sync
  clientSecret: env:IMS_SECRET
identity:
  allowedTypes: [adobeID]
targets:
  - id: acme-prod-author
    kind: aem
    baseUrl: author.acme.com
    auth: { type: basic, username: svc, password: env:AEM_PASSWORD }
    managedGroups: []
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ims-sync-check-config-'));
  await writeFile(join(dir, 'demo.yaml'), await readFile(new URL('../../../config/demo.yaml', import.meta.url), 'utf8'));
  await writeFile(join(dir, 'invalid.yaml'), INVALID);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** AWS lookups that record their calls and answer from maps (a missing name is NotFound). */
function fakeAws(values: { ssm?: Record<string, string>; secretsManager?: Record<string, string> } = {}) {
  const calls: string[] = [];
  let closed = 0;
  const lookup = (kind: 'ssm' | 'secretsManager', key: string): Promise<string> => {
    calls.push(`${kind}:${key}`);
    const value = values[kind]?.[key];
    return value === undefined ? Promise.reject(new NotFoundError('config', `${kind} ${key}: not found`)) : Promise.resolve(value);
  };
  const lookups: AwsLookups = {
    ssm: (name) => lookup('ssm', name),
    secretsManager: (id) => lookup('secretsManager', id),
    close: () => void (closed += 1),
  };
  return { factory: () => lookups, calls, closedCount: () => closed };
}

async function check(argv: string[], env: Record<string, string> = {}, aws = fakeAws()) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(
    ['check-config', ...argv],
    { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) }, env, isTTY: false, cwd: dir },
    { awsLookups: aws.factory },
  );
  return { code, stdout, stderr };
}

function expectNoSecretValue(text: string): void {
  for (const value of Object.values(SECRETS)) expect(text).not.toContain(value);
}

describe('ims-sync check-config', () => {
  it('summarises a valid configuration without TABLE_NAME, QUEUE_URL, a local stack or any AWS call', async () => {
    const aws = fakeAws();
    const { code, stdout, stderr } = await check(['--config', 'demo.yaml'], {}, aws);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^demo\.yaml is valid\.\n/);
    expect(stdout).toMatch(/\n {2}org +0000DEAD0000BEEF0000CAFE@AdobeOrg \(client ims-sync-demo\)\n/);
    expect(stdout).toMatch(/\n {2}identity types +enterpriseID, federatedID\n/);
    expect(stdout).toContain('hold removals beyond 50 or 75% of managed memberships');
    expect(stdout).toContain('Targets (3):\n  acme-prod-author (aem)\n    base URL          http://127.0.0.1:4502\n    auth              basic as ims-sync-service, secret env:DEMO_AEM_PASSWORD\n    profiles          AEM Managed Services - acme-prod-author\n    managed groups    AEM-Authors → content-authors; pattern AEM-DAM-.* → dam-users\n    revocation        remove-memberships\n');
    expect(stdout).toContain('  acme-campaign (campaign)\n');
    expect(stdout).toContain('association mask  Campaign - acme-prod - (.*)');
    expect(aws.calls).toEqual([]);
    expect(aws.closedCount()).toBe(1);
  });

  it('reads SYNC_CONFIG when there is no --config, and interpolates ${NAME} from the environment', async () => {
    const { code, stdout } = await check([], { SYNC_CONFIG: 'demo.yaml', AEM_PROD_URL: 'https://author.acme.com' });
    expect(code).toBe(0);
    expect(stdout).toContain('base URL          https://author.acme.com');
  });

  it('prints every problem of an invalid configuration and exits 1', async () => {
    const { code, stdout, stderr } = await check(['--config', 'invalid.yaml']);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^ims-sync check-config: invalid\.yaml is invalid — \d+ problems, fix these and run again:\n/);
    for (const path of ['org.id', 'identity.allowedTypes[0]', 'targets[0].baseUrl', 'targets[0].managedGroups']) {
      expect(stderr).toMatch(new RegExp(`\\n {2}- ${path.replace(/[[\].]/g, '\\$&')}: `));
    }
    expect(stderr.split('\n').filter((line) => line.startsWith('  - ')).length).toBeGreaterThanOrEqual(4);
  });

  it('says which file it could not read, and that --config named it', async () => {
    const { code, stderr } = await check(['--config', 'missing.yaml']);
    expect(code).toBe(1);
    expect(stderr).toContain('missing.yaml: cannot read the configuration file (ENOENT) — check the path given in --config\n');
  });

  it('says SYNC_CONFIG, and where it came from, when that named the missing file', async () => {
    const { code, stderr } = await check([], { SYNC_CONFIG: 'missing.yaml' });
    expect(code).toBe(1);
    expect(stderr).toContain('missing.yaml: cannot read the configuration file (ENOENT) — check the path given in SYNC_CONFIG (from the environment)\n');
  });

  it('without --secrets says the secrets were not checked, which env variables they need, and how to check them', async () => {
    const { code, stdout } = await check(['--config', 'demo.yaml']);
    expect(code).toBe(0);
    expect(stdout).toContain(
      '\nSecrets: not checked — 5 secret references not resolved. Check them with `ims-sync check-config --secrets` (DEMO_IMS_CLIENT_SECRET, DEMO_AEM_PASSWORD, DEMO_CAMPAIGN_PASSWORD, DEMO_WEBHOOK_SECRET must then be set in this environment or the env file).\n',
    );
    expect((await check(['--config', 'demo.yaml', '--secrets'], SECRETS)).stdout).not.toContain('not checked');
  });

  it('is a usage error when no configuration is named', async () => {
    const { code, stderr } = await check([]);
    expect(code).toBe(64);
    expect(stderr).toContain('no configuration to check: pass --config <path> or set SYNC_CONFIG');
  });

  it('with --secrets reports each reference ok, and exits 0 when all resolve, printing no value', async () => {
    const { code, stdout, stderr } = await check(['--config', 'demo.yaml', '--secrets'], SECRETS);
    expect(code).toBe(0);
    expect(stdout).toContain('Secrets (5 references, all resolved):');
    expect(stdout).toMatch(/ok {6}org\.clientSecret {10}env:DEMO_IMS_CLIENT_SECRET\n/);
    expect(stdout).toMatch(/ok {6}webhooks\.generic\.secret {3}env:DEMO_WEBHOOK_SECRET/);
    expectNoSecretValue(stdout + stderr);
  });

  it('with --secrets names a reference that does not resolve, exits 1 and prints no value', async () => {
    const { DEMO_CAMPAIGN_PASSWORD: _missing, ...env } = SECRETS;
    const { code, stdout, stderr } = await check(['--config', 'demo.yaml', '--secrets'], env);
    expect(code).toBe(1);
    expect(stdout).toContain('Secrets (5 references, 1 not resolved):');
    expect(stdout).toMatch(/error {3}targets\[2\]\.auth\.password {2}env:DEMO_CAMPAIGN_PASSWORD {2}environment variable DEMO_CAMPAIGN_PASSWORD is not set or empty/);
    expect(stdout).toMatch(/ok {6}targets\[0\]\.auth\.password {2}env:DEMO_AEM_PASSWORD/);
    expect(stderr).toBe('ims-sync check-config: 1 secret reference does not resolve — see the problems above\n');
    expectNoSecretValue(stdout + stderr);
  });

  it('looks ssm: and secretsmanager: references up through AWS only for those references', async () => {
    const text = (await readFile(join(dir, 'demo.yaml'), 'utf8'))
      .replace('env:DEMO_IMS_CLIENT_SECRET', 'ssm:/acme/ims-secret')
      .replace('env:DEMO_WEBHOOK_SECRET', 'secretsmanager:acme/webhook');
    await writeFile(join(dir, 'aws.yaml'), text);
    const aws = fakeAws({ ssm: { '/acme/ims-secret': 'ssm-s3cret-value' } });
    const { code, stdout } = await check(['--config', 'aws.yaml', '--secrets', '--json'], SECRETS, aws);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as CheckConfigReport;
    expect(report.secrets?.find((s) => s.path === 'org.clientSecret')).toEqual({ path: 'org.clientSecret', ref: 'ssm:/acme/ims-secret', status: 'ok' });
    expect(report.secrets?.find((s) => s.path === 'webhooks.generic.secret')).toEqual({
      path: 'webhooks.generic.secret',
      ref: 'secretsmanager:acme/webhook',
      status: 'error',
      error: 'secret secretsmanager:acme/webhook: does not exist — create it, or fix the reference',
    });
    expect(aws.calls).toEqual(['ssm:/acme/ims-secret', 'secretsManager:acme/webhook']);
    expect(stdout).not.toContain('ssm-s3cret-value');
  });

  it('reads an ssm: configuration through the SSM lookup', async () => {
    const aws = fakeAws({ ssm: { '/acme/sync-config': await readFile(join(dir, 'demo.yaml'), 'utf8') } });
    const { code, stdout } = await check(['--config', 'ssm:/acme/sync-config'], {}, aws);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ssm:\/acme\/sync-config is valid\./);
    expect(aws.calls).toEqual(['ssm:/acme/sync-config']);
  });

  describe('--json', () => {
    it('prints { valid, issues, summary } for a valid configuration', async () => {
      const { code, stdout, stderr } = await check(['--config', 'demo.yaml', '--json']);
      expect(code).toBe(0);
      expect(stderr).toBe('');
      const report = JSON.parse(stdout) as CheckConfigReport;
      expect(report.valid).toBe(true);
      expect(report.issues).toEqual([]);
      expect(report.secrets).toBeUndefined();
      expect(report.secretsChecked).toBe(false);
      expect(report.summary?.org).toEqual({ id: '0000DEAD0000BEEF0000CAFE@AdobeOrg', clientId: 'ims-sync-demo' });
      expect(report.summary?.guard).toEqual({ maxRemovals: 50, maxRemovalPercent: 75 });
      expect(report.summary?.targets.map((t) => [t.id, t.kind, t.auth.type])).toEqual([
        ['acme-prod-author', 'aem', 'basic'],
        ['acme-stage-author', 'aem', 'basic'],
        ['acme-campaign', 'campaign', 'session'],
      ]);
      expect(report.summary?.targets[0]?.managedGroups).toEqual([
        { name: 'AEM-Authors', memberOf: ['content-authors'] },
        { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] },
      ]);
      expect(report.summary?.targets[2]?.associationMask).toBe('Campaign - acme-prod - (.*)');
    });

    it('prints { valid: false, issues } for an invalid configuration', async () => {
      const { code, stdout, stderr } = await check(['--config', 'invalid.yaml', '--json']);
      expect(code).toBe(1);
      expect(stderr).toBe('');
      const report = JSON.parse(stdout) as CheckConfigReport;
      expect(report.valid).toBe(false);
      expect(report.summary).toBeUndefined();
      expect(report.issues.length).toBeGreaterThanOrEqual(4);
      expect(report.issues.some((issue) => issue.startsWith('targets[0].baseUrl: '))).toBe(true);
    });

    it('with --secrets marks the unresolved reference and is not valid, printing no value', async () => {
      const { DEMO_IMS_CLIENT_SECRET: _missing, ...env } = SECRETS;
      const { code, stdout } = await check(['--config', 'demo.yaml', '--secrets', '--json'], env);
      expect(code).toBe(1);
      const report = JSON.parse(stdout) as CheckConfigReport;
      expect(report.valid).toBe(false);
      expect(report.secrets?.map((s) => [s.path, s.status])).toEqual([
        ['org.clientSecret', 'error'],
        ['targets[0].auth.password', 'ok'],
        ['targets[1].auth.password', 'ok'],
        ['targets[2].auth.password', 'ok'],
        ['webhooks.generic.secret', 'ok'],
      ]);
      expect(report.secrets?.[0]?.error).toContain('DEMO_IMS_CLIENT_SECRET is not set or empty');
      expectNoSecretValue(stdout);
    });
  });
});
