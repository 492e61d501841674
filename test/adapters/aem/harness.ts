/** Shared set-up for the AEM adapter tests: a simulator on 127.0.0.1:0 and an adapter pointed at it. */
import { afterEach } from 'vitest';
import type { Clock } from '../../../lib/clock.js';
import { AemTarget } from '../../../lib/config/schema.js';
import type { GroupState, KnownGroupState } from '../../../lib/domain/state.js';
import { fetchTransport, type HttpTransport } from '../../../lib/http.js';
import { buildAemTarget, type AemCredentials, type AemTargetDeps } from '../../../lib/targets/aem/index.js';
import type { TargetAdapter } from '../../../lib/targets/port.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import type { FixtureAemInstance } from '../../../local/fixtures/types.js';
import { startAemSimulator, type AemSimulatorOptions, type RunningAemSimulator } from '../../../local/simulators/aem/index.js';

export const SERVICE = { username: 'ims-sync-service', password: 's3cret' };

/** Real time for `now`, no waiting in `sleep`: retries and pacing cost nothing in tests. */
export const instantClock: Clock = { now: () => Date.now(), sleep: async () => undefined };

/** What a test may set of the target's configuration besides its limits. */
export type TargetSettings = Partial<Pick<AemTarget, 'managedGroups' | 'revocation'>>;

export function aemConfig(baseUrl: string, limits: Partial<AemTarget['limits']> = {}, settings: TargetSettings = {}): AemTarget {
  return AemTarget.parse({
    id: 'test-author',
    kind: 'aem',
    baseUrl,
    auth: { type: 'basic', username: SERVICE.username, password: 'env:AEM_PASSWORD' },
    managedGroups: [{ pattern: '.*' }],
    ...settings,
    limits: { requestsPerSecond: 1000, concurrency: 4, timeoutMs: 2000, ...limits },
  });
}

/** A Bearer target at an address that never answers, managing AEM-Authors: for adapters on a fake transport. */
export function offlineAemConfig(id: string, limits?: Partial<AemTarget['limits']>): AemTarget {
  return AemTarget.parse({
    id,
    kind: 'aem',
    baseUrl: 'http://aem.invalid',
    auth: { type: 'bearer', token: 'env:TOKEN' },
    managedGroups: [{ name: 'AEM-Authors' }],
    ...(limits ? { limits } : {}),
  });
}

export interface World {
  readonly sim: RunningAemSimulator;
  readonly adapter: TargetAdapter;
  readonly config: AemTarget;
  /** Another adapter on the same simulator, with an empty home cache (a new cold start). */
  readonly freshAdapter: () => TargetAdapter;
  readonly calls: () => number;
  stop(): Promise<void>;
}

export interface WorldOptions {
  readonly sim?: Omit<AemSimulatorOptions, 'instance'>;
  readonly limits?: Partial<AemTarget['limits']>;
  readonly settings?: TargetSettings;
  readonly credentials?: AemCredentials;
  /** Wraps the real transport (to break one URL, rewrite an answer...). */
  readonly transport?: (inner: HttpTransport) => HttpTransport;
  readonly options?: AemTargetDeps['options'];
}

export async function startWorld(instance: FixtureAemInstance, options: WorldOptions = {}): Promise<World> {
  const sim = await startAemSimulator({ credentials: SERVICE, ...options.sim, instance });
  let calls = 0;
  const counting: HttpTransport = (request) => {
    calls += 1;
    return fetchTransport(request);
  };
  const config = aemConfig(sim.url, options.limits, options.settings);
  const build = (): TargetAdapter =>
    buildAemTarget({
      http: options.transport ? options.transport(counting) : counting,
      clock: instantClock,
      config,
      credentials: async () => options.credentials ?? { type: 'basic', ...SERVICE },
      options: { retry: { attempts: 2 }, ...options.options },
    });
  return { sim, adapter: build(), config, freshAdapter: build, calls: () => calls, stop: () => sim.stop() };
}

/**
 * Registers an afterEach that awaits the stop of every world the returned `start` started in the
 * test, so each test only starts its own.
 */
export function useWorld(): { start(instance: FixtureAemInstance, options?: WorldOptions): Promise<World> } {
  const running: World[] = [];
  afterEach(async () => {
    const worlds = running.splice(0);
    await Promise.all(worlds.map((world) => world.stop()));
  });
  return {
    async start(instance, options) {
      const world = await startWorld(instance, options);
      running.push(world);
      return world;
    },
  };
}

/** A fresh copy of one of the demo org's AEM instances (tests may change it before starting). */
export function demoInstance(targetId: string): FixtureAemInstance {
  const instance = demoOrg().aem.find((candidate) => candidate.targetId === targetId);
  if (!instance) throw new Error(`demo org has no AEM instance ${targetId}`);
  return instance;
}

/** The group's state, which the test expects to be known. */
export function known(state: GroupState | undefined): KnownGroupState {
  if (state?.status !== 'known') throw new Error(`expected a known group, got ${JSON.stringify(state)}`);
  return state;
}

/** A total over the simulator's per-endpoint counts. */
export const totalCalls = (sim: RunningAemSimulator): number =>
  Object.values(sim.counts()).reduce((sum, c) => sum + c.read + c.write, 0);

/** `groupCount` IMS groups of `usersPerGroup` IMS users each (distinct users), plus admin in the first. */
export function bigInstance(groupCount: number, usersPerGroup: number): FixtureAemInstance {
  const users = [{ id: 'admin', ims: false }];
  const groups = [];
  for (let g = 0; g < groupCount; g += 1) {
    const members: string[] = [];
    for (let u = 0; u < usersPerGroup; u += 1) {
      const id = `user${g}-${u}@acme.com`;
      users.push({ id, ims: true });
      members.push(id);
    }
    if (g === 0) members.push('admin');
    groups.push({ id: `AEM-Group-${g}`, ims: true, members });
  }
  return { targetId: 'big', users, groups };
}

export const emptySlice = { changes: [], wiring: [], disable: [], enable: [] } as const;
