import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../../lib/cli/main.js';
import { cli, cliWorld } from './harness.js';

const docs = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('ims-sync help, version and usage errors', () => {
  it('prints the tool help with every command and the exit codes', async () => {
    const { code, stdout } = await cli(['--help'], undefined);
    expect(code).toBe(0);
    for (const command of COMMANDS) expect(stdout).toContain(command.summary);
    expect(stdout).toMatch(/Exit codes[\s\S]*0 {3}success[\s\S]*2 {3}changes applied or queued[\s\S]*3 {3}removals held[\s\S]*1 {3}failed[\s\S]*64 {2}usage error/);
  });

  it('keeps docs/cli.md in step with the exact help output of the tool and of each command', async () => {
    expect(docs).toContain((await cli(['--help'], undefined)).stdout);
    for (const command of COMMANDS) expect(docs).toContain((await cli([command.name, '--help'], undefined)).stdout);
  });

  it('keeps the README in step with the exact help output of the tool', async () => {
    expect(readme).toContain((await cli(['--help'], undefined)).stdout.trimEnd());
  });

  it('gives each command its own help, also as `help <command>`', async () => {
    for (const command of COMMANDS) {
      const ran = await cli([command.name, '--help'], undefined);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toMatch(new RegExp(`^Usage: ims-sync ${command.name}`));
      expect((await cli(['help', command.name], undefined)).stdout).toBe(ran.stdout);
    }
  });

  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(await cli(['--version'], undefined)).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('shows the help on stderr and exits 64 without a command', async () => {
    const { code, stdout, stderr } = await cli([], undefined);
    expect(code).toBe(64);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: ims-sync <command>');
  });

  it.each([
    [['deploy'], /unknown command "deploy"/],
    [['help', 'deploy'], /unknown command "deploy"/],
    [['plan', '--bogus'], /plan: Unknown option '--bogus'\.\nSee `ims-sync plan --help`/],
    [['plan', 'extra'], /unexpected argument "extra"/],
    [['sync-user'], /missing <email>/],
    [['sync-user', 'not-an-email'], /"not-an-email" is not an email address/],
    [['approve'], /missing <run>/],
    [['audit', 'x', '--since', 'yesterday'], /--since "yesterday" is not an ISO-8601 time/],
    [['replay', '--kind', 'delete'], /--kind "delete" must be one of delta, hint, reconcile/],
    [['replay', '--max', '0'], /--max "0" must be a whole number from 1 to 10000/],
    [['plan', '--target'], /argument missing/],
    [['plan', '--target', 'acme-prod-autor'], /no target "acme-prod-autor" in the configuration — did you mean "acme-prod-author"\?/],
  ])('rejects %j with exit 64 and one clear line', async (argv, message) => {
    const world = cliWorld();
    const { code, stderr, stdout } = await cli(argv, world);
    expect(code).toBe(64);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});
