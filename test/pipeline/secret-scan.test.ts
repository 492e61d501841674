/**
 * Secrets never reach a log line, a metric, an error message, a CLI's output or the table: the REAL
 * webhook, worker, schedule and replay roots (Powertools logger at DEBUG, metrics on) and the real
 * `bin/ims-sync.js` run with KNOWN secret values — the UMAPI client secret, an AEM password, an AEM
 * bearer token, a Campaign password, the generic-webhook HMAC key, and the IMS access tokens,
 * Campaign session/security tokens and AEM CSRF tokens the simulators hand out (learnt by recording
 * proxies in front of them) — through their happy paths and the failure paths where leaks hide
 * (wrong credentials → 401 / Logon fault, UMAPI 5xx, a malformed or forged request, a poison
 * message). Every line this process writes (stdout, stderr, console), every answer and error, the
 * CLI's stdout and stderr, and finally every table item and queued message are scanned for each
 * secret as is, JSON/XML/URL/form-encoded, base64/base64url at any alignment, and as `user:password`
 * basic auth. The first test proves the scan can fail: it finds secrets planted through the same paths.
 *
 * `SECRET_SCAN_ECHO=1` lets the captured output through to the terminal.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ScheduleSummary } from '../../functions/doors/schedule.js';
import type { ReplayReport } from '../../lib/sync/replay.js';
import { createPowertools } from '../../lib/observability/powertools.js';
import { demoOrg } from '../../local/fixtures/demo-org.js';
import { startAemSimulator, type RunningAemSimulator } from '../../local/simulators/aem/index.js';
import { startCampaignSimulator, type RunningCampaignSimulator } from '../../local/simulators/campaign/index.js';
import { generateSigningKey, httpApiEvent } from '../support/io-events.js';
import { imsSync as spawnCli, type Ran as Spawned } from '../support/spawn-cli.js';
import { FAST_UMAPI_BUDGET, lambdaContext, startPipelineWorld, type ConfigEditor, type PipelineWorld, type SqsBatchHandler } from '../support/pipeline.js';
import {
  basicAuthSecret,
  captureOutput,
  issuedCredentials,
  scanForSecrets,
  secretForms,
  startRecordingProxy,
  type KnownSecret,
  type OutputCapture,
  type RecordingProxy,
  type WrittenText,
} from '../support/secret-scan.js';
import { auditBody, auditDelivery, genericDelivery, scheduledEvent, signedIoDelivery } from './deliveries.js';


// Unique per run, and built to change under every encoding (/, +, =, &, :, <, >, quotes).
const run = randomBytes(6).toString('hex');
const AEM_USER = 'ims-sync-service';
const CAMPAIGN_LOGIN = 'ims-sync';
const SECRET = {
  umapiClientSecret: `scan-umapi-client-secret/${run}+x=`,
  wrongUmapiClientSecret: `scan-wrong-umapi-secret/${run}+y=`,
  aemPassword: `scan-aem-password:${run}/+&?`,
  wrongAemPassword: `scan-wrong-aem-password:${run}/+&?`,
  aemBearer: `scan-aem-bearer-token.${run}.abc`,
  wrongAemBearer: `scan-wrong-aem-bearer.${run}.abc`,
  campaignPassword: `scan-campaign-password<${run}>&"'`,
  wrongCampaignPassword: `scan-wrong-campaign-pw<${run}>&"'`,
  webhookKey: `scan-generic-webhook-hmac-key-${run}-0123456789`,
  /** A password pasted into a URL of the configuration instead of a secret reference. */
  urlPassword: `scan-url-password-${run}`,
} as const;

const issued = issuedCredentials();

