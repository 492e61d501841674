/**
 * `worker`: what applying a membership change costs the worker. A generated org is served by a
 * child process (emulators + simulators), the worker runs here with its real composition; the work
 * is a full reconciliation's fan-out (the schedule handler) plus `events` webhook deltas (half users
 * leaving the org, half removed from an AEM user group; IMS changed first). The queue is drained
 * one batch (≤ 10 records) at a time through the real worker handler: process.cpuUsage() and wall
 * time are taken around each handler call only. Applied changes are counted from the simulators'
 * state before and after (`/__sim/state`). Run twice: simulators at 0 ms (CPU per change) and at
 * `latency-ms` (changes a second of one worker).
 */
import { generateOrg } from '../../local/fixtures/generate.js';
import type { WorldSummary } from '../sims.js';
import { BENCH_UMAPI_PER_MINUTE, startWorkerWorld, type WorkerWorld } from './worker-world.js';
import { num, round, type Scenario } from './types.js';

type State = Map<string, Set<string>>;

/** Every (group, member) of each target, from the simulators' state dumps. */
async function targetState(summary: WorldSummary): Promise<State> {
  const state: State = new Map();
  for (const a of summary.aem) {
    const dump = (await (await fetch(`${a.url}/__sim/state`)).json()) as { groups: { id: string; members: string[] }[] };
    state.set(a.targetId, new Set(dump.groups.flatMap((g) => g.members.map((m) => `${g.id}\u0000${m.toLowerCase()}`))));
  }
  for (const c of summary.campaign) {
    const dump = (await (await fetch(`${c.url}/__sim/state`)).json()) as { memberships: { operator: string; group: string }[] };
    state.set(c.targetId, new Set(dump.memberships.map((m) => `${m.group}\u0000${m.operator.toLowerCase()}`)));
  }
  return state;
}

/** Memberships added or removed, and the (target, group) pairs they fall in. */
function diff(before: State, after: State): { changes: number; changedGroups: number } {
  let changes = 0;
  const groups = new Set<string>();
  for (const [target, was] of before) {
    const now = after.get(target) ?? new Set<string>();
    for (const key of was) if (!now.has(key)) (changes += 1), groups.add(`${target}\u0000${key.split('\u0000')[0] ?? ''}`);
    for (const key of now) if (!was.has(key)) (changes += 1), groups.add(`${target}\u0000${key.split('\u0000')[0] ?? ''}`);
  }
  return { changes, changedGroups: groups.size };
}

