/**
 * The REAL schedule root (functions/schedule.ts) and worker root: a scheduled reconciliation reads
 * UMAPI page by page (4 users a page here, so the demo org takes two), plans every target, fans the
 * work out through the queue, and the worker applies it. The guard holds mass removals for an
 * operator; an incomplete UMAPI read removes nothing.
 *
 * SYNC_CONFIG is config/demo.yaml with UMAPI's budget at 100 a minute, so paging does not wait
 * 2.4 s (users) and 12 s (groups) a page.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduleHandler, type ScheduleSummary } from '../../functions/doors/schedule.js';
import { createWorkerHandler } from '../../functions/doors/worker.js';
import { sliceSize } from '../../lib/domain/guard.js';
import { decideRun } from '../../lib/sync/decide-run.js';
import { reconcile } from '../../lib/sync/reconcile.js';
import type { RunningSimulator } from '../../local/simulators/http-sim.js';
import { FAST_UMAPI_BUDGET, lambdaContext, startPipelineWorld, type PipelineWorld, type SqsBatchHandler } from '../support/pipeline.js';
import { sampleEvent, scheduledEvent } from './deliveries.js';

let world: PipelineWorld;
let schedule: (event: ScheduledEvent) => Promise<ScheduleSummary>;
let worker: SqsBatchHandler;

beforeAll(async () => {
  world = await startPipelineWorld({ ims: { pageSize: 4 }, configEdit: FAST_UMAPI_BUDGET });
  const scheduleRoot = await import('../../functions/schedule.js');
  const workerRoot = await import('../../functions/worker.js');
  schedule = (event) => scheduleRoot.handler(event, lambdaContext('ims-group-sync-schedule'));
  worker = (event, context) => workerRoot.handler(event, context);
});

afterAll(async () => {
  await world?.stop();
});

const writes = (...sims: RunningSimulator[]): number =>
  sims.reduce((sum, sim) => sum + Object.values(sim.counts()).reduce((n, c) => n + c.write, 0), 0);

/** IMS identities only: `admin` is a local AEM user that the sync never touches. */
const imsMembers = (sim: PipelineWorld['aemProd'], group: string): string[] => sim.control.members(group).filter((m) => m !== 'admin').sort();

