/**
 * The packaged CloudFormation, as deployed (STYLE.md, Tests: "test the packaged CloudFormation").
 * `serverless package` (osls, offline, dummy credentials) runs once, in a throwaway copy of the
 * project so that it never races another build in the working tree. Takes about 15-25 s.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { access, cp, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZip, type ZipEntry } from './zip.js';
import { actionsImported } from './aws-actions.js';
import { applicationMetricsIn, emittedMetricNames } from './metric-names.js';

const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'coverage', '.local-state', 'test']);
const FUNCTIONS = ['webhook', 'schedule', 'worker', 'replay'] as const;
const SYNC_CONFIG = 'config/demo.yaml';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

let workDir: string;
let resources: Record<string, Resource>;
let bundles: Record<string, ZipEntry[]>;

function resource(logicalId: string): Resource {
  const found = resources[logicalId];
  if (!found) throw new Error(`template has no resource ${logicalId}`);
  return found;
}

function ofType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

const packageCommand = promisify(execFile);

/** `serverless package --stage ci` in the throwaway copy, with this SYNC_CONFIG (unset: serverless.yml's default). */
function serverlessPackage(out: string, syncConfig: string | undefined) {
  return packageCommand(process.execPath, [join(PROJECT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'ci', '--region', 'eu-west-1', '--package', out], {
    cwd: join(workDir, 'service'),
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: workDir,
      AWS_ACCESS_KEY_ID: 'AKIDUMMYPACKAGE',
      AWS_SECRET_ACCESS_KEY: 'dummy',
      AWS_REGION: 'eu-west-1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      ...(syncConfig !== undefined ? { SYNC_CONFIG: syncConfig } : {}),
    },
    timeout: 200_000,
  });
}

async function templateResources(out: string): Promise<Record<string, Resource>> {
  const template: unknown = JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8'));
  return (template as { Resources: Record<string, Resource> }).Resources;
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ims-sync-package-'));
  const service = join(workDir, 'service');
  const out = join(workDir, 'out');
  for (const entry of await readdir(PROJECT)) {
    if (!NOT_COPIED.has(entry)) await cp(join(PROJECT, entry), join(service, entry), { recursive: true });
  }
  await symlink(join(PROJECT, 'node_modules'), join(service, 'node_modules'), 'dir');
  // As on a clean clone: an operator's own config/sync.yaml is never in the repository.
  await rm(join(service, 'config/sync.yaml'), { force: true });

  await serverlessPackage(out, SYNC_CONFIG);

  resources = await templateResources(out);
  bundles = {};
  for (const name of FUNCTIONS) bundles[name] = readZip(await readFile(join(out, `${name}.zip`)));
});

