/**
 * What every command's `--json` shares: times in ISO 8601 (never epoch milliseconds) and one status
 * vocabulary (`planned` / `nothing-to-do`, never `nothing-to-change`, never `applied` with 0 applied).
 */
import { describe, expect, it } from 'vitest';
import { cli, cliWorld, strictGuardConfig } from './harness.js';

/** Every number in a JSON value, with its path. */
function numbers(value: unknown, path = '$'): [string, number][] {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => numbers(v, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => numbers(v, `${path}.${k}`));
  return [];
}

/** Every `status` value in a JSON value. */
function statuses(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(statuses);
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => (k === 'status' && typeof v === 'string' ? [v, ...statuses(v)] : statuses(v)));
  }
  return [];
}

/** 2001-09-09 in epoch ms: anything this large in the output is a time that was not written as ISO 8601. */
const EPOCH_MS = 1e12;

describe('--json across commands', () => {
  it('writes every time as ISO 8601 and speaks one status vocabulary', async () => {
    const world = cliWorld({ config: strictGuardConfig() });
    const outputs: Record<string, unknown> = {};
    const run = async (argv: string[]) => {
      const { stdout } = await cli([...argv, '--json'], world);
      outputs[argv.join(' ')] = JSON.parse(stdout);
    };
    await run(['plan']);
    await run(['reconcile', '--apply', '--target', 'acme-campaign']);
    await run(['sync-user', 'li@acme.com']);
    await run(['sync-user', 'li@acme.com']);
    await run(['status']);
    await run(['audit', 'li@acme.com']);
    await run(['audit', 'AEM-Authors']);
    await run(['replay']);

    for (const [command, output] of Object.entries(outputs)) {
      expect(numbers(output).filter(([, n]) => n >= EPOCH_MS), command).toEqual([]);
      expect(JSON.stringify(output), command).not.toContain('nothing-to-change');
    }
    const status = outputs['status'] as { runs: { startedAt: string }[]; deferred: { oldest: string }[] };
    expect(status.runs[0]?.startedAt).toBe(new Date(world.clock.now()).toISOString());
    expect(statuses(outputs['plan'])).toEqual(expect.arrayContaining(['complete', 'planned']));
    // The second sync-user has nothing left to do: its result says so rather than "applied".
    const second = outputs['sync-user li@acme.com'] as { result: { targets: { status: string; applied: number }[] } };
    expect(second.result.targets.map((t) => [t.status, t.applied])).toEqual([['nothing-to-do', 0], ['nothing-to-do', 0], ['nothing-to-do', 0]]);
  });
});
