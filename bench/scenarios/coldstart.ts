/**
 * `coldstart`: what a cold start costs each function. `serverless package` (osls, offline, in a
 * throwaway copy of the project, as test/package does), then per function: the zip's size (the AWS
 * SDK is not in it: the runtime provides it) and the bundle's module init time — a fresh Node
 * process that first loads the AWS SDK clients (as the Lambda runtime has them), then times
 * `import()` of the bundle, whose top level reads the configuration and builds the handler. The
 * environment is the function's own from the packaged template (NODE_OPTIONS included); min of runs.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readZip } from '../../test/package/zip.js';
import { num, round, type Comparison, type Scenario } from './types.js';

const run = promisify(execFile);
const PROJECT = fileURLToPath(new URL('../..', import.meta.url));
const NOT_COPIED = new Set(['node_modules', '.git', '.serverless', '.esbuild', 'coverage', '.local-state', 'test', 'bench']);
export const FUNCTIONS = ['webhook', 'worker', 'schedule', 'replay'] as const;
const SYNC_CONFIG = 'config/demo.yaml';
/** The targets (issue 8). */
const ZIP_TARGET_BYTES = 300 * 1024;
const INIT_TARGET_MS = 100;

/** The clients the nodejs22.x runtime provides, loaded before the bundle as a warm runtime would have them. */
const SDK_MODULES = ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/client-sqs', '@aws-sdk/client-ssm', '@aws-sdk/client-secrets-manager'];

const INIT_PROBE = `
for (const name of ${JSON.stringify(SDK_MODULES)}) await import(name);
const bundle = new URL(process.argv[2], 'file://' + process.cwd() + '/').href;
const started = performance.now();
const module = await import(bundle);
const initMs = performance.now() - started;
if (typeof module.handler !== 'function') throw new Error('the bundle exports no handler');
process.stdout.write(JSON.stringify({ initMs }));
`;

interface Packaged {
  readonly out: string;
  readonly environment: Record<string, Record<string, string>>;
}

async function packageProject(workDir: string): Promise<Packaged> {
  const service = join(workDir, 'service');
  const out = join(workDir, 'out');
  for (const entry of await readdir(PROJECT)) if (!NOT_COPIED.has(entry)) await cp(join(PROJECT, entry), join(service, entry), { recursive: true });
  await symlink(join(PROJECT, 'node_modules'), join(service, 'node_modules'), 'dir');
  await run(process.execPath, [join(PROJECT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', 'bench', '--region', 'eu-west-1', '--package', out], {
    cwd: service,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: workDir,
      AWS_ACCESS_KEY_ID: 'AKIDUMMYPACKAGE',
      AWS_SECRET_ACCESS_KEY: 'dummy',
      AWS_REGION: 'eu-west-1',
      SLS_TELEMETRY_DISABLED: '1',
      SLS_NOTIFICATIONS_MODE: 'off',
      SYNC_CONFIG,
      ...(process.env['BUNDLE_SOURCEMAP'] !== undefined ? { BUNDLE_SOURCEMAP: process.env['BUNDLE_SOURCEMAP'] } : {}),
    },
    timeout: 300_000,
  });
  const template = JSON.parse(await readFile(join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: { FunctionName?: unknown; Environment?: { Variables?: Record<string, unknown> } } }>;
  };
  const environment: Record<string, Record<string, string>> = {};
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = String(resource.Properties.FunctionName ?? '').split('-').pop() ?? '';
    // References (queue URLs, the table name) become placeholders: init only reads them.
    environment[name] = Object.fromEntries(
      Object.entries(resource.Properties.Environment?.Variables ?? {}).map(([k, v]) => [k, typeof v === 'string' ? v : `bench-${k.toLowerCase()}`]),
    );
  }
  return { out, environment };
}

async function unpack(zipPath: string, into: string): Promise<void> {
  for (const entry of readZip(await readFile(zipPath))) {
    if (entry.name.endsWith('/')) continue;
    const path = join(into, entry.name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, entry.read());
  }
}