afterAll(async () => {
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('packaged functions', () => {
  it('run on nodejs22.x, arm64, with their own role and the environment they need', () => {
    const functions = ofType('AWS::Lambda::Function');
    const roles = new Set<string>();

    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'] });
      expect(fn.Properties['Environment']).toMatchObject({
        Variables: {
          SYNC_CONFIG,
          QUEUE_URL: { Ref: 'WorkQueue' },
          REVOCATION_QUEUE_URL: { Ref: 'RevocationQueue' },
          DEAD_LETTER_QUEUE_URL: { Ref: 'DeadLetterQueue' },
          TABLE_NAME: { Ref: 'StateTable' },
          POWERTOOLS_SERVICE_NAME: 'ims-group-sync',
        },
      });
      roles.add(JSON.stringify(fn.Properties['Role']));
    }
    expect(roles.size).toBe(4);
    expect(resources['IamRoleLambdaExecution']).toBeUndefined();
  });

  it('keep their logs for a limited time', () => {
    const logGroups = ofType('AWS::Logs::LogGroup');

    expect(logGroups).toHaveLength(4);
    for (const [, group] of logGroups) expect(group.Properties['RetentionInDays']).toBeGreaterThan(0);
  });

  it('serve the webhook routes over an HTTP API and run the schedule every 2 hours', () => {
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties['RouteKey']);
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties['ScheduleExpression']);

    expect(routes.sort()).toEqual(['GET /webhooks/adobe-io', 'POST /webhooks/adobe-io', 'POST /webhooks/generic']);
    expect(rules).toEqual(['rate(2 hours)']);
  });

  it('bundle each function as ESM with the config file, leaving @aws-sdk to the runtime', () => {
    for (const name of FUNCTIONS) {
      const entries = bundles[name] ?? [];
      const names = entries.map((e) => e.name);
      const code = entries.find((e) => e.name === `functions/${name}.mjs`)?.read().toString('utf8') ?? '';

      expect(names).toContain(`functions/${name}.mjs`);
      expect(names).toContain(SYNC_CONFIG);
      expect(names.filter((n) => n.includes('node_modules/'))).toEqual([]);
      expect(code).not.toMatch(/node_modules\/@aws-sdk\//);
      // Minified: `from"@aws-sdk/client-sqs"`, with no space.
      expect(code).toMatch(/from\s*["']@aws-sdk\/client-sqs["']/);
    }
  });
});

describe('queues', () => {
  it('are FIFO, kept 14 days, with redrive to the FIFO dead-letter queue', () => {
    const work = resource('WorkQueue').Properties;
    const dlq = resource('DeadLetterQueue').Properties;

    expect(work).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 1209600, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } } });
    expect(dlq).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 1209600 });
    const maxReceiveCount = (work['RedrivePolicy'] as { maxReceiveCount: number }).maxReceiveCount;
    expect(maxReceiveCount).toBeGreaterThanOrEqual(5);
  });

  it('hide a received message for at least 6 times the worker timeout', () => {
    const worker = resource('WorkerLambdaFunction').Properties;

    expect(Number(resource('WorkQueue').Properties['VisibilityTimeout'])).toBeGreaterThanOrEqual(6 * Number(worker['Timeout']));
  });

  it('feed the worker from each queue, with workers of its own per queue and per-record failure reporting', () => {
    const mappings = ofType('AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties);

    expect(mappings.map((m) => (m['EventSourceArn'] as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0]).sort()).toEqual(['RevocationQueue', 'WorkQueue']);
    for (const mapping of mappings) {
      expect(mapping).toMatchObject({ FunctionName: { 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] }, FunctionResponseTypes: ['ReportBatchItemFailures'] });
      expect(Number(mapping['BatchSize'])).toBeLessThanOrEqual(10);
      // Lambda's minimum for maximumConcurrency.
      expect(Number((mapping['ScalingConfig'] as { MaximumConcurrency: number }).MaximumConcurrency)).toBeGreaterThanOrEqual(2);
    }
  });

  it('keep revocations on a queue of their own, set as the work queue is, with the same dead-letter queue', () => {
    const work = resource('WorkQueue').Properties;
    const revocations = resource('RevocationQueue').Properties;
    const { QueueName: workName, ...workRest } = work;
    const { QueueName: revocationName, ...revocationRest } = revocations;

    expect(revocationRest).toEqual(workRest);
    expect(String(revocationName)).toMatch(/-revocations\.fifo$/);
    expect(String(workName)).toMatch(/-work\.fifo$/);
  });
});

describe('state table', () => {
  it('is on-demand, with TTL on expiresAt, point-in-time recovery and the gsi1 index', () => {
    const table = resource('StateTable').Properties;

    expect(table).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
    });
    expect(table['GlobalSecondaryIndexes']).toMatchObject([{ IndexName: 'gsi1', KeySchema: [{ AttributeName: 'gsi1pk' }, { AttributeName: 'gsi1sk' }] }]);
  });
});