async function imsOp(summary: WorldSummary, op: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${summary.imsUrl}/__ims/org`, { method: 'POST', body: JSON.stringify(op) });
  if (!response.ok) throw new Error(`IMS simulator refused ${JSON.stringify(op)}: ${response.status} ${await response.text()}`);
}

/** Half leave the org, half leave one AEM user group, each changed in IMS first, then posted. */
async function postDeltas(world: WorkerWorld, users: number, seed: number, events: number): Promise<void> {
  const fixture = generateOrg({ users, seed, aemInstances: 2, campaignInstances: 1 });
  const candidates = fixture.users.filter((u) => (u.type === 'enterpriseID' || u.type === 'federatedID') && (u.status ?? 'active') === 'active' && u.groups.some((g) => g.startsWith('AEM-')));
  if (candidates.length < events) throw new Error(`worker: only ${candidates.length} users to change; lower --events or raise --users`);
  const changes: Record<string, unknown>[] = [];
  for (let i = 0; i < events; i += 1) {
    // Spread over the org, so that the reconciliation's own changes are not the same users.
    const user = candidates[Math.floor((i * candidates.length) / events)] as (typeof candidates)[number];
    const group = user.groups.find((g) => g.startsWith('AEM-')) as string;
    const id = `bench-worker-${Date.now().toString(36)}-${i}`;
    const base = { id, orgId: fixture.orgId, occurredAt: new Date().toISOString(), user: { email: user.email } };
    if (i % 2 === 0) {
      await imsOp(world.summary, { op: 'removeUser', email: user.email });
      changes.push({ ...base, type: 'user.removed' });
    } else {
      await imsOp(world.summary, { op: 'removeUserFromGroup', email: user.email, group });
      changes.push({ ...base, type: 'membership.removed', group });
    }
  }
  for (let i = 0; i < changes.length; i += 100) await world.postGeneric(changes.slice(i, i + 100));
}

interface Drained {
  handlerMs: number;
  cpuMs: number;
  batches: number;
  records: number;
  failedRecords: number;
  drained: boolean;
}

async function drain(world: WorkerWorld, timeoutMs: number): Promise<Drained> {
  const started = performance.now();
  const out: Drained = { handlerMs: 0, cpuMs: 0, batches: 0, records: 0, failedRecords: 0, drained: false };
  while (performance.now() - started < timeoutMs) {
    const event = await world.receive(1);
    if (event.Records.length === 0) {
      if ((await world.queued()) === 0) {
        out.drained = true;
        break;
      }
      continue;
    }
    const cpu = process.cpuUsage();
    const at = performance.now();
    const response = await world.worker(event);
    out.handlerMs += performance.now() - at;
    const used = process.cpuUsage(cpu);
    out.cpuMs += (used.user + used.system) / 1000;
    out.batches += 1;
    out.records += event.Records.length;
    out.failedRecords += response.batchItemFailures.length;
    await world.settle(event, response);
  }
  return out;
}

/** CPU of one small HTTP exchange with a simulator from this process: the floor's unit. */
async function cpuPerHttpCall(summary: WorldSummary, calls: number): Promise<number> {
  const url = `${summary.aem[0]?.url ?? summary.imsUrl}/__sim/faults`;
  const cpu = process.cpuUsage();
  for (let i = 0; i < calls; i += 1) await (await fetch(url, { method: 'GET' })).text();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / calls;
}

interface PhaseResult extends Drained {
  latencyMs: number;
  changes: number;
  changedGroups: number;
  cpuPerCallMs: number;
  reconcileMessages: number;
}

async function phase(options: { users: number; seed: number; events: number; latencyMs: number; timeoutMs: number; targetLimits: { requestsPerSecond: number; concurrency: number } }, log: (line: string) => void): Promise<PhaseResult> {
  const world = await startWorkerWorld(options);
  try {
    const before = await targetState(world.summary);
    const summary = await world.schedule();
    if (summary.status !== 'complete') throw new Error(`worker: the reconciliation was ${summary.status}: ${summary.reason ?? ''}`);
    await postDeltas(world, options.users, options.seed, options.events);
    const reconcileMessages = summary.targets.reduce((a, t) => a + t.messages, 0);
    log(`simulators at ${options.latencyMs} ms: ${reconcileMessages} reconcile messages + ${options.events} deltas queued; draining...`);
    const drained = await drain(world, options.timeoutMs);
    const { changes, changedGroups } = diff(before, await targetState(world.summary));
    const cpuPerCallMs = await cpuPerHttpCall(world.summary, 200);
    log(`simulators at ${options.latencyMs} ms: ${changes} changes in ${drained.batches} batches, handler ${round(drained.handlerMs, 0)} ms, CPU ${round(drained.cpuMs, 0)} ms${drained.drained ? '' : ' (NOT drained)'}`);
    return { ...drained, latencyMs: options.latencyMs, changes, changedGroups, cpuPerCallMs, reconcileMessages };
  } finally {
    await world.stop();
  }
}

export const workerScenario: Scenario = {
  name: 'worker',
  summary: 'worker CPU per applied membership change (simulators at 0 ms) and changes a second of one worker (at 20 ms)',
  flags: {
    users: { default: 5000, min: 500, max: 100_000, help: 'org size (its reconciliation is most of the work)' },
    events: { default: 100, min: 0, max: 10_000, help: 'webhook deltas on top (half user.removed, half membership.removed)' },
    'latency-ms': { default: 20, min: 1, max: 5000, help: 'simulator latency of the throughput run' },
    'timeout-s': { default: 300, min: 10, max: 7200, help: 'stop draining the queue after this long (per run)' },
    'target-rps': { default: 10, min: 1, max: 100_000, help: "each target's limits.requestsPerSecond (10 is the configuration's default)" },
    'target-concurrency': { default: 4, min: 1, max: 1000, help: "each target's limits.concurrency (4 is the default)" },
    seed: { default: 1, min: 0, help: 'generator seed' },
  },
  async run(flags, log) {
    const targetLimits = { requestsPerSecond: num(flags, 'target-rps'), concurrency: num(flags, 'target-concurrency') };
    const base = { users: num(flags, 'users'), seed: num(flags, 'seed'), events: num(flags, 'events'), timeoutMs: num(flags, 'timeout-s') * 1000, targetLimits };
    const fast = await phase({ ...base, latencyMs: 0 }, log);
    const slow = await phase({ ...base, latencyMs: num(flags, 'latency-ms') }, log);
    const cpuPerChange = fast.cpuMs / Math.max(1, fast.changes);
    const changesPerSecond = slow.changes / Math.max(0.001, slow.handlerMs / 1000);
    const floorSeconds = (slow.changedGroups * slow.latencyMs) / 1000;
    return {
      figures: {
        workerCpuMsPerChange: round(cpuPerChange, 3),
        workerChangesPerSecond: round(changesPerSecond, 1),
        changes0ms: fast.changes,
        changes20ms: slow.changes,
        handlerSeconds20ms: round(slow.handlerMs / 1000, 2),
        changedGroups: slow.changedGroups,
        drained: fast.drained && slow.drained,
      },
      comparisons: [
        {
          label: 'worker CPU per change (0 ms)',
          value: cpuPerChange,
          floor: (fast.changedGroups * fast.cpuPerCallMs) / Math.max(1, fast.changes),
          unit: 'ms',
          floorIs: `one HTTP exchange (${round(fast.cpuPerCallMs, 3)} ms CPU) per changed (target, group), spread over its changes`,
        },
        {
          label: `handler time for ${slow.changes} changes (${slow.latencyMs} ms)`,
          value: slow.handlerMs / 1000,
          floor: floorSeconds,
          unit: 's',
          floorIs: `one ${slow.latencyMs} ms write per changed (target, group), one at a time`,
        },
      ],
      notes: [
        `0 ms: ${fast.changes} changes (${fast.changedGroups} changed target groups) from ${fast.reconcileMessages} reconcile messages + ${base.events} deltas; ${fast.records} records in ${fast.batches} batches (${fast.failedRecords} reported failed and retried); CPU ${round(fast.cpuMs, 0)} ms in ${round(fast.handlerMs, 0)} ms of handler time`,
        `${slow.latencyMs} ms: ${slow.changes} changes in ${round(slow.handlerMs / 1000, 1)} s of handler time → ${round(changesPerSecond, 1)} changes/s for one worker (targets limited to ${targetLimits.requestsPerSecond} req/s × ${targetLimits.concurrency}; UMAPI paced at ${BENCH_UMAPI_PER_MINUTE}/min, the most the configuration allows)`,
        ...(fast.drained && slow.drained ? [] : ['WARNING: the queue was not drained within --timeout-s; the figures cover what was applied']),
      ],
    };
  },
};