describe('schedule', () => {
  it('reconciles every target to IMS from a scheduled event (events/scheduled.json)', async () => {
    const summary = await schedule(sampleEvent('scheduled.json'));
    await world.work.drain(worker);

    expect(summary).toMatchObject({ runId: 'run-20261123T120000Z-53dc4d37', status: 'complete', usersRead: 7 });
    expect(summary.targets.every((t) => t.status === 'queued' || t.status === 'nothing-to-do')).toBe(true);
    // Sam left the org; Li left AEM-DAM-Users; Nina is an author; Omar's Campaign groups follow his profiles.
    expect(imsMembers(world.aemProd, 'AEM-Authors')).toEqual(['jane@acme.com', 'li@acme.com', 'nina@acme.com']);
    expect(imsMembers(world.aemProd, 'AEM-DAM-Users')).toEqual(['omar@acme.com']);
    expect(imsMembers(world.aemStage, 'AEM-Authors')).toEqual(['jane@acme.com', 'li@acme.com']);
    expect(world.campaign.control.groupsOf('omar@acme.com')).toEqual(['content-reviewers']);
    expect(world.campaign.control.groupsOf('sam@acme.com')).toEqual([]);
    expect((await world.stores.runs.get(summary.runId)).map((r) => r.status)).toEqual(['APPLIED', 'APPLIED', 'APPLIED']);

    // A second plan finds nothing left to change (what cannot be applied yet stays deferred).
    const check = await reconcile({ runId: 'check-after-run', mode: 'plan' }, await world.runtime());
    expect(check.status).toBe('complete');
    for (const target of check.targets) {
      expect({ targetId: target.targetId, ...sliceSize(target.plan ?? { changes: [], wiring: [], disable: [], enable: [] }) }).toEqual({
        targetId: target.targetId,
        adds: 0,
        removes: 0,
        wiring: 0,
        disable: 0,
        enable: 0,
      });
    }
  });

  it('holds removals past the guard for approval while adds go ahead, then applies them once approved', async () => {
    const guarded = await world.configVariant((c) => {
      FAST_UMAPI_BUDGET(c);
      c.set(['guard', 'maxRemovals'], 0);
    });
    const runtime = await world.runtime({ settings: await world.settings({ SYNC_CONFIG: guarded }) });
    const doorWorker = createWorkerHandler({ runtime, delay: (handle, seconds) => runtime.queue.changeVisibility(handle, seconds) });
    // Li leaves AEM-Authors (a removal in prod and stage); Nina joins AEM-DAM-Users (an add in prod).
    world.ims.org.removeUserFromGroup('li@acme.com', 'AEM-Authors');
    world.ims.org.addUserToGroup('nina@acme.com', 'AEM-DAM-Users');

    const summary = await createScheduleHandler(runtime)(scheduledEvent('9a7f0c1e-guard-run'));
    await world.work.drain(doorWorker);

    expect(summary.targets.find((t) => t.targetId === 'acme-prod-author')).toMatchObject({ status: 'held', adds: 1, removes: 1 });
    expect(summary.targets.find((t) => t.targetId === 'acme-stage-author')).toMatchObject({ status: 'held', removes: 1 });
    expect(runtime.metrics.total('GuardTrips')).toBe(2);
    const held = await world.stores.runs.get(summary.runId);
    expect(Object.fromEntries(held.map((r) => [r.targetId, r.status]))).toEqual({ 'acme-campaign': 'APPLIED', 'acme-prod-author': 'HELD', 'acme-stage-author': 'HELD' });
    expect(imsMembers(world.aemProd, 'AEM-DAM-Users')).toContain('nina@acme.com');
    expect(imsMembers(world.aemProd, 'AEM-Authors')).toContain('li@acme.com');
    expect(imsMembers(world.aemStage, 'AEM-Authors')).toContain('li@acme.com');

    const decisions = await decideRun(summary.runId, 'approve', runtime);
    await world.work.drain(doorWorker);

    expect(decisions.filter((d) => d.outcome === 'approved').map((d) => d.targetId).sort()).toEqual(['acme-prod-author', 'acme-stage-author']);
    expect(imsMembers(world.aemProd, 'AEM-Authors')).not.toContain('li@acme.com');
    expect(imsMembers(world.aemStage, 'AEM-Authors')).not.toContain('li@acme.com');
    const decided = await world.stores.runs.get(summary.runId);
    expect(decided.filter((r) => r.targetId !== 'acme-campaign').map((r) => r.status)).toEqual(['APPROVED', 'APPROVED']);
  });

  it('removes nothing and records INCOMPLETE when a UMAPI page cannot be read', async () => {
    // Nina leaves the org: a complete read would remove her everywhere. Page 1 of the users fails.
    world.ims.org.removeUser('nina@acme.com');
    world.ims.umapiFaults.scripted.push({ endpoint: 'GET users', page: 1, times: 1, status: 500 });
    const before = writes(world.aemProd, world.aemStage, world.campaign);

    const summary = await schedule(scheduledEvent('c0ffee00-incomplete-run'));

    expect(summary.status).toBe('incomplete');
    expect(summary.reason).toContain('page 1');
    expect(await world.work.depth()).toEqual({ visible: 0, inFlight: 0 });
    expect(writes(world.aemProd, world.aemStage, world.campaign)).toBe(before);
    expect(imsMembers(world.aemProd, 'AEM-Authors')).toContain('nina@acme.com');
    const runs = await world.stores.runs.get(summary.runId);
    expect(runs.map((r) => r.status)).toEqual(['INCOMPLETE', 'INCOMPLETE', 'INCOMPLETE']);
  });
});