describe('IAM', () => {
  function statements(roleId: string): { Action: unknown; Resource: unknown }[] {
    const policies = resource(roleId).Properties['Policies'] as { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } }[];
    return policies.flatMap((p) => p.PolicyDocument.Statement);
  }
  const roleIds = () => ofType('AWS::IAM::Role').map(([id]) => id);

  it('allows no wildcard action and no unnamed resource, and attaches no managed policy', () => {
    expect(roleIds().length).toBeGreaterThanOrEqual(4);
    for (const roleId of roleIds()) {
      expect(resource(roleId).Properties['ManagedPolicyArns']).toBeUndefined();
      for (const statement of statements(roleId)) {
        for (const action of asArray(statement.Action)) expect(String(action)).not.toContain('*');
        for (const target of asArray(statement.Resource)) expect(target).not.toBe('*');
      }
    }
  });

  it('gives each function only what it does: the webhook no table, replay only the two queues', () => {
    const actionsOf = (roleId: string) => statements(roleId).flatMap((s) => asArray(s.Action).map(String));

    expect(actionsOf('WebhookRole').filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(actionsOf('ReplayRole')).not.toContain('secretsmanager:GetSecretValue');
    expect(actionsOf('ReplayRole').filter((a) => !a.startsWith('sqs:') && !a.startsWith('logs:'))).toEqual([]);
    expect(actionsOf('WorkerRole')).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility', 'dynamodb:PutItem']));
  });

  it('lets each function make every AWS call its bundle can send (an action missing is AccessDenied in AWS, never seen locally)', () => {
    // Imported with the shared queue module and never sent by these functions: they only enqueue;
    // postponing a received message (`changeVisibility`, ChangeMessageVisibility) is the worker's.
    const importedNotSent: Record<string, readonly string[]> = { webhook: ['sqs:ChangeMessageVisibility'], schedule: ['sqs:ChangeMessageVisibility'] };
    const actionsOf = (roleId: string) => new Set(statements(roleId).flatMap((s) => asArray(s.Action).map(String)));
    for (const name of FUNCTIONS) {
      const code = bundles[name]?.find((e) => e.name === `functions/${name}.mjs`)?.read().toString('utf8') ?? '';
      const role = resource(`${name[0]?.toUpperCase() ?? ''}${name.slice(1)}LambdaFunction`).Properties['Role'] as { 'Fn::GetAtt': [string, string] };
      const allowed = actionsOf(role['Fn::GetAtt'][0]);
      const needed = actionsImported(code);
      const exceptions = importedNotSent[name] ?? [];

      expect(needed.size, name).toBeGreaterThan(0);
      expect({ function: name, missing: [...needed].filter((a) => !allowed.has(a) && !exceptions.includes(a)) }).toEqual({ function: name, missing: [] });
      // An exception no longer imported is stale: remove it.
      for (const action of exceptions) expect(needed.has(action), `${name} still imports ${action}`).toBe(true);
    }
    // The check sees what the worker reads in batches (versions after a write, a redelivery's claims).
    expect(actionsImported(bundles['worker']?.find((e) => e.name === 'functions/worker.mjs')?.read().toString('utf8') ?? '')).toContain('dynamodb:BatchGetItem');
  });

  it('lets the worker park work in the dead-letter queue, and send nowhere else but its own two queues', () => {
    const sends = statements('WorkerRole').filter((s) => asArray(s.Action).map(String).includes('sqs:SendMessage'));
    expect(sends.flatMap((s) => asArray(s.Resource))).toEqual(
      expect.arrayContaining([{ 'Fn::GetAtt': ['WorkQueue', 'Arn'] }, { 'Fn::GetAtt': ['RevocationQueue', 'Arn'] }, { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] }]),
    );
    expect(sends.flatMap((s) => asArray(s.Resource))).toHaveLength(3);
  });

  it('lets the webhook and replay send to both work queues (a revocation goes to its own)', () => {
    for (const role of ['WebhookRole', 'ReplayRole']) {
      const sends = statements(role).filter((s) => asArray(s.Action).map(String).includes('sqs:SendMessage'));
      expect(sends.flatMap((s) => asArray(s.Resource)), role).toEqual(expect.arrayContaining([{ 'Fn::GetAtt': ['WorkQueue', 'Arn'] }, { 'Fn::GetAtt': ['RevocationQueue', 'Arn'] }]));
    }
  });
});

describe('alarms', () => {
  it('watch the dead-letter queue, the age of the oldest work and guard trips, and notify a topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const byMetric = (name: string) => alarms.find((a) => a['MetricName'] === name || JSON.stringify(a['Metrics'] ?? '').includes(name));

    expect(byMetric('ApproximateNumberOfMessagesVisible')).toMatchObject({ Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }] });
    const ageOf = (queue: string) => alarms.find((a) => a['MetricName'] === 'ApproximateAgeOfOldestMessage' && JSON.stringify(a['Dimensions']).includes(`"${queue}"`));
    expect(ageOf('WorkQueue')).toBeDefined();
    // A removal waiting minutes is access someone should no longer have: its alarm is much tighter.
    expect(Number(ageOf('RevocationQueue')?.['Threshold'])).toBeLessThan(Number(ageOf('WorkQueue')?.['Threshold']));
    expect(byMetric('GuardTrips')).toBeDefined();
    for (const alarm of alarms) expect(alarm['AlarmActions']).toEqual([{ Ref: 'AlarmTopic' }]);
  });
});

