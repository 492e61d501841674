/**
 * The guards that stop disasters, with a generated large org (local/fixtures/generate.ts: 3,000
 * users, read from UMAPI in pages of 500, two AEM instances and a Campaign instance with the drift
 * of real life): the REAL schedule handler and worker door against the emulators and simulators.
 *
 * - An empty or truncated UMAPI answer removes nothing and records the run INCOMPLETE.
 * - A complete read that would remove more than the guard allows holds exactly the removals (adds
 *   and wiring still apply) and counts the GuardTrips metric the alarm watches; once approved, the
 *   targets match IMS — so what was held was exactly what had to go.
 * - A configuration change that unmanages a group removes nothing from that group.
 *
 * What each target must hold comes from the chaos run's independent reference (set logic over the
 * org, local/chaos/reference.ts), never from the planner; what they do hold, from the simulators.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduleHandler, type ScheduleSummary } from '../../functions/doors/schedule.js';
import { createWorkerHandler } from '../../functions/doors/worker.js';
import { decideRun } from '../../lib/sync/decide-run.js';
import { divergence, referenceTargets, type ReferenceTarget } from '../../local/chaos/reference.js';
import { aemState, campaignState } from '../../local/chaos/state.js';
import { DEMO_CLIENT_SECRET } from '../../local/fixtures/demo-org.js';
import { aemProfile, campaignTargetId, generateOrg, GENERATED_CLIENT_ID, GENERATED_ORG_ID } from '../../local/fixtures/generate.js';
import type { OrgFixture } from '../../local/fixtures/types.js';
import type { RunningSimulator } from '../../local/simulators/http-sim.js';
import { startPipelineWorld, type PipelineWorld } from '../support/pipeline.js';
import { scheduledEvent } from './deliveries.js';

const USERS = 3000;
const PAGE_SIZE = 500;
const TARGET_IDS = ['acme-prod-author', 'acme-stage-author', 'acme-campaign'] as const;

/** The generated org, its instances named as the pipeline world expects. */
function largeOrg(): OrgFixture {
  const org = generateOrg({ users: USERS, seed: 42, aemInstances: 2, campaignInstances: 1 });
  return {
    ...org,
    clientSecret: DEMO_CLIENT_SECRET,
    aem: org.aem.map((instance, k) => ({ ...instance, targetId: TARGET_IDS[k] ?? instance.targetId })),
    campaign: org.campaign.map((instance) => ({ ...instance, targetId: 'acme-campaign' })),
  };
}

function configYaml(options: { maxRemovals: number; aemPatterns: 'all' | 'without-teams' }): string {
  const managedGroups = [
    { name: 'AEM-Authors', memberOf: ['content-authors'] },
    { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] },
    ...(options.aemPatterns === 'all' ? [{ pattern: 'AEM-.*' }] : [{ name: 'AEM-Reviewers' }]),
  ];
  const aem = (id: string, k: number, url: string) => ({
    id,
    kind: 'aem',
    baseUrl: url,
    auth: { type: 'basic', username: 'ims-sync-service', password: 'env:DEMO_AEM_PASSWORD' },
    productProfiles: [aemProfile(k)],
    managedGroups,
  });
  return stringify({
    org: {
      id: GENERATED_ORG_ID,
      imsTokenUrl: '${IMS_URL}/ims/token/v3',
      umapiBaseUrl: '${IMS_URL}/v2/usermanagement',
      clientId: GENERATED_CLIENT_ID,
      clientSecret: 'env:DEMO_IMS_CLIENT_SECRET',
      rateLimit: { usersPerMinute: 100, groupsPerMinute: 100 },
    },
    guard: { maxRemovals: options.maxRemovals, maxRemovalPercent: 100 },
    targets: [
      aem('acme-prod-author', 1, '${AEM_PROD_URL}'),
      aem('acme-stage-author', 2, '${AEM_STAGE_URL}'),
      {
        id: 'acme-campaign',
        kind: 'campaign',
        baseUrl: '${CAMPAIGN_URL}',
        auth: { type: 'session', login: 'ims-sync', password: 'env:DEMO_CAMPAIGN_PASSWORD' },
        associationMask: `Campaign - ${campaignTargetId(1)} - (.*)`,
      },
    ],
  });
}

