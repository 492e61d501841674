/**
 * The real `bin/ims-sync.js`, spawned as a child process against the emulators (DynamoDB, SQS) and
 * the simulators of the demo org (IMS, two AEM authors, Campaign), connected the three ways an
 * operator would: --env-file, the local stack's .local-state/stack.env, and exported variables
 * with --stage.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { startEmulators, type Emulators } from '../../local/emulators.js';
import { demoOrg } from '../../local/fixtures/demo-org.js';
import type { FixtureAemInstance } from '../../local/fixtures/types.js';
import { startAemSimulator, type RunningAemSimulator } from '../../local/simulators/aem/index.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../local/simulators/campaign/index.js';
import { startImsSimulator, type ImsSimulator } from '../../local/simulators/ims/index.js';
import type { ReconcileReport } from '../../lib/sync/reconcile.js';
import { createDeadLetterParking } from '../../lib/aws/dead-letters.js';
import { imsSync, ROOT } from '../support/spawn-cli.js';

const fixture = demoOrg();
const aemInstance = (id: string): FixtureAemInstance => {
  const instance = fixture.aem.find((i) => i.targetId === id);
  if (instance === undefined) throw new Error(`demo org has no AEM instance ${id}`);
  return instance;
};

let emulators: Emulators;
let ims: ImsSimulator;
let aemProd: RunningAemSimulator;
let aemStage: RunningAemSimulator;
let campaign: RunningCampaignSimulator;
let dir: string;
let envFile: string;
let variables: Record<string, string>;

beforeAll(async () => {
  emulators = await startEmulators();
  ims = await startImsSimulator({ fixture, limits: false });
  const aemCredentials = { username: 'ims-sync-service', password: 'admin' };
  aemProd = await startAemSimulator({ instance: aemInstance('acme-prod-author'), credentials: aemCredentials });
  aemStage = await startAemSimulator({ instance: aemInstance('acme-stage-author'), credentials: aemCredentials });
  const campaignInstance = fixture.campaign[0];
  if (campaignInstance === undefined) throw new Error('demo org has no Campaign instance');
  campaign = await startCampaignSimulator({ instance: campaignInstance, credentials: { login: 'ims-sync', password: 'admin' } });

  dir = await mkdtemp(join(tmpdir(), 'ims-sync-e2e-'));
  // The demo configuration, with a UMAPI budget that lets the test's processes follow each other
  // quickly (every process reads the org's groups once; the contract's 5 a minute would throttle).
  const config = parseDocument(await readFile(join(ROOT, 'config', 'demo.yaml'), 'utf8'));
  config.setIn(['org', 'rateLimit'], { usersPerMinute: 100, groupsPerMinute: 100 });
  const configPath = join(dir, 'sync.yaml');
  await writeFile(configPath, config.toString());

  variables = {
    ...emulators.env,
    SYNC_CONFIG: configPath,
    IMS_URL: ims.url,
    AEM_PROD_URL: aemProd.url,
    AEM_STAGE_URL: aemStage.url,
    CAMPAIGN_URL: campaign.url,
    DEMO_IMS_CLIENT_SECRET: fixture.clientSecret,
    DEMO_WEBHOOK_SECRET: 'demo-webhook-secret-0123456789abcdef',
    DEMO_AEM_PASSWORD: 'admin',
    DEMO_CAMPAIGN_PASSWORD: 'admin',
  };
  const text = `# as the local stack writes it\n${Object.entries(variables).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
  envFile = join(dir, 'stack.env');
  await writeFile(envFile, text);
  await mkdir(join(dir, 'stack', '.local-state'), { recursive: true });
  await writeFile(join(dir, 'stack', '.local-state', 'stack.env'), text);
});

afterAll(async () => {
  await Promise.all([ims?.stop(), aemProd?.stop(), aemStage?.stop(), campaign?.stop()]);
  await emulators?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('ims-sync, the real binary, against emulators and simulators', () => {
  it('prints its help and exits 0; a wrong option exits 64', async () => {
    const help = await imsSync(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: ims-sync <command> [options]');
    const wrong = await imsSync(['plan', '--bogus']);
    expect(wrong).toMatchObject({ code: 64, stdout: '' });
    expect(wrong.stderr).toContain("Unknown option '--bogus'");
  });

  it('plan --json: the demo org’s differences, exit 2, nothing changed', async () => {
    const { code, stdout, stderr } = await imsSync(['plan', '--json', '--env-file', envFile]);
    expect(stderr).toBe('');
    expect(code).toBe(2);
    const report = JSON.parse(stdout) as ReconcileReport;
    expect(report).toMatchObject({ mode: 'plan', status: 'complete', usersRead: fixture.users.length });
    const changes = (id: string) => report.targets.find((t) => t.targetId === id)?.plan?.changes;
    expect(changes('acme-prod-author')).toEqual([
      { group: 'AEM-Authors', add: ['nina@acme.com'], remove: ['sam@acme.com'] },
      { group: 'AEM-DAM-Users', add: [], remove: ['li@acme.com', 'sam@acme.com'] },
    ]);
    expect(changes('acme-campaign')).toContainEqual({ group: 'campaign-managers', add: [], remove: ['omar@acme.com'] });
    expect(aemProd.control.members('AEM-DAM-Users')).toContain('li@acme.com');
  });

  it('reconcile --apply queues the work, and status --json (local stack file by default) sees it', async () => {
    const applied = await imsSync(['reconcile', '--apply', '--env-file', envFile]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(2);
    expect(applied.stdout).toContain('queued for the worker');
    const runId = /^Reconciliation (\S+) recorded/.exec(applied.stdout)?.[1];
    const queued = [...applied.stdout.matchAll(/^ {2}acme-\S+ +queued +(?:\d+ +){4}(\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    expect(runId).toMatch(/^cli-/);
    expect(queued).toBeGreaterThan(0);

    const status = await imsSync(['status', '--json'], { cwd: join(dir, 'stack') });
    expect(status.stderr).toBe('');
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout) as { queues: { queue: { visible: number } }; runs: { runId: string; status: string }[] };
    expect(parsed.queues.queue.visible).toBe(queued);
    expect(parsed.runs.filter((r) => r.runId === runId).map((r) => r.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);
  });

  // sam@acme.com left the org: UMAPI answers 404 and every managed membership goes.
  it('sync-user applies at once, and audit (exported variables, --stage local) shows it', async () => {
    const synced = await imsSync(['sync-user', 'sam@acme.com', '--env-file', envFile]);
    expect(synced.stderr).toBe('');
    expect(synced.code).toBe(2);
    expect(synced.stdout).toContain('sam@acme.com is not in the org');
    expect(aemProd.control.members('AEM-DAM-Users')).not.toContain('sam@acme.com');
    expect(aemStage.control.members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(campaign.control.membersOf('delivery')).not.toContain('sam@acme.com');

    const audit = await imsSync(['audit', 'sam@acme.com', '--stage', 'local'], { env: variables });
    expect(audit.stderr).toBe('');
    expect(audit.code).toBe(0);
    expect(audit.stdout).toMatch(/^4 audit entries for sam@acme\.com/);
    expect(audit.stdout).toMatch(/acme-campaign +remove +sam@acme\.com +delivery +event cli-\S+ +- +applied/);
  });

  // li@acme.com is an author only through the AEM-Authors user group, which carries both AEM profiles:
  // the single-user read must see those profiles, or li would look as if without access.
  it('sync-user brings one user in line everywhere, keeping access that comes through a user group', async () => {
    const synced = await imsSync(['sync-user', 'li@acme.com', '--env-file', envFile]);
    expect(synced.stderr).toBe('');
    expect(synced.code).toBe(2);
    expect(aemStage.control.members('AEM-Authors')).toContain('li@acme.com');
    expect(aemProd.control.members('AEM-Authors')).toContain('li@acme.com');
    expect(aemProd.control.members('AEM-DAM-Users')).not.toContain('li@acme.com');
  });

  it('dead-letter shows a parked message that is not work by the id it was sent with, and deletes it with --yes', async () => {
    const sqs = new SQSClient({
      endpoint: emulators.env.AWS_ENDPOINT_URL_SQS,
      region: emulators.env.AWS_REGION,
      credentials: { accessKeyId: emulators.env.AWS_ACCESS_KEY_ID, secretAccessKey: emulators.env.AWS_SECRET_ACCESS_KEY },
    });
    try {
      await createDeadLetterParking(sqs, emulators.env.DEAD_LETTER_QUEUE_URL)({ messageId: 'sent-e2e-1', body: 'not a work message' }, 'the record is not a work message');

      const shown = await imsSync(['dead-letter', 'show', 'sent-e2e-1', '--env-file', envFile]);
      expect(shown.stderr).toBe('');
      expect(shown.code).toBe(0);
      expect(shown.stdout).toMatch(/sent as +sent-e2e-1\n +dead-letter id +\S+\n/);
      expect(shown.stdout).toMatch(/reason +the record is not a work message\n/);
      expect(shown.stdout).toContain('  Body:\n    not a work message\n');

      const deleted = await imsSync(['dead-letter', 'delete', 'sent-e2e-1', '--yes', '--env-file', envFile]);
      expect(deleted.stderr).toBe('');
      expect(deleted.stdout).toContain('Deleted sent-e2e-1 from the dead-letter queue.');
      const again = await imsSync(['dead-letter', 'show', 'sent-e2e-1', '--env-file', envFile]);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/no dead letter with id sent-e2e-1/);
    } finally {
      sqs.destroy();
    }
  });
});
