/** A SyncRuntime over in-memory parts and the demo org, for use-case tests. */
import { readFileSync } from 'node:fs';
import { parseConfig } from '../../lib/config/loader.js';
import type { SyncConfig } from '../../lib/config/schema.js';
import { createMemoryLog, createMemoryMetrics } from '../../lib/observability/memory.js';
import { createOrgGroupNames } from '../../lib/sync/org-groups.js';
import type { SyncRuntime } from '../../lib/sync/runtime.js';
import { demoOrg } from '../../local/fixtures/demo-org.js';
import type { OrgFixture } from '../../local/fixtures/types.js';
import { fakeClock } from './clock.js';
import { memoryQueue, memoryStores } from './memory-stores.js';
import { memoryTarget, type MemoryTarget } from './memory-target.js';
import { memoryUmapi } from './memory-umapi.js';

export const DEMO_ENV = {
  DEMO_IMS_CLIENT_SECRET: 'demo-client-secret',
  DEMO_WEBHOOK_SECRET: 'demo-webhook-secret-0123456789abcdef',
  DEMO_AEM_PASSWORD: 'admin',
  DEMO_CAMPAIGN_PASSWORD: 'admin',
};

export function demoConfig(env: Record<string, string> = {}): SyncConfig {
  return parseConfig(readFileSync(new URL('../../config/demo.yaml', import.meta.url), 'utf8'), { ...DEMO_ENV, ...env }, 'config/demo.yaml');
}

/** The demo org's AEM and Campaign instances as in-memory targets. */
export function memoryTargetsFrom(fixture: OrgFixture): MemoryTarget[] {
  const aem = fixture.aem.map((instance) => {
    const imsGroups = instance.groups.filter((g) => g.ims);
    const wiring: Record<string, string[]> = {};
    for (const provided of instance.groups.filter((g) => !g.ims)) {
      for (const member of provided.members) if (imsGroups.some((g) => g.id === member)) (wiring[member] ??= []).push(provided.id);
    }
    return memoryTarget(instance.targetId, 'aem', {
      groups: Object.fromEntries(instance.groups.map((g) => [g.id, g.members])),
      wiring,
      ims: instance.users.filter((u) => u.ims).map((u) => u.id),
      local: instance.users.filter((u) => !u.ims).map((u) => u.id),
    });
  });
  const campaign = fixture.campaign.map((instance) =>
    memoryTarget(instance.targetId, 'campaign', {
      groups: Object.fromEntries(instance.groups.map((g) => [g.name, instance.memberships.filter((m) => m.group === g.name).map((m) => m.operator)])),
      ims: instance.operators.filter((o) => o.ims).map((o) => o.name),
      local: instance.operators.filter((o) => !o.ims).map((o) => o.name),
    }),
  );
  return [...aem, ...campaign];
}

export function demoRuntime(options: { fixture?: OrgFixture; config?: SyncConfig } = {}) {
  const fixture = options.fixture ?? demoOrg();
  const config = options.config ?? demoConfig();
  const clock = fakeClock();
  const log = createMemoryLog();
  const metrics = createMemoryMetrics();
  const umapi = memoryUmapi(fixture);
  const queue = memoryQueue();
  const stores = memoryStores(clock.now);
  const targets = memoryTargetsFrom(fixture);
  const byId = new Map(targets.map((t) => [t.id, t]));
  const runtime: SyncRuntime = {
    config,
    clock,
    log,
    metrics,
    umapi,
    orgGroups: createOrgGroupNames(umapi, clock),
    queue,
    stores,
    targets: config.targets.map((target) => {
      const adapter = byId.get(target.id);
      if (adapter === undefined) throw new Error(`no memory target for ${target.id}`);
      return { config: target, adapter };
    }),
  };
  const target = (id: string): MemoryTarget => {
    const t = byId.get(id);
    if (t === undefined) throw new Error(`no target ${id}`);
    return t;
  };
  return { runtime, fixture, clock, log, metrics, umapi, queue, stores, target };
}