async function initMs(dir: string, fn: string, env: Record<string, string>): Promise<number> {
  const { stdout } = await run(process.execPath, ['probe.mjs', `functions/${fn}.mjs`], {
    cwd: dir,
    env: {
      PATH: process.env['PATH'] ?? '',
      ...env,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDUMMYINIT',
      AWS_SECRET_ACCESS_KEY: 'dummy',
      DEMO_IMS_CLIENT_SECRET: 'bench',
      DEMO_WEBHOOK_SECRET: 'bench-webhook-secret-0123456789abcdef',
      DEMO_AEM_PASSWORD: 'bench',
      DEMO_CAMPAIGN_PASSWORD: 'bench',
    },
    timeout: 60_000,
  });
  return (JSON.parse(stdout) as { initMs: number }).initMs;
}

export const coldstartScenario: Scenario = {
  name: 'coldstart',
  summary: 'zip size of each function after `serverless package`, and the bundle init time (min of runs)',
  flags: { runs: { default: 7, min: 1, max: 50, help: 'init measurements per function (the minimum is kept)' } },
  async run(flags, log) {
    const runs = num(flags, 'runs');
    const workDir = await mkdtemp(join(tmpdir(), 'ims-sync-coldstart-'));
    try {
      log('serverless package (osls, offline)...');
      const packaged = await packageProject(workDir);
      const bundleBytes: Record<string, number> = {};
      const init: Record<string, number> = {};
      const bundleJsBytes: Record<string, number> = {};
      for (const fn of FUNCTIONS) {
        const zip = join(packaged.out, `${fn}.zip`);
        bundleBytes[fn] = (await stat(zip)).size;
        const dir = join(workDir, 'unpacked', fn);
        await unpack(zip, dir);
        bundleJsBytes[fn] = (await stat(join(dir, 'functions', `${fn}.mjs`))).size;
        await writeFile(join(dir, 'probe.mjs'), INIT_PROBE);
        // The runtime's SDK: resolved from the project's node_modules, as /var/runtime/node_modules would be.
        await symlink(join(PROJECT, 'node_modules'), join(dir, 'node_modules'), 'dir');
        const times: number[] = [];
        for (let i = 0; i < runs; i += 1) times.push(await initMs(dir, fn, packaged.environment[fn] ?? {}));
        init[fn] = round(Math.min(...times), 1);
        log(`${fn}: zip ${bundleBytes[fn]} B, bundle ${bundleJsBytes[fn]} B, init min ${init[fn]} ms of ${times.map((t) => round(t, 0)).join(', ')}`);
      }
      const comparisons: Comparison[] = FUNCTIONS.flatMap((fn): Comparison[] => [
        { label: `${fn}: zip`, value: (bundleBytes[fn] ?? 0) / 1024, floor: ZIP_TARGET_BYTES / 1024, unit: 'KB', floorIs: 'target ≤ 300 KB' },
        { label: `${fn}: init`, value: init[fn] ?? 0, floor: INIT_TARGET_MS, unit: 'ms', floorIs: 'target ≤ 100 ms' },
      ]);
      const over = FUNCTIONS.filter((fn) => (bundleBytes[fn] ?? 0) > ZIP_TARGET_BYTES || (init[fn] ?? 0) > INIT_TARGET_MS);
      return {
        figures: { bundleBytes, initMs: init, bundleJsBytes },
        comparisons,
        notes: [
          `init = import() of functions/<fn>.mjs in a fresh node ${process.version} process after loading ${SDK_MODULES.join(', ')}; environment from the packaged template (NODE_OPTIONS="${packaged.environment['worker']?.['NODE_OPTIONS'] ?? ''}")`,
          over.length === 0 ? 'every function is within the targets (zip ≤ 300 KB, init ≤ 100 ms)' : `above a target: ${over.join(', ')}`,
        ],
      };
    } finally {
      await rm(workDir, { recursive: true, force: true });
    }
  },
};