describe('the configuration SYNC_CONFIG names', () => {
  /** The command's failure, or a failure of the test if it packaged. */
  async function refusal(out: string, syncConfig: string | undefined): Promise<string> {
    const error: unknown = await serverlessPackage(out, syncConfig).then(
      () => new Error('serverless package succeeded'),
      (failure: unknown) => failure,
    );
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    expect(stderr + stdout, 'serverless package should have refused').not.toBe('');
    return `${stdout}\n${stderr}`;
  }
  const exists = (path: string) => access(path).then(() => true, () => false);

  it('refuses to package, building nothing, when the file is missing (serverless.yml’s default config/sync.yaml on a clean clone)', async () => {
    const out = join(workDir, 'out-missing');
    const output = await refusal(out, undefined);

    expect(output).toContain('nothing was packaged: SYNC_CONFIG names config/sync.yaml, which does not exist');
    expect(output).toContain('cp config/demo.yaml config/sync.yaml');
    expect(output).toContain('SYNC_CONFIG=ssm:');
    expect(await exists(out)).toBe(false);
  });

  it('refuses an invalid file with the problems check-config reports', async () => {
    await writeFile(join(workDir, 'service', 'config', 'broken.yaml'), 'org:\n  id: not-an-org\n');
    const out = join(workDir, 'out-invalid');
    const output = await refusal(out, 'config/broken.yaml');

    expect(output).toContain('SYNC_CONFIG names config/broken.yaml, which is invalid');
    expect(output).toMatch(/- org\.id: must look like "A495E53A5C1B1FFC0A495E53@AdobeOrg"/);
    expect(output).toMatch(/- targets: required/);
    expect(await exists(out)).toBe(false);
  });

  it('needs no file for an ssm: parameter: the functions read it at cold start, and no YAML is packaged', async () => {
    const out = join(workDir, 'out-ssm');
    await serverlessPackage(out, 'ssm:/ims-group-sync/ci/config');
    const functions = Object.values(await templateResources(out)).filter((r) => r.Type === 'AWS::Lambda::Function');
    const worker = readZip(await readFile(join(out, 'worker.zip'))).map((e) => e.name);

    expect(functions).toHaveLength(4);
    for (const fn of functions) expect(fn.Properties['Environment']).toMatchObject({ Variables: { SYNC_CONFIG: 'ssm:/ims-group-sync/ci/config' } });
    expect(worker).toContain('functions/worker.mjs');
    expect(worker.filter((name) => name.endsWith('.yaml'))).toEqual([]);
  });
});