/** Every secret known now: the configured ones, their basic-auth forms, and every credential the simulators have issued so far. */
function knownSecrets(): KnownSecret[] {
  return [
    { name: 'UMAPI client secret', value: SECRET.umapiClientSecret },
    { name: 'wrong UMAPI client secret', value: SECRET.wrongUmapiClientSecret },
    { name: 'AEM prod password', value: SECRET.aemPassword },
    { name: 'wrong AEM prod password', value: SECRET.wrongAemPassword },
    basicAuthSecret('AEM prod', AEM_USER, SECRET.aemPassword),
    basicAuthSecret('wrong AEM prod', AEM_USER, SECRET.wrongAemPassword),
    { name: 'AEM stage bearer token', value: SECRET.aemBearer },
    { name: 'wrong AEM stage bearer token', value: SECRET.wrongAemBearer },
    { name: 'Campaign password', value: SECRET.campaignPassword },
    { name: 'wrong Campaign password', value: SECRET.wrongCampaignPassword },
    { name: 'generic webhook HMAC key', value: SECRET.webhookKey },
    { name: 'password pasted into a URL', value: SECRET.urlPassword },
    ...[...issued.imsAccessTokens].map((value) => ({ name: 'IMS access token', value })),
    ...[...issued.campaignSessionTokens].map((value) => ({ name: 'Campaign session token', value })),
    ...[...issued.campaignSecurityTokens].map((value) => ({ name: 'Campaign security token', value })),
    ...[...issued.aemCsrfTokens].map((value) => ({ name: 'AEM CSRF token', value })),
  ];
}

const scanConfig = (config: ConfigEditor): void => {
  FAST_UMAPI_BUDGET(config);
  config.set(['org', 'clientSecret'], 'env:SCAN_UMAPI_CLIENT_SECRET');
  config.set(['webhooks', 'generic', 'secret'], 'env:SCAN_WEBHOOK_HMAC_KEY');
  config.set(['targets', 0, 'auth'], { type: 'basic', username: AEM_USER, password: 'env:SCAN_AEM_PASSWORD' });
  config.set(['targets', 1, 'auth'], { type: 'bearer', token: 'env:SCAN_AEM_BEARER' });
  config.set(['targets', 2, 'auth'], { type: 'session', login: CAMPAIGN_LOGIN, password: 'env:SCAN_CAMPAIGN_PASSWORD' });
};

const rightCredentials = {
  SCAN_UMAPI_CLIENT_SECRET: SECRET.umapiClientSecret,
  SCAN_WEBHOOK_HMAC_KEY: SECRET.webhookKey,
  SCAN_AEM_PASSWORD: SECRET.aemPassword,
  SCAN_AEM_BEARER: SECRET.aemBearer,
  SCAN_CAMPAIGN_PASSWORD: SECRET.campaignPassword,
};
const wrongCredentials = {
  ...rightCredentials,
  SCAN_AEM_PASSWORD: SECRET.wrongAemPassword,
  SCAN_AEM_BEARER: SECRET.wrongAemBearer,
  SCAN_CAMPAIGN_PASSWORD: SECRET.wrongCampaignPassword,
};

let world: PipelineWorld;
let capture: OutputCapture;
let aemProd: RunningAemSimulator;
let aemStage: RunningAemSimulator;
let campaign: RunningCampaignSimulator;
const proxies: RecordingProxy[] = [];
let proxy: { ims: RecordingProxy; prod: RecordingProxy; stage: RecordingProxy; campaign: RecordingProxy };
/** Where the CLI's env files go (removed in afterAll). */
let cliDir: string;
/** The variables the CLI and the roots read, beside the world's. */
let stackEnv: Record<string, string>;
const savedEnv = new Map<string, string | undefined>();

