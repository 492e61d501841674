import { describe, expect, it } from 'vitest';
import { countRuns, RUN_RECORDS_READ } from '../../../lib/cli/status.js';
import { summaryLine, summaryTable, type StackStats } from '../../../local/summary.js';
import { cli, cliWorld } from '../cli/harness.js';

const stats: StackStats = {
  eventsIn: 3,
  rejected: 0,
  applied: { 'acme-prod-author': 2 },
  failed: {},
  deferred: {},
  throttled: 0,
  // The metric counts only the runs of this process's schedule: the summary does not show it.
  reconcileRuns: 7,
  batches: 1,
};

describe('the local stack’s live summary', () => {
  it('counts reconciliation runs as `ims-sync status` does: runs recorded, not rows, whoever started them', async () => {
    const world = cliWorld();
    await cli(['reconcile', '--apply'], world);
    await cli(['reconcile', '--apply', '--target', 'acme-campaign'], world);
    const runs = countRuns(await world.stores.runs.list(RUN_RECORDS_READ));

    const status = await cli(['status'], world);
    const json = JSON.parse((await cli(['status', '--json'], world)).stdout) as { runCount: number; runs: unknown[] };

    expect(runs).toBe(2);
    expect(json.runs).toHaveLength(4);
    expect(json.runCount).toBe(2);
    expect(status.stdout).toContain('Last reconciliation runs (newest first; 2 runs recorded, one row per target):');
    expect(summaryLine(stats, { dlqDepth: 0, runs })).toBe('events in 3 · applied acme-prod-author 2 · deferred 0 · throttled 0 · rejected 0 · runs 2 · DLQ 0');
    expect(summaryTable(stats, { dlqDepth: 0, runs })[0]).toContain('reconcile runs 2');
  });
});
