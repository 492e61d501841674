/**
 * Smoke test of the benchmark (bench/): it runs on a small org, and its numbers say what the bench
 * exists to check. Not a timed test: the bench prints numbers, docs/benchmarks.md records them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseBenchArgs } from '../../bench/reconcile.js';
import { formatReport } from '../../bench/report.js';
import { DEFAULT_BENCH_OPTIONS, runBench } from '../../bench/run.js';
import { webhookScenario } from '../../bench/scenarios/webhook.js';

const run = promisify(execFile);

describe('bench/reconcile', () => {
  it('plans, applies and re-plans a 2000-user org, and prints its table', async () => {
    const result = await runBench({ ...DEFAULT_BENCH_OPTIONS, users: 2000, workers: 4 });

    expect(result.plan.umapi.usersRead).toBeGreaterThan(1900);
    expect(result.plan.targets.map((t) => [t.targetId, t.status])).toEqual([
      ['bench-author-1', 'planned'],
      ['bench-author-2', 'planned'],
      ['bench-campaign-1', 'planned'],
    ]);
    for (const t of result.plan.targets) expect(t.adds + t.removes).toBeGreaterThan(0);
    // Nothing failed, and every AEM group change took exactly one POST (no group has 500+ changes here).
    expect(result.apply?.failedMessages).toBe(0);
    for (const t of result.apply?.targets ?? []) {
      expect(t.failed).toBe(0);
      if (t.kind === 'aem') expect(t.writesPerChangedGroup).toBe(1);
    }
    expect(result.second?.empty).toBe(true);

    const table = formatReport(result);
    expect(table).toContain('PLAN (dry-run)');
    expect(table).toContain('bench-campaign-1');
    expect(table).toContain('SECOND PLAN');
    expect(table).toContain('EMPTY (nothing to do)');
  });

  it('runs as a command and prints the plan table', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/reconcile.ts', '--users', '300', '--aem', '1', '--campaign', '1', '--plan-only'], {
      cwd: new URL('../..', import.meta.url),
      timeout: 25_000,
    });

    expect(stdout).toContain('300 users');
    expect(stdout).toMatch(/bench-author-1\s+\d+ ms \+ \d+ ms/);
    expect(stdout).not.toContain('SECOND PLAN');
  });

  it('reads its flags, and refuses a bad one', () => {
    expect(parseBenchArgs(['--users', '10000', '--page-size', '500', '--json'])).toMatchObject({
      options: { users: 10_000, pageSize: 500, seed: 1, aem: 2, campaign: 1 },
      json: true,
      apply: true,
    });
    expect(() => parseBenchArgs(['--users', 'many'])).toThrow(/--users must be a whole number/);
    expect(() => parseBenchArgs(['--aem', '0', '--campaign', '0'])).toThrow(/cannot both be 0/);
  });

  it('runs a scenario and returns its figures with their floors (webhook, a few deliveries)', async () => {
    const outcome = await webhookScenario.run({ events: 20, warmup: 5 }, () => undefined);

    expect(Object.keys(outcome.figures)).toEqual(expect.arrayContaining(['webhookEventsPerSecond', 'webhookP99Ms']));
    expect(Object.keys(outcome.figures['webhookEventsPerSecond'] as object).sort()).toEqual(['adobeIo', 'adobeIoWithSqs', 'generic', 'genericWithSqs']);
    for (const c of outcome.comparisons) {
      expect(c.value).toBeGreaterThan(0);
      expect(c.floor).toBeGreaterThan(0);
    }
  });
});