let webhook: (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;
let worker: SqsBatchHandler;
let schedule: (event: ScheduledEvent) => Promise<ScheduleSummary>;
let replay: (request: unknown) => Promise<ReplayReport>;

function setEnv(values: Record<string, string>): void {
  for (const [name, value] of Object.entries(values)) {
    if (!savedEnv.has(name)) savedEnv.set(name, process.env[name]);
    process.env[name] = value;
  }
}

/** What the roots, the answers and the errors wrote since the last call, plus `extra`; fails the test on any secret found. */
function expectNoSecrets(extra: readonly WrittenText[] = []): WrittenText[] {
  const written = [...capture.take(), ...extra];
  expect(scanForSecrets(written, knownSecrets())).toEqual([]);
  return written;
}

const asText = (where: string, value: unknown): WrittenText => ({
  where,
  text: value instanceof Error ? `${value.name}: ${value.message}\n${value.stack ?? ''}\n${String(value.cause ?? '')}` : JSON.stringify(value, null, 1),
});

/** Lines of a Powertools service among what was written: proof the capture sees the real logger. */
const powertoolsLines = (written: readonly WrittenText[], service: string): string[] =>
  written.flatMap((w) => w.text.split('\n')).filter((line) => line.includes(`"service":"${service}"`));

beforeAll(async () => {
  world = await startPipelineWorld({ fixture: { ...demoOrg(), clientSecret: SECRET.umapiClientSecret }, configEdit: scanConfig });
  const fixture = demoOrg();
  const aemInstance = (id: string) => {
    const found = fixture.aem.find((a) => a.targetId === id);
    if (!found) throw new Error(`no AEM instance ${id} in the demo org`);
    return found;
  };
  const campaignInstance = fixture.campaign[0];
  if (!campaignInstance) throw new Error('no Campaign instance in the demo org');
  // The world's own AEM and Campaign simulators take the harness's passwords: these take the known secrets.
  aemProd = await startAemSimulator({ instance: aemInstance('acme-prod-author'), credentials: { username: AEM_USER, password: SECRET.aemPassword } });
  aemStage = await startAemSimulator({ instance: aemInstance('acme-stage-author'), credentials: { bearer: SECRET.aemBearer } });
  campaign = await startCampaignSimulator({ instance: campaignInstance, credentials: { login: CAMPAIGN_LOGIN, password: SECRET.campaignPassword } });
  const start = async (url: string): Promise<RecordingProxy> => {
    const started = await startRecordingProxy(url, issued);
    proxies.push(started);
    return started;
  };
  proxy = { ims: await start(world.ims.url), prod: await start(aemProd.url), stage: await start(aemStage.url), campaign: await start(campaign.url) };
  stackEnv = {
    ...world.env,
    IMS_URL: proxy.ims.url,
    AEM_PROD_URL: proxy.prod.url,
    AEM_STAGE_URL: proxy.stage.url,
    CAMPAIGN_URL: proxy.campaign.url,
    ...rightCredentials,
  };
  cliDir = await mkdtemp(join(tmpdir(), 'ims-sync-secret-scan-'));

  capture = captureOutput({ echo: process.env['SECRET_SCAN_ECHO'] === '1' });
  // As in Lambda: every log level, metrics published (as EMF on stdout).
  setEnv({ ...stackEnv, POWERTOOLS_LOG_LEVEL: 'DEBUG', POWERTOOLS_METRICS_DISABLED: 'false' });
  const webhookRoot = await import('../../functions/webhook.js');
  const workerRoot = await import('../../functions/worker.js');
  const scheduleRoot = await import('../../functions/schedule.js');
  const replayRoot = await import('../../functions/replay.js');
  webhook = (event) => webhookRoot.handler(event, lambdaContext('ims-group-sync-webhook'));
  worker = (event, context) => workerRoot.handler(event, context);
  schedule = (event) => scheduleRoot.handler(event, lambdaContext('ims-group-sync-schedule'));
  replay = (request) => replayRoot.handler(request, lambdaContext('ims-group-sync-replay'));
});

afterAll(async () => {
  capture?.stop();
  for (const [name, value] of savedEnv) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await Promise.all([...proxies.map((p) => p.stop()), aemProd?.stop(), aemStage?.stop(), campaign?.stop()]);
  await world?.stop();
  if (cliDir) await rm(cliDir, { recursive: true, force: true });
});

describe('the scan itself', () => {
  it('finds a secret planted through the real Powertools logger and metrics, the console and stderr, in every form', () => {
    expectNoSecrets(); // what the roots wrote at their cold start
    const planted: KnownSecret = { name: 'planted', value: `planted-secret/${run}+&:<>` };
    const { log, metrics, powertoolsMetrics } = createPowertools('ims-group-sync-self-check');

    log.info('a careless line', { header: `Basic ${Buffer.from(`someone:${planted.value}`).toString('base64')}` });
    log.error('another', { url: `https://example.com/?secret=${encodeURIComponent(planted.value)}` });
    powertoolsMetrics.addMetadata('leak', planted.value);
    metrics.count('EventsAccepted');
    metrics.flush();
    console.warn('xml: %s', `<pw>${planted.value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</pw>`);
    process.stderr.write(`ab${Buffer.from(`xy${planted.value}`).toString('base64url')}\n`);
    const findings = scanForSecrets(capture.take(), [planted, basicAuthSecret('planted', 'someone', planted.value)]);

    expect(findings.map((f) => `${f.secret} | ${f.form} | ${f.where}`).sort()).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^planted \(basic auth someone:…\) \| raw \| stdout$/),
        'planted | URL-encoded | stderr', // Powertools writes errors to stderr
        'planted | raw | stdout', // the metadata, in the EMF line
        'planted | XML-escaped | console.warn',
        expect.stringMatching(/^planted \| base64(url)? \(offset 2\) \| stderr$/),
      ]),
    );
    expect(findings.every((f) => !f.line.includes(planted.value))).toBe(true); // the report masks what it found
    expect(secretForms(planted).map((f) => f.form)).toEqual(expect.arrayContaining(['raw', 'URL-encoded', 'base64 (offset 0)', 'base64 (offset 1)', 'base64 (offset 2)']));
  });
});