describe('numbers the docs quote', () => {
  const docs = () => readFile(join(PROJECT, 'docs/deployment.md'), 'utf8');
  /** The one number `pattern` captures in `text`: a phrase that is gone fails the test, it never passes silently. */
  function quoted(text: string, pattern: RegExp): number[] {
    const found = [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => Number(m[1]));
    expect(found, `docs should say ${pattern}`).not.toEqual([]);
    return found;
  }

  it('docs/deployment.md states the queue and worker settings the template defines', async () => {
    const text = await docs();
    const work = resource('WorkQueue').Properties;
    const worker = resource('WorkerLambdaFunction').Properties;
    const mapping = ofType('AWS::Lambda::EventSourceMapping')[0]?.[1].Properties ?? {};
    const maxReceiveCount = (work['RedrivePolicy'] as { maxReceiveCount: number }).maxReceiveCount;

    for (const n of quoted(text, /after (\d+) receives/)) expect(n).toBe(maxReceiveCount);
    for (const n of quoted(text, /maxReceiveCount (\d+)/)) expect(n).toBe(maxReceiveCount);
    for (const n of quoted(text, /(\d+) receives ride out/)) expect(n).toBe(maxReceiveCount);
    for (const n of quoted(text, /[Vv]isibility (\d+) s/)) expect(n).toBe(work['VisibilityTimeout']);
    for (const n of quoted(text, /hides a received message for (\d+) s/)) expect(n).toBe(work['VisibilityTimeout']);
    for (const n of quoted(text, /the worker's (\d+) s timeout/)) expect(n).toBe(worker['Timeout']);
    for (const n of quoted(text, /(\d+) days retention/)) expect(n * 86_400).toBe(work['MessageRetentionPeriod']);
    for (const n of quoted(text, /batch (\d+)/)) expect(n).toBe(mapping['BatchSize']);
  });

  it('docs/deployment.md states the schedule, the worker concurrency and the log retention the template defines', async () => {
    const text = await docs();
    const rules = ofType('AWS::Events::Rule').map(([, r]) => r.Properties['ScheduleExpression']);
    const mapping = ofType('AWS::Lambda::EventSourceMapping')[0]?.[1].Properties ?? {};
    const retention = ofType('AWS::Logs::LogGroup').map(([, g]) => g.Properties['RetentionInDays']);

    for (const n of quoted(text, /`rate\((\d+) hours\)`/)) expect(rules).toEqual([`rate(${n} hours)`]);
    for (const n of quoted(text, /`workerConcurrency` \| `(\d+)`/)) expect(mapping['ScalingConfig']).toEqual({ MaximumConcurrency: n });
    for (const n of quoted(text, /`logRetentionInDays` \| `(\d+)`/)) expect(new Set(retention)).toEqual(new Set([n]));
  });
});

describe('dashboard and drift alarms', () => {
  const emitted = emittedMetricNames(PROJECT);

  it('finds the metric names the code emits (the check below is only as good as this list)', () => {
    expect([...emitted]).toEqual(expect.arrayContaining(['EventsAccepted', 'EventsRejected', 'ChangesApplied', 'GuardTrips', 'ThrottleWaits', 'DriftFindings', 'RevocationLatencyMs']));
  });

  it('has one dashboard named for the stage, showing only metrics the code emits, and every part the issue asks for', () => {
    const dashboards = ofType('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const dashboard = resource(dashboards[0]?.[0] ?? 'Dashboard');
    expect(dashboard.Properties['DashboardName']).toBe('ims-group-sync-ci');
    // The body is an Fn::Join of JSON text and references (region, queue names): join it with stand-ins.
    const joined = dashboard.Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] };
    const body = joined['Fn::Join'][1].map((part) => (typeof part === 'string' ? part : 'REF')).join('');
    const parsed = JSON.parse(body) as { widgets: { properties: { title: string } }[] };
    const used = applicationMetricsIn(body, 'ImsGroupSync');
    for (const name of used) expect(emitted, `dashboard metric ${name}`).toContain(name);
    expect([...used].sort()).toEqual(['ChangesApplied', 'DriftFindings', 'EventsAccepted', 'EventsRejected', 'GuardTrips', 'RevocationLatencyMs', 'ThrottleWaits']);
    // Percentiles of the all-targets series the worker emits (service = the worker's Powertools service name).
    expect(readFileSync(join(PROJECT, 'functions', 'worker.ts'), 'utf8')).toContain("createPowertools('ims-group-sync-worker')");
    expect(body).toContain('"RevocationLatencyMs","service","ims-group-sync-worker",{"stat":"p50"');
    expect(body).toContain('"RevocationLatencyMs","service","ims-group-sync-worker",{"stat":"p99"');
    expect(body).toContain('ApproximateNumberOfMessagesVisible');
    expect(body).toContain('ApproximateAgeOfOldestMessage');
    expect(parsed.widgets.map((w) => w.properties.title)).toHaveLength(7);
  });

  it('alarms on direct-member and orphan findings above a configurable threshold (0), on emitted metrics only', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    for (const kind of ['direct-member', 'orphan']) {
      const alarm = alarms.find((a) => JSON.stringify(a['Metrics'] ?? '').includes(`kind = '${kind}'`));
      expect(alarm, kind).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: [{ Ref: 'AlarmTopic' }] });
      expect(JSON.stringify(alarm?.['Metrics'])).toContain('DriftFindings');
    }
    for (const alarm of alarms) {
      for (const name of applicationMetricsIn(JSON.stringify(alarm['Metrics'] ?? ''), 'ImsGroupSync')) expect(emitted, `alarm metric ${name}`).toContain(name);
    }
  });
});
