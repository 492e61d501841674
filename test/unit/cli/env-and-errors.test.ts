import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveEnv } from '../../../lib/cli/env.js';
import { ConfigError, TargetUnavailableError } from '../../../lib/errors.js';
import { cli, cliWorld } from './harness.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ims-sync-cli-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeStackEnv(text: string): Promise<void> {
  await mkdir(join(dir, '.local-state'));
  await writeFile(join(dir, '.local-state', 'stack.env'), text);
}

describe('where the CLI connects', () => {
  it('uses the local stack’s .local-state/stack.env by default, over the environment', async () => {
    await writeStackEnv('# written by npm start\nTABLE_NAME=ims-group-sync-local\nQUEUE_URL="http://127.0.0.1:9324/q"\n');
    const resolved = resolveEnv({ TABLE_NAME: 'other', HOME: '/home/x' }, {}, dir);
    expect(resolved.env).toMatchObject({ TABLE_NAME: 'ims-group-sync-local', QUEUE_URL: 'http://127.0.0.1:9324/q', HOME: '/home/x' });
    expect(resolved.source).toBe('the local stack (.local-state/stack.env)');
  });

  it('reads --env-file instead, relative to the working directory, and --config overrides SYNC_CONFIG', async () => {
    await writeFile(join(dir, 'prod.env'), 'SYNC_CONFIG=config/prod.yaml\nTABLE_NAME=t\n');
    const resolved = resolveEnv({}, { envFile: 'prod.env', config: 'config/other.yaml' }, dir);
    expect(resolved.env).toEqual({ SYNC_CONFIG: 'config/other.yaml', TABLE_NAME: 't' });
  });

  it('with --stage ignores the local stack file and checks that the table is the stage’s', async () => {
    await writeStackEnv('TABLE_NAME=ims-group-sync-local\n');
    expect(resolveEnv({ TABLE_NAME: 'ims-group-sync-prod' }, { stage: 'prod' }, dir).env['TABLE_NAME']).toBe('ims-group-sync-prod');
    expect(() => resolveEnv({ TABLE_NAME: 'ims-group-sync-dev' }, { stage: 'prod' }, dir)).toThrow(
      '--stage prod: TABLE_NAME is "ims-group-sync-dev", not "ims-group-sync-prod" — export the variables of stage prod',
    );
  });

  it('with --stage refuses queues of another stage even when the table is right', async () => {
    const prod = { TABLE_NAME: 'ims-group-sync-prod', DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/ims-group-sync-prod-dead-letters.fifo' };
    expect(() => resolveEnv({ ...prod, QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/ims-group-sync-staging-work.fifo' }, { stage: 'prod' }, dir)).toThrow(
      /--stage prod: QUEUE_URL is ".*staging-work\.fifo", not a URL ending in \/ims-group-sync-prod-work\.fifo/,
    );
    expect(resolveEnv({ ...prod, QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/ims-group-sync-prod-work.fifo' }, { stage: 'prod' }, dir).env['QUEUE_URL']).toMatch(/prod-work\.fifo$/);
  });

  it('lets an exported SYNC_CONFIG win over the local stack file only when asked (check-config)', async () => {
    await writeStackEnv('SYNC_CONFIG=/stack/demo.yaml\nTABLE_NAME=ims-group-sync-local\n');
    expect(resolveEnv({ SYNC_CONFIG: 'mine.yaml' }, {}, dir).env['SYNC_CONFIG']).toBe('/stack/demo.yaml');
    expect(resolveEnv({ SYNC_CONFIG: 'mine.yaml' }, {}, dir, { preferExportedConfig: true }).env['SYNC_CONFIG']).toBe('mine.yaml');
  });

  it('says how to get connected when nothing says where to (the real AWS factory, no call made)', async () => {
    const { code, stderr } = await cli(['status'], undefined, { cwd: dir, env: {} });
    expect(code).toBe(1);
    expect(stderr).toBe(
      'ims-sync status failed: not connected: SYNC_CONFIG, TABLE_NAME, QUEUE_URL are not set and there is no .local-state/stack.env here — start the local stack with `npm start`, pass --env-file <path>, or export the variables of a deployed stage (docs/cli.md)\n',
    );
  });

  it('names --config, or SYNC_CONFIG and its source, when the configuration file does not exist; nothing connects', async () => {
    const world = cliWorld();
    const flag = await cli(['plan', '--config', 'config/sync.yml'], world, { cwd: dir });
    await writeStackEnv('SYNC_CONFIG=config/gone.yaml\n');
    const fromFile = await cli(['plan'], world, { cwd: dir });

    expect(flag).toMatchObject({ code: 1, stderr: 'ims-sync plan failed: the configuration file config/sync.yml does not exist — check the path given in --config\n' });
    expect(fromFile.stderr).toBe('ims-sync plan failed: the configuration file config/gone.yaml does not exist — check the path given in SYNC_CONFIG (from the local stack (.local-state/stack.env))\n');
    expect(world.seenEnv).toEqual([]);
  });

  it('refuses a stack.env whose stack is no longer running (by its pid), before any call', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await writeStackEnv(`TABLE_NAME=ims-group-sync-local\nIMS_SYNC_LOCAL_STACK_PID=${dead}\n`);
    const world = cliWorld();
    const stale = await cli(['status'], world, { cwd: dir });

    expect(stale).toMatchObject({ code: 1, stdout: '' });
    expect(stale.stderr).toBe(
      `ims-sync status failed: .local-state/stack.env was written by a local stack (pid ${dead}) that is no longer running — start it again with \`npm start\`, or remove the stale file (\`npm run stop\` does)\n`,
    );
    expect(world.seenEnv).toEqual([]);
  });

  it('uses a stack.env whose stack runs', async () => {
    await writeStackEnv(`TABLE_NAME=ims-group-sync-local\nIMS_SYNC_LOCAL_STACK_PID=${process.pid}\n`);
    const world = cliWorld();
    expect((await cli(['status'], world, { cwd: dir })).code).toBe(0);
    expect(world.seenEnv).toHaveLength(1);
  });

  it('blames DynamoDB at its endpoint, not UMAPI, when the store does not answer (the real AWS factory)', async () => {
    const before = { ...process.env };
    const closedPort = 'http://127.0.0.1:9';
    try {
      const { code, stdout, stderr } = await cli(['plan'], undefined, {
        cwd: dir,
        env: {
          SYNC_CONFIG: fileURLToPath(new URL('../../../config/demo.yaml', import.meta.url)),
          TABLE_NAME: 'ims-group-sync-local',
          QUEUE_URL: 'http://127.0.0.1:9/123456789012/ims-group-sync-local-work.fifo',
          AWS_ENDPOINT_URL_DYNAMODB: closedPort,
          AWS_ENDPOINT_URL_SQS: closedPort,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_MAX_ATTEMPTS: '1',
        },
      });
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `ims-sync plan failed: DynamoDB at ${closedPort} is not reachable (ECONNREFUSED) — start the local stack (\`npm start\`), or check the env file or the exported AWS variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, credentials)\n`,
      );
      expect(stderr).not.toMatch(/UMAPI/);
    } finally {
      // The real factory exports the AWS_* variables for the SDK: put the test process's back.
      for (const name of Object.keys(process.env)) if (!(name in before)) delete process.env[name];
      Object.assign(process.env, before);
    }
  });

  it('fails with one line when the --env-file is missing', async () => {
    const { code, stderr } = await cli(['plan', '--env-file', 'nope.env'], cliWorld(), { cwd: dir });
    expect(code).toBe(1);
    expect(stderr).toMatch(/^ims-sync plan failed: cannot read the env file nope\.env \(ENOENT\) — start the local stack with `npm start`/);
  });

  it('hands the resolved variables to the runtime factory, and tells a terminal where it connects', async () => {
    await writeStackEnv('TABLE_NAME=ims-group-sync-local\n');
    await mkdir(join(dir, 'config'));
    await writeFile(join(dir, 'config', 'demo.yaml'), '# the factory is a fake: only the path matters\n');
    const world = cliWorld();
    const { stderr } = await cli(['status', '--config', 'config/demo.yaml'], world, { cwd: dir, isTTY: true });
    expect(world.seenEnv).toEqual([{ TABLE_NAME: 'ims-group-sync-local', SYNC_CONFIG: 'config/demo.yaml' }]);
    expect(stderr).toMatch(/^ims-sync: using the local stack \(\.local-state\/stack\.env\)\n/);
    expect(world.closedCount()).toBe(1);
  });
});

describe('errors', () => {
  function failingWorld(error: Error) {
    const world = cliWorld();
    return { ...world, factory: async () => Promise.reject(error) };
  }

  it('prints every issue of an invalid configuration', async () => {
    const error = new ConfigError(['targets[0].baseUrl: expected a URL', 'org.clientSecret: not set']);
    const { code, stderr } = await cli(['plan'], failingWorld(error));
    expect(code).toBe(1);
    expect(stderr).toBe('ims-sync plan: the configuration is invalid — fix these and run again:\n  - targets[0].baseUrl: expected a URL\n  - org.clientSecret: not set\n');
  });

  it('prints one line with what to do, and the stack only with --debug', async () => {
    const error = new TargetUnavailableError('dynamodb', 'DynamoDB Query failed: ECONNREFUSED');
    const plain = await cli(['audit', 'jane@acme.com'], failingWorld(error));
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(
      'ims-sync audit failed: DynamoDB Query failed: ECONNREFUSED — is the local stack running (`npm start`), or are the exported AWS variables those of a live stage?\n',
    );
    const debug = await cli(['audit', 'jane@acme.com', '--debug'], failingWorld(error));
    expect(debug.stderr).toMatch(/^ims-sync audit failed: .*\nTargetUnavailableError: DynamoDB Query failed: ECONNREFUSED\n +at /);
  });

  it('an unexpected error suggests --debug', async () => {
    const { stderr } = await cli(['status'], failingWorld(new Error('boom')));
    expect(stderr).toBe('ims-sync status failed: boom — run again with --debug for details\n');
  });

  it('with --debug, the use cases’ logs go to stderr', async () => {
    const world = cliWorld();
    world.target('acme-campaign').down = true;
    const { stderr } = await cli(['plan', '--debug', '--target', 'acme-campaign'], world);
    expect(stderr).toMatch(/\[error\] reconciliation of a target failed; nothing applied there \{"runId":"cli-\d+","targetId":"acme-campaign"/);
  });
});