async function configFile(name: string, yaml: string): Promise<string> {
  const path = join(tmpdir(), `guards-at-scale-${process.pid}-${name}.yaml`);
  await writeFile(path, yaml);
  return path;
}

let world: PipelineWorld;
let fixture: OrgFixture;
let targets: ReferenceTarget[];
let guardedConfig: string;

beforeAll(async () => {
  fixture = largeOrg();
  targets = referenceTargets(fixture, 2);
  guardedConfig = await configFile('guarded', configYaml({ maxRemovals: 50, aemPatterns: 'all' }));
  world = await startPipelineWorld({ fixture, ims: { pageSize: PAGE_SIZE }, syncConfig: guardedConfig });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

const sims = (): RunningSimulator[] => [world.aemProd, world.aemStage, world.campaign];
const writes = (): number => sims().reduce((sum, sim) => sum + Object.values(sim.counts()).reduce((n, c) => n + c.write, 0), 0);

/** Folded user → folded managed groups, per target, from the simulators' own state. */
function actualStates(): Map<string, ReturnType<typeof aemState>> {
  return new Map(
    targets.map((t) => [
      t.id,
      t.id === 'acme-prod-author'
        ? aemState(t, world.aemProd.control.snapshot())
        : t.id === 'acme-stage-author'
          ? aemState(t, world.aemStage.control.snapshot())
          : campaignState(t, world.campaign.control.snapshot()),
    ]),
  );
}

function differences(): Map<string, Map<string, { missing: string[]; extra: string[] }>> {
  const org = world.ims.org.users();
  const profilesOf = new Map(fixture.groups.map((g) => [g.name, g.profiles ?? []]));
  const states = actualStates();
  return new Map(targets.map((t) => [t.id, divergence(t, states.get(t.id) ?? new Map(), org, profilesOf)]));
}

async function runSchedule(configPath: string, id: string): Promise<{ summary: ScheduleSummary; trips: number; runtime: Awaited<ReturnType<PipelineWorld['runtime']>> }> {
  const runtime = await world.runtime({ settings: await world.settings({ SYNC_CONFIG: configPath }), maxInlineWaitMs: 120_000 });
  const summary = await createScheduleHandler(runtime)(scheduledEvent(id));
  return { summary, trips: runtime.metrics.total('GuardTrips'), runtime };
}

async function drainWith(runtime: Awaited<ReturnType<PipelineWorld['runtime']>>): Promise<void> {
  const worker = createWorkerHandler({ runtime, delay: (handle, seconds) => runtime.queue.changeVisibility(handle, seconds) });
  await world.work.drain(worker, { timeoutMs: 120_000 });
}

describe('guards at scale (3,000 users, pages of 500)', () => {
  const incomplete: [string, () => void][] = [
    [
      'an empty first page that claims to be the last (no users at all)',
      () => world.ims.umapiFaults.scripted.push({ endpoint: 'GET users', page: 0, times: 1, status: 200, body: JSON.stringify({ lastPage: true, result: 'success', users: [] }) }),
    ],
    ['a page in the middle served empty (lastPage false)', () => (world.ims.umapiFaults.emptyUsersPage = 3)],
    ['a page served twice, so users are missing', () => (world.ims.umapiFaults.repeatUsersPage = 2)],
    ['an X-Total-Count that disagrees with the users served', () => (world.ims.umapiFaults.totalCountSkew = 7)],
    ['a page that errors in the middle of the read', () => world.ims.umapiFaults.scripted.push({ endpoint: 'GET users', page: 4, times: 1, status: 500 })],
  ];
  for (const [index, [what, inject]] of incomplete.entries()) {
    it(`removes nothing and records INCOMPLETE after ${what}`, async () => {
      const before = writes();
      const differing = [...differences().values()].reduce((n, d) => n + d.size, 0);
      inject();
      try {
        const { summary } = await runSchedule(guardedConfig, `incomplete-${index}`);

        expect(summary.status).toBe('incomplete');
        expect(await world.work.depth()).toEqual({ visible: 0, inFlight: 0 });
        expect(writes()).toBe(before);
        const runs = await world.stores.runs.get(summary.runId);
        expect(runs.map((r) => r.status)).toEqual(['INCOMPLETE', 'INCOMPLETE', 'INCOMPLETE']);
        // The drift is all still there: nothing was repaired, nothing removed.
        expect([...differences().values()].reduce((n, d) => n + d.size, 0)).toBe(differing);
      } finally {
        // Whatever a failing case queued must not spill into the next one.
        await world.work.take();
        world.ims.umapiFaults.scripted.length = 0;
        delete world.ims.umapiFaults.emptyUsersPage;
        delete world.ims.umapiFaults.repeatUsersPage;
        delete world.ims.umapiFaults.totalCountSkew;
      }
    }, 120_000);
  }

  it('holds exactly the removals past the guard while adds and wiring apply, counts GuardTrips, and matches IMS once approved', async () => {
    const expected = differences();
    const removals = new Map([...expected].map(([id, d]) => [id, [...d].flatMap(([user, { extra }]) => extra.map((g) => `${user} ${g}`))]));
    const adds = new Map([...expected].map(([id, d]) => [id, [...d].flatMap(([user, { missing }]) => missing.map((g) => `${user} ${g}`))]));
    // The generated drift is past the guard (50) in both AEM instances: the premise of this test.
    expect(removals.get('acme-prod-author')?.length).toBeGreaterThan(50);
    expect(removals.get('acme-stage-author')?.length).toBeGreaterThan(50);
    expect(adds.get('acme-prod-author')?.length).toBeGreaterThan(0);

    const { summary, trips, runtime } = await runSchedule(guardedConfig, 'guard-at-scale');
    await drainWith(runtime);

    const held = summary.targets.filter((t) => t.status === 'held').map((t) => t.targetId);
    expect(held).toEqual(expect.arrayContaining(['acme-prod-author', 'acme-stage-author']));
    expect(trips).toBe(held.length);
    for (const target of summary.targets) {
      if (target.status === 'held') expect(target.removes).toBe(removals.get(target.targetId)?.length);
    }
    const states = actualStates();
    const has = (id: string, entry: string): boolean => {
      const [user = '', ...group] = entry.split(' ');
      return states.get(id)?.get(user)?.has(group.join(' ')) ?? false;
    };
    for (const id of held) {
      // Not one removal applied, every add applied.
      expect((removals.get(id) ?? []).filter((entry) => !has(id, entry))).toEqual([]);
      expect((adds.get(id) ?? []).filter((entry) => !has(id, entry))).toEqual([]);
    }
    // Wiring into the AEM-provided groups applied too.
    expect(world.aemProd.control.members('content-authors')).toContain('AEM-Authors');
    expect(world.aemProd.control.members('dam-users')).toContain('AEM-DAM-Users');
    expect(world.aemStage.control.members('content-authors')).toContain('AEM-Authors');
    const runs = await world.stores.runs.get(summary.runId);
    expect(runs.filter((r) => held.includes(r.targetId)).map((r) => r.status)).toEqual(held.map(() => 'HELD'));

    await decideRun(summary.runId, 'approve', runtime);
    await drainWith(runtime);

    for (const [id, d] of differences()) expect({ id, differing: [...d.keys()].slice(0, 5) }).toEqual({ id, differing: [] });
  }, 300_000);

  it('removes nothing from a group the configuration stops managing', async () => {
    // AEM-Team-* stop being managed (the AEM-.* pattern is dropped); in IMS, members leave them.
    const unmanaged = await configFile('unmanaged', configYaml({ maxRemovals: 1_000_000, aemPatterns: 'without-teams' }));
    const teams = (sim: PipelineWorld['aemProd']): Record<string, string[]> =>
      Object.fromEntries(sim.control.snapshot().groups.filter((g) => g.id.startsWith('AEM-Team-')).map((g) => [g.id, [...g.members].sort()]));
    const leavers = world.aemProd.control.members('AEM-Team-0').slice(0, 20);
    expect(leavers.length).toBeGreaterThan(5);
    for (const email of leavers) world.ims.org.removeUserFromGroup(email, 'AEM-Team-0');
    const before = { prod: teams(world.aemProd), stage: teams(world.aemStage) };
    expect(Object.keys(before.prod).length).toBeGreaterThan(0);

    const { summary, runtime } = await runSchedule(unmanaged, 'unmanage-teams');
    await drainWith(runtime);

    expect(summary.status).toBe('complete');
    expect({ prod: teams(world.aemProd), stage: teams(world.aemStage) }).toEqual(before);
  }, 300_000);
});
