import { describe, expect, it } from 'vitest';
import type { ReconcileReport } from '../../../lib/sync/reconcile.js';
import { applyWork } from '../../../lib/sync/apply-work.js';
import { cli, cliWorld, strictGuardConfig, type CliWorld } from './harness.js';

async function drain(world: CliWorld) {
  while (world.queue.sent.length > 0) {
    const message = world.queue.sent.shift();
    if (message) await applyWork(message, world.runtime);
  }
}

describe('ims-sync plan', () => {
  it('shows each target’s changes, wiring, deferrals and local identities, exits 2, and changes nothing', async () => {
    const world = cliWorld();
    const { code, stdout, stderr } = await cli(['plan'], world);

    expect(code).toBe(2);
    expect(stderr).toBe('');
    expect(stdout).toContain('Dry run: nothing was changed.');
    expect(stdout).toMatch(/acme-prod-author \(aem\) — 1 add, 3 removes, 1 wiring/);
    expect(stdout).toMatch(/remove +AEM-DAM-Users +li@acme\.com/);
    expect(stdout).toMatch(/wire +dam-users +AEM-DAM-Users/);
    expect(stdout).toMatch(/Guard: pass \(3 removals of \d+ managed memberships; limits 50 removals \/ 75%\)/);
    expect(stdout).toMatch(/Deferred[\s\S]*user +nina@acme\.com/);
    expect(stdout).toMatch(/Left alone \(local identities in managed groups\):\n +MEMBER +GROUP\n +admin +AEM-Authors/);
    expect(stdout).toContain('Summary: 3 targets with changes pending, 0 with nothing to change. Apply with `ims-sync reconcile --apply`.');
    expect(world.queue.sent).toEqual([]);
    expect(world.stores.runs.records).toEqual([]);
    expect(world.target('acme-prod-author').applyCalls).toEqual([]);
  });

  it('prints the report as JSON with --json, and only for the targets asked', async () => {
    const world = cliWorld();
    const { code, stdout } = await cli(['plan', '--json', '--target', 'acme-campaign'], world);
    const report = JSON.parse(stdout) as ReconcileReport;
    expect(code).toBe(2);
    expect(report.mode).toBe('plan');
    expect(report.targets.map((t) => [t.targetId, t.status])).toEqual([['acme-campaign', 'planned']]);
    expect(report.targets[0]?.plan?.changes).toContainEqual({ group: 'campaign-managers', add: [], remove: ['omar@acme.com'] });
  });

  it('exits 3 when the guard would hold removals, and says why', async () => {
    const world = cliWorld({ config: strictGuardConfig() });
    const { code, stdout } = await cli(['plan', '--target', 'acme-campaign'], world);
    expect(code).toBe(3);
    expect(stdout).toMatch(/Guard: HOLD — 2 removals exceed guard\.maxRemovals 0/);
  });

  it('exits 0 once everything is in sync', async () => {
    const world = cliWorld();
    expect((await cli(['reconcile', '--apply'], world)).code).toBe(2);
    await drain(world);
    const { code, stdout } = await cli(['plan'], world);
    expect(code).toBe(0);
    expect(stdout).toContain('Summary: 0 targets with changes pending, 3 with nothing to change.');
  });

  it('fails with one line and exit 1 when UMAPI cannot be read completely', async () => {
    const world = cliWorld();
    world.umapi.failure = 'incomplete';
    const { code, stderr } = await cli(['plan', '--json'], world);
    expect(code).toBe(1);
    expect(stderr).toBe('ims-sync plan failed: UMAPI read failed, nothing planned and nothing removed: page 2 of 3 failed — try again when UMAPI answers\n');
  });

  it('says when the org changed during the read, and names who was not listed and left as they are', async () => {
    const world = cliWorld();
    // Two users a page; jane leaves once page 0 is read, so li slides onto page 0 and is not listed.
    world.umapi.pageSize = 2;
    world.umapi.betweenPages = (page) => {
      if (page === 0) world.fixture.users = world.fixture.users.filter((u) => u.email !== 'jane@acme.com');
    };
    const { stdout } = await cli(['plan', '--target', 'acme-prod-author'], world);
    expect(stdout).toContain('Note: the org changed during the read (6 users listed): users not listed were left as they are; the next reconciliation covers them.');
    expect(stdout).toContain('Not listed by the IMS read (the org changed during it), left as they are: li@acme.com, sam@acme.com');
    expect(stdout).not.toMatch(/remove +\S+ +(li|sam)@acme\.com/);
  });

  it('shows progress on a terminal only, and never with --json', async () => {
    const onTerminal = await cli(['plan'], cliWorld(), { isTTY: true });
    expect(onTerminal.stderr).toContain('Targets: 3/3 done — acme-campaign planned');
    expect(onTerminal.stderr).toMatch(/\r\u001b\[2K$/);
    const json = await cli(['plan', '--json'], cliWorld(), { isTTY: true });
    expect(json.stderr).not.toContain('Targets:');
  });
});

describe('ims-sync reconcile', () => {
  it('is a dry run without --apply', async () => {
    const world = cliWorld();
    const { code, stdout } = await cli(['reconcile'], world);
    expect(code).toBe(2);
    expect(stdout).toContain('Dry run: nothing was changed.');
    expect(world.queue.sent).toEqual([]);
  });

  it('with --apply records the run, queues the work for the worker and shows each target’s status', async () => {
    const world = cliWorld();
    const { code, stdout } = await cli(['reconcile', '--apply'], world);
    expect(code).toBe(2);
    expect(stdout).toContain('queued for the worker, which applies it in the background');
    expect(stdout).toMatch(/acme-prod-author +queued +1 +3 +1 +0 +\d+/);
    expect(world.queue.sent.length).toBeGreaterThan(0);
    expect(world.stores.runs.records.map((r) => r.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);
  });

  it('exits 3 when the guard holds removals, and says how to approve them', async () => {
    const world = cliWorld({ config: strictGuardConfig() });
    const { code, stdout } = await cli(['reconcile', '--apply', '--target', 'acme-campaign'], world);
    const runId = world.stores.runs.records[0]?.runId ?? '';
    expect(code).toBe(3);
    expect(stdout).toMatch(/acme-campaign +held/);
    expect(stdout).toContain(`\`ims-sync approve ${runId} --target acme-campaign\``);
  });

  it('exits 1 and names the target that failed; the others are still queued', async () => {
    const world = cliWorld();
    world.target('acme-campaign').down = true;
    const { code, stdout, stderr } = await cli(['reconcile', '--apply'], world);
    expect(code).toBe(1);
    expect(stdout).toMatch(/acme-prod-author +queued/);
    expect(stderr).toBe('ims-sync reconcile: target acme-campaign failed: acme-campaign is down — check that it is reachable, then run again\n');
  });
});

describe('ims-sync approve / reject', () => {
  async function heldRun() {
    const world = cliWorld({ config: strictGuardConfig() });
    await cli(['reconcile', '--apply', '--target', 'acme-campaign'], world);
    world.queue.sent.length = 0;
    return { world, runId: world.stores.runs.records[0]?.runId ?? '' };
  }

  it('approve queues the held removals and exits 2', async () => {
    const { world, runId } = await heldRun();
    const { code, stdout } = await cli(['approve', runId], world);
    expect(code).toBe(2);
    expect(stdout).toMatch(new RegExp(`${runId} +acme-campaign +approved +\\d+`));
    expect(world.queue.sent.length).toBeGreaterThan(0);
    expect(world.stores.runs.records[0]?.status).toBe('APPROVED');
  });

  it('reject drops them and exits 0; approving after says it was already rejected, exit 1', async () => {
    const { world, runId } = await heldRun();
    expect((await cli(['reject', runId, '--target', 'acme-campaign'], world)).code).toBe(0);
    expect(world.stores.runs.records[0]?.status).toBe('REJECTED');
    const again = await cli(['approve', runId], world);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(new RegExp(`${runId} +acme-campaign +already rejected \\(its removals were dropped\\) +0`));
    expect(again.stderr).toContain(`ims-sync approve: ${runId} acme-campaign was already rejected`);
    expect(world.queue.sent).toEqual([]);
  });

  it('a second approve says it was already approved and queues nothing again (exit 0); a reject after it fails, exit 1', async () => {
    const { world, runId } = await heldRun();
    await cli(['approve', runId], world);
    const queued = world.queue.sent.length;

    const twice = await cli(['approve', runId], world);
    const late = await cli(['reject', runId, '--json'], world);

    expect(twice.code).toBe(0);
    expect(twice.stdout).toContain('already approved (its removals were queued then)');
    expect(world.queue.sent).toHaveLength(queued);
    expect(late.code).toBe(1);
    expect(JSON.parse(late.stdout)).toEqual([{ runId, targetId: 'acme-campaign', outcome: 'not-held', queuedMessages: 0, status: 'APPROVED' }]);
    expect(late.stderr).toBe(`ims-sync reject: ${runId} acme-campaign was already approved: its removals were queued and cannot be rejected now; \`ims-sync audit\` shows what was applied\n`);
    expect(world.stores.runs.records[0]?.status).toBe('APPROVED');
  });

  it('fails with exit 1 for a run that does not exist', async () => {
    const { world } = await heldRun();
    const { code, stderr } = await cli(['approve', 'no-such-run'], world);
    expect(code).toBe(1);
    expect(stderr).toBe('ims-sync approve failed: run no-such-run does not exist; list runs with `ims-sync status`\n');
  });
});