/** Keys of a forger, published nowhere, claiming the paths of the real ones. */
const forgedKeys = (): [ReturnType<typeof generateSigningKey>, ReturnType<typeof generateSigningKey>] => [
  { ...generateSigningKey(), keyPath: world.signingKeys[0].keyPath },
  { ...generateSigningKey(), keyPath: world.signingKeys[1].keyPath },
];

describe('the function roots, with known secrets', () => {
  it('webhook: accepted, forged, stale, malformed and oversized requests leak nothing', async () => {
    world.ims.org.addUserToGroup('omar@acme.com', 'AEM-Authors');
    const malformed = JSON.stringify({ ...JSON.parse(auditBody({ id: 'evt-scan-bad', code: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'x@acme.com', group: 'AEM-Authors' })), data: { user: 7 } });
    const requests: [string, APIGatewayProxyEventV2, number][] = [
      ['challenge', httpApiEvent({ method: 'GET', path: '/webhooks/adobe-io', rawQueryString: 'challenge=scan-challenge' }), 200],
      ['signed audit event', auditDelivery({ id: 'evt-scan-omar', code: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'omar@acme.com', group: 'AEM-Authors' }, world.signingKeys), 200],
      ['user left the org', auditDelivery({ id: 'evt-scan-sam', code: 'USER_REMOVE:USER', email: 'sam@acme.com' }, world.signingKeys), 200],
      ['generic, signed with the key', genericDelivery([{ id: 'gen-scan-li', type: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' }], { secret: SECRET.webhookKey }), 200],
      ['generic, wrong key', genericDelivery([{ id: 'gen-scan-forged' }], { secret: `not-${SECRET.webhookKey}` }), 401],
      ['generic, stale', genericDelivery([{ id: 'gen-scan-stale' }], { secret: SECRET.webhookKey, timestampSeconds: Math.floor(Date.now() / 1000) - 3600 }), 401],
      ['generic, signed but malformed', genericDelivery([{ id: 'gen-scan-bad', type: 'membership.exploded' }], { secret: SECRET.webhookKey }), 400],
      ['audit event, forged signature', signedIoDelivery(auditBody({ id: 'evt-scan-f', code: 'USER_REMOVE:USER', email: 'jane@acme.com' }), forgedKeys()), 401],
      // One unreadable event is skipped with its reason, never the whole delivery (Adobe drops a 4xx for good).
      ['audit event, malformed', signedIoDelivery(malformed, world.signingKeys), 200],
      ['audit event, oversized', signedIoDelivery(JSON.stringify({ padding: 'x'.repeat(1_100_000) }), world.signingKeys), 413],
    ];
    const answers: WrittenText[] = [];

    for (const [what, event, status] of requests) {
      const response = await webhook(event);
      answers.push(asText(`webhook answer: ${what}`, response));
      expect({ what, status: response.statusCode }).toEqual({ what, status });
    }

    const written = expectNoSecrets(answers);
    expect(powertoolsLines(written, 'ims-group-sync-webhook').length).toBeGreaterThan(0);
    expect(written.some((w) => w.text.includes('"EventsAccepted"'))).toBe(true); // the EMF metrics were captured too
  });

  it('worker: applied work, a UMAPI 5xx and a poison message leak nothing', async () => {
    // A 500, not a 503: UMAPI 503s are retried in-process after Adobe's 15 s back-off.
    world.ims.umapiFaults.scripted.push({ endpoint: 'GET user', times: 1, status: 500, body: 'upstream trouble' });
    await world.work.sendRaw('{"kind":"delta","id":42}', 'user:poison@acme.com');
    const results: WrittenText[] = [];

    const polls = await world.work.drain(worker, { visibilitySeconds: 2, timeoutMs: 45_000 });
    for (const poll of polls) results.push(asText('worker batch answer', { failed: poll.failed, error: poll.error }));

    expect(proxy.ims.exchanges.some((e) => e.startsWith('GET /v2/usermanagement/') && e.endsWith('→ 500'))).toBe(true);
    expect(aemProd.control.members('AEM-Authors')).toContain('omar@acme.com');
    expect(aemProd.control.members('AEM-DAM-Users')).not.toContain('sam@acme.com');
    expect(aemStage.control.members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(campaign.control.groupsOf('sam@acme.com')).toEqual([]);
    expect(issued.imsAccessTokens.size).toBeGreaterThan(0);
    expect(issued.campaignSessionTokens.size).toBeGreaterThan(0);
    expect(issued.aemCsrfTokens.size).toBeGreaterThan(0);
    const written = expectNoSecrets(results);
    expect(powertoolsLines(written, 'ims-group-sync-worker').length).toBeGreaterThan(0);
    expect(written.some((w) => w.text.includes('parked'))).toBe(true);
  });

  it('worker with wrong AEM and Campaign credentials (401s, a refused Logon) leaks neither the wrong nor the right ones', async () => {
    setEnv(wrongCredentials);
    vi.resetModules();
    const wrongRoot = await import('../../functions/worker.js');
    const wrongWorker: SqsBatchHandler = (event, context) => wrongRoot.handler(event, context);
    world.ims.org.addUserToGroup('nina@acme.com', 'AEM-DAM-Users');
    world.ims.org.addUserToGroup('jane@acme.com', 'Campaign - acme-prod - delivery');
    const before = { prod: aemProd.control.members('AEM-DAM-Users'), campaign: campaign.control.groupsOf('jane@acme.com') };
    await world.work.sendRaw(JSON.stringify(delta('scan-wrong-nina', 'nina@acme.com', 'AEM-DAM-Users')), 'user:nina@acme.com');
    await world.work.sendRaw(JSON.stringify(delta('scan-wrong-jane', 'jane@acme.com', 'Campaign - acme-prod - delivery')), 'user:jane@acme.com');

    const poll = await world.work.poll(wrongWorker, { visibilitySeconds: 1 });
    setEnv(rightCredentials); // secrets are resolved when first used: the wrong ones only for this root, this poll

    expect(poll.records).toHaveLength(2);
    expect(aemProd.control.members('AEM-DAM-Users')).toEqual(before.prod);
    expect(campaign.control.groupsOf('jane@acme.com')).toEqual(before.campaign);
    // The targets really refused: AEM prod (basic) and stage (bearer) with 401, Campaign's Logon with a fault.
    expect(proxy.prod.exchanges.some((e) => e.endsWith('→ 401'))).toBe(true);
    expect(proxy.stage.exchanges.some((e) => e.endsWith('→ 401'))).toBe(true);
    expect(proxy.campaign.exchanges.some((e) => e.endsWith('→ 500'))).toBe(true);
    const written = expectNoSecrets([asText('wrong-credentials batch answer', { failed: poll.failed, deleted: poll.deleted, error: poll.error })]);
    expect(written.some((w) => /credentials|401|refused/i.test(w.text))).toBe(true);
  });

  it('schedule: a full reconciliation and one stopped by a UMAPI 5xx leak nothing', async () => {
    const complete = await schedule(scheduledEvent('5ca7-0001-scan-run'));
    await world.work.drain(worker, { visibilitySeconds: 5, timeoutMs: 45_000 });
    // A 500, not a 503: UMAPI 503s are retried in-process after Adobe's 15 s back-off.
    world.ims.umapiFaults.scripted.push({ endpoint: 'GET users', times: 1, status: 500, body: 'Internal Server Error' });
    const incomplete = await schedule(scheduledEvent('5ca7-0002-scan-run'));

    expect(complete.status).toBe('complete');
    expect(incomplete.status).toBe('incomplete');
    const written = expectNoSecrets([asText('schedule summary', complete), asText('schedule summary (incomplete)', incomplete)]);
    expect(powertoolsLines(written, 'ims-group-sync-schedule').length).toBeGreaterThan(0);
  });

  it('replay: a dry run and a replay of parked work leak nothing', async () => {
    const dryRun = await replay({ dryRun: true });
    const moved = await replay({ dryRun: false });
    await world.work.drain(worker, { visibilitySeconds: 2, timeoutMs: 45_000 });

    expect(dryRun.unreadable.length + dryRun.matched.length).toBeGreaterThan(0);
    expect(moved.dryRun).toBe(false);
    expectNoSecrets([asText('replay dry run', dryRun), asText('replay', moved)]);
  });
});

const delta = (id: string, email: string, group: string) => ({
  kind: 'delta',
  id,
  occurredAt: new Date().toISOString(),
  correlationId: `corr-${id}`,
  source: 'generic',
  change: 'membership.added',
  user: { email },
  group,
});

/** The real binary, with only these variables, given as an --env-file (the process itself gets PATH and HOME only). */
type Ran = Spawned & { readonly args: string };

async function imsSync(args: readonly string[], variables: Record<string, string>): Promise<Ran> {
  const envFile = join(cliDir, `stack-${randomBytes(4).toString('hex')}.env`);
  await writeFile(envFile, `${Object.entries(variables).map(([k, v]) => `${k}=${v}`).join('\n')}\n`);
  const ran = await spawnCli([...args, '--env-file', envFile], { cwd: cliDir, timeoutMs: 90_000 });
  return { args: args.join(' '), ...ran };
}

const cliText = (ran: Ran): WrittenText[] => [
  { where: `CLI ${ran.args} stdout`, text: ran.stdout },
  { where: `CLI ${ran.args} stderr`, text: ran.stderr },
];

describe('the CLI (bin/ims-sync.js), with known secrets', () => {
  it('check-config --secrets, plan, reconcile, sync-user, status, audit and replay leak nothing, with --debug too', async () => {
    const runs: Ran[] = [];
    for (const args of [
      ['check-config', '--secrets'],
      ['plan', '--json'],
      ['plan', '--debug'],
      ['sync-user', 'li@acme.com', '--debug'],
      ['reconcile', '--apply', '--debug'],
      ['status', '--json'],
      ['audit', 'sam@acme.com'],
      ['replay', '--debug'],
    ]) {
      runs.push(await imsSync(args, stackEnv));
    }

    expect(runs.map((r) => `${r.args}: ${r.code}`)).toEqual([
      'check-config --secrets: 0',
      expect.stringMatching(/^plan --json: [02]$/),
      expect.stringMatching(/^plan --debug: [02]$/),
      expect.stringMatching(/^sync-user li@acme.com --debug: [02]$/),
      expect.stringMatching(/^reconcile --apply --debug: [02]$/),
      'status --json: 0',
      'audit sam@acme.com: 0',
      'replay --debug: 0',
    ]);
    expectNoSecrets(runs.flatMap(cliText));
  });

  it('wrong target credentials, a wrong client secret, UMAPI 5xx and an IMS token 5xx fail with messages that leak nothing', async () => {
    const runs: Ran[] = [];
    runs.push(await imsSync(['plan', '--debug'], { ...stackEnv, ...wrongCredentials }));
    runs.push(await imsSync(['sync-user', 'jane@acme.com', '--debug'], { ...stackEnv, ...wrongCredentials }));
    runs.push(await imsSync(['plan', '--debug'], { ...stackEnv, SCAN_UMAPI_CLIENT_SECRET: SECRET.wrongUmapiClientSecret }));
    world.ims.umapiFaults.scripted.push({ endpoint: 'GET users', times: 1, status: 500, body: 'Internal Server Error' });
    runs.push(await imsSync(['plan', '--debug'], stackEnv));
    world.ims.umapiFaults.scripted.push({ endpoint: 'POST token', times: 3, status: 503, body: 'Service Unavailable' });
    runs.push(await imsSync(['sync-user', 'jane@acme.com', '--debug'], stackEnv));

    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1, 1]);
    expect(runs[0]?.stderr).toContain('HTTP 401 (Unauthorized): credentials refused');
    expect(runs[0]?.stderr).toContain('xtk:session#Logon refused');
    expect(runs[2]?.stderr).toContain('HTTP 401 invalid_client');
    expect(runs[3]?.stderr).toContain('HTTP 500');
    expect(runs[4]?.stderr).toContain('ims POST token: HTTP 503');
    expect(runs[4]?.stderr).toContain('at '); // --debug: the stack trace, scanned too
    expectNoSecrets(runs.flatMap(cliText));
  });
});

describe('a credential pasted into a URL of the configuration', () => {
  it('is refused by check-config and plan, naming the field, never printing it', async () => {
    const pasted = await world.configVariant((config) => {
      scanConfig(config);
      config.set(['targets', 0, 'baseUrl'], `https://ims-sync-service:${SECRET.urlPassword}@author.example.com`);
    });
    const runs = [
      await imsSync(['check-config'], { ...stackEnv, SYNC_CONFIG: pasted }),
      await imsSync(['plan', '--debug'], { ...stackEnv, SYNC_CONFIG: pasted }),
    ];

    expectNoSecrets(runs.flatMap(cliText));
    expect(runs.map((r) => r.code)).toEqual([1, 1]);
    for (const ran of runs) expect(ran.stderr).toContain('targets[0].baseUrl');
  });
});

describe('what was stored', () => {
  it('no table item and no queued or parked message holds a secret', async () => {
    const items: unknown[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await world.table.dynamo.send(new ScanCommand({ TableName: world.table.tableName, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
    const messages = [...(await world.deadLetters.take()), ...(await world.work.take())];

    expect(items.length).toBeGreaterThan(0);
    expectNoSecrets([asText('DynamoDB items', items), asText('queued and parked messages', messages)]);
  });
});
