/**
 * One benchmark run: plan (dry-run) over the generated world, then apply (reconcile + every queued
 * message through the worker's use case), then a second plan that must find nothing to do.
 *
 * The claim under test (lib/sync/reconcile.ts, lib/targets/aem/read.ts): a reconciliation's target
 * reads grow with the number of managed groups, not with the number of users. Running this at
 * several org sizes and comparing `callsPerGroup` across them is the check.
 */
import { sliceSize } from '../lib/domain/guard.js';
import { managedGroupsFor } from '../lib/domain/managed.js';
import type { TargetPlan } from '../lib/domain/plan-types.js';
import { applyWork } from '../lib/sync/apply-work.js';
import { reconcile, type ReconcileProgress, type ReconcileReport } from '../lib/sync/reconcile.js';
import { WorkFailedError } from '../lib/sync/work-errors.js';
import type { RequestCounts } from '../local/simulators/http-sim.js';
import { fullGc, mapLimit, startMemorySampler, timed } from './measure.js';
import { resetSimCounts, simCounts } from './sims.js';
import { startWorld, type World, type WorldOptions } from './world.js';

/** UMAPI's published per-client limits (contracts/ims-and-umapi.md §4). */
export const UMAPI_USERS_PER_MINUTE = 25;
export const UMAPI_GROUPS_PER_MINUTE = 5;

export interface BenchOptions extends WorldOptions {
  /** Work messages applied at once (the worker fleet's concurrency). */
  workers: number;
}

export const DEFAULT_BENCH_OPTIONS: BenchOptions = {
  users: 100_000,
  seed: 1,
  aem: 2,
  campaign: 1,
  pageSize: 2000,
  workers: 4,
  targetLimits: { requestsPerSecond: 1000, concurrency: 8 },
};

export type Counts = Record<string, number>;

export interface TargetPlanStats {
  targetId: string;
  kind: 'aem' | 'campaign';
  status: string;
  /** From the "reading" progress event to the target's last HTTP answer. */
  readMs: number;
  /** From the last HTTP answer to "planned": planning and the guard, in-process. */
  planMs: number;
  /** Mode apply: from "planned" to the next target (deferred items, fan-out, run record). */
  recordMs: number;
  managedGroups: number;
  unknownGroups: number;
  calls: number;
  callsByEndpoint: Counts;
  responseBytes: number;
  largestAnswerBytes: number;
  callsPerGroup: number;
  callsPer1kUsers: number;
  adds: number;
  removes: number;
  wiring: number;
  changedGroups: number;
  deferred: number;
  untouched: number;
  error?: string;
}

export interface PlanStats {
  totalMs: number;
  umapi: {
    ms: number;
    pages: number;
    usersRead: number;
    callsByEndpoint: Counts;
    responseBytes: number;
    largestAnswerBytes: number;
    /** Minutes the same read needs at UMAPI's real limits (25 user-page reads, 5 group-page reads a minute). */
    minutesAtRealLimits: number;
  };
  targets: TargetPlanStats[];
}

export interface TargetApplyStats {
  targetId: string;
  kind: 'aem' | 'campaign';
  messages: number;
  changedGroups: number;
  /** AEM: provided groups written for wiring (one POST each). */
  wiringParents: number;
  membershipChanges: number;
  writes: number;
  writesByEndpoint: Counts;
  /** Every call of the worker's part (the reconcile's reads not included). */
  callsByEndpoint: Counts;
  /** Writes per changed group (AEM wiring parents count as changed groups). */
  writesPerChangedGroup: number;
  /** Changes the adapters reported applied (wiring included). */
  applied: number;
  failed: number;
}

export interface ApplyStats {
  /** The reconcile in mode apply: read, plan, record the run and deferred items, fan out. */
  reconcile: PlanStats;
  applyMs: number;
  messages: number;
  failedMessages: number;
  failures: string[];
  targets: TargetApplyStats[];
  /** Store calls of the reconcile and the worker together. */
  storeCalls: Counts;
}

export interface SecondPlanStats {
  plan: PlanStats;
  empty: boolean;
  targets: { targetId: string; status: string; adds: number; removes: number; wiring: number; disable: number; enable: number; deferred: number }[];
}

export interface BenchResult {
  options: BenchOptions;
  node: string;
  org: { users: number; orgGroups: number; generateMs: number; setupMs: number };
  /**
   * The sync's process only: the simulators run in a child process (its peak is `simulatorsPeakRssMb`).
   * Each phase starts after a full GC; its heap peak is sampled every 20 ms.
   */
  memory: {
    rssAfterSetupMb: number;
    heapAfterSetupMb: number;
    phases: { phase: string; heapBeforeMb: number; peakHeapMb: number; peakRssMb: number }[];
    peakRssMb: number;
    peakHeapMb: number;
    simulatorsPeakRssMb?: number;
  };
  plan: PlanStats;
  apply?: ApplyStats;
  second?: SecondPlanStats;
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
const NO_SIZE = { adds: 0, removes: 0, wiring: 0, disable: 0, enable: 0 };

function flatten(counts: RequestCounts | undefined, kind?: 'read' | 'write'): Counts {
  const out: Counts = {};
  for (const [endpoint, c] of Object.entries(counts ?? {})) {
    const n = kind === undefined ? c.read + c.write : c[kind];
    if (n > 0) out[endpoint] = n;
  }
  return out;
}
const sum = (counts: Counts): number => Object.values(counts).reduce((a, b) => a + b, 0);

async function resetCounts(world: World): Promise<void> {
  await Promise.all([...world.simulators.values()].map(resetSimCounts));
  world.transport.reset();
}

async function countsOf(world: World, system: string): Promise<RequestCounts | undefined> {
  const url = world.simulators.get(system);
  return url === undefined ? undefined : simCounts(url);
}

/** Runs the bench; `apply: false` stops after the first plan. */
export async function runBench(options: BenchOptions, run: { apply?: boolean; log?: (line: string) => void } = {}): Promise<BenchResult> {
  const log = run.log ?? (() => undefined);
  const memory = startMemorySampler();
  const setupStarted = performance.now();
  log(`generating an org of ${options.users} users and starting the simulators (child process)...`);
  const world = await startWorld(options);
  const setupMs = performance.now() - setupStarted;
  const phases: BenchResult['memory']['phases'] = [];
  let overall = { rss: 0, heapUsed: 0 };
  const phase = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    log(`${name}...`);
    fullGc();
    const heapBefore = process.memoryUsage().heapUsed;
    memory.reset();
    const value = await fn();
    memory.sample();
    const peak = memory.peak();
    overall = { rss: Math.max(overall.rss, peak.rss), heapUsed: Math.max(overall.heapUsed, peak.heapUsed) };
    phases.push({ phase: name, heapBeforeMb: mb(heapBefore), peakHeapMb: mb(peak.heapUsed), peakRssMb: mb(peak.rss) });
    return value;
  };
  let stopped = false;
  try {
    fullGc();
    const afterSetup = process.memoryUsage();
    const plan = withoutReport(await phase('plan (dry-run)', () => measureReconcile(world, options, 'bench-plan', 'plan')));
    let apply: ApplyStats | undefined;
    let second: SecondPlanStats | undefined;
    if (run.apply !== false) {
      apply = await measureApply(world, options, phase);
      second = await phase('second plan', () => measureSecondPlan(world, options));
    }
    memory.stop();
    stopped = true;
    const simulatorsPeak = await world.stop();
    return {
      options,
      node: process.version,
      org: { users: world.summary.users, orgGroups: world.summary.orgGroups.length, generateMs: round(world.summary.generateMs), setupMs: round(setupMs) },
      memory: {
        rssAfterSetupMb: mb(afterSetup.rss),
        heapAfterSetupMb: mb(afterSetup.heapUsed),
        phases,
        peakRssMb: mb(overall.rss),
        peakHeapMb: mb(overall.heapUsed),
        ...(simulatorsPeak !== undefined ? { simulatorsPeakRssMb: mb(simulatorsPeak) } : {}),
      },
      plan,
      ...(apply ? { apply } : {}),
      ...(second ? { second } : {}),
    };
  } finally {
    memory.stop();
    if (!stopped) await world.stop();
  }
}

type Phase = <T>(name: string, fn: () => Promise<T>) => Promise<T>;

/** One reconcile, timed per phase from its progress events and the counted HTTP traffic. */
async function measureReconcile(world: World, options: BenchOptions, runId: string, mode: 'plan' | 'apply'): Promise<PlanStats & { report: ReconcileReport }> {
  await resetCounts(world);
  const events: { at: number; progress: ReconcileProgress }[] = [];
  const started = performance.now();
  const { value: report, ms } = await timed(() =>
    reconcile({ runId, mode, onProgress: (progress) => events.push({ at: performance.now(), progress }) }, world.runtime),
  );
  if (report.status !== 'complete') throw new Error(`bench: reconciliation ${runId} incomplete: ${report.reason ?? 'no reason given'}`);
  const traffic = world.transport.traffic();
  const firstTarget = events.find((e) => e.progress.phase === 'target')?.at ?? started + ms;
  const pages = events.filter((e) => e.progress.phase === 'umapi').length;
  const imsCounts = flatten(await countsOf(world, 'ims'));
  const at = (targetId: string, done: boolean): number | undefined =>
    events.find((e) => e.progress.phase === 'target' && e.progress.targetId === targetId && (e.progress.step === 'reading') !== done)?.at;

  const targets: TargetPlanStats[] = [];
  for (const t of report.targets) {
    const binding = world.runtime.targets.find((b) => b.config.id === t.targetId);
    if (binding === undefined) throw new Error(`bench: no binding for ${t.targetId}`);
    const readingAt = at(t.targetId, false) ?? started;
    const doneAt = at(t.targetId, true) ?? started + ms;
    const index = report.targets.indexOf(t);
    const next = report.targets[index + 1];
    const nextAt = (next === undefined ? undefined : at(next.targetId, false)) ?? started + ms;
    // In apply mode the fan-out follows "planned": the last answer still bounds the read.
    const lastAnswer = Math.min(doneAt, Math.max(readingAt, traffic[t.targetId]?.lastAnswerAt ?? readingAt));
    const callsByEndpoint = flatten(await countsOf(world, t.targetId));
    const calls = sum(callsByEndpoint);
    // The same candidates as reconcile: org names, and for AEM the IMS groups already in the instance.
    const inTarget = world.summary.aem.find((a) => a.targetId === t.targetId)?.imsGroups ?? [];
    const managedGroups = managedGroupsFor(binding.config, [...world.summary.orgGroups, ...inTarget]).size;
    const size = t.plan ? sliceSize(t.plan) : NO_SIZE;
    targets.push({
      targetId: t.targetId,
      kind: binding.config.kind,
      status: t.status,
      readMs: round(lastAnswer - readingAt),
      planMs: round(doneAt - lastAnswer),
      recordMs: round(nextAt - doneAt),
      managedGroups,
      unknownGroups: t.plan?.unknownGroups.length ?? 0,
      calls,
      callsByEndpoint,
      responseBytes: traffic[t.targetId]?.responseBytes ?? 0,
      largestAnswerBytes: traffic[t.targetId]?.maxResponseBytes ?? 0,
      callsPerGroup: round(calls / Math.max(1, managedGroups), 2),
      callsPer1kUsers: round((calls / Math.max(1, options.users)) * 1000, 3),
      adds: size.adds,
      removes: size.removes + size.disable,
      wiring: size.wiring,
      changedGroups: t.plan ? changedGroups(t.plan) : 0,
      deferred: t.plan?.deferred.length ?? 0,
      untouched: t.plan?.untouched.length ?? 0,
      ...(t.error !== undefined ? { error: t.error } : {}),
    });
  }
  const userPages = imsCounts['GET users'] ?? pages;
  const groupPages = imsCounts['GET groups'] ?? 0;
  return {
    report,
    totalMs: round(ms),
    umapi: {
      ms: round(firstTarget - started),
      pages,
      usersRead: report.usersRead,
      callsByEndpoint: imsCounts,
      responseBytes: traffic.ims?.responseBytes ?? 0,
      largestAnswerBytes: traffic.ims?.maxResponseBytes ?? 0,
      minutesAtRealLimits: round(Math.max(userPages / UMAPI_USERS_PER_MINUTE, groupPages / UMAPI_GROUPS_PER_MINUTE), 2),
    },
    targets,
  };
}

const changedGroups = (plan: TargetPlan): number => plan.changes.filter((c) => c.add.length + c.remove.length > 0).length;
const withoutReport = ({ report: _report, ...stats }: PlanStats & { report: ReconcileReport }): PlanStats => stats;

async function measureApply(world: World, options: BenchOptions, phase: Phase): Promise<ApplyStats> {
  world.queue.sent.length = 0;
  const storeBefore = { ...world.storeCalls };
  const reconciled = await phase('reconcile in mode apply', () => measureReconcile(world, options, 'bench-apply', 'apply'));
  const { report } = reconciled;
  const messages = [...world.queue.sent];
  await resetCounts(world);
  const failures: string[] = [];
  const outcomes = new Map<string, { applied: number; failed: number }>();
  const { ms: applyMs } = await phase(`workers (${options.workers} at once)`, () =>
    timed(() =>
    mapLimit(messages, options.workers, async (message) => {
      try {
        const work = await applyWork(message, world.runtime);
        for (const t of work.targets) {
          if (t.status !== 'applied') continue;
          const entry = outcomes.get(t.targetId) ?? { applied: 0, failed: 0 };
          entry.applied += t.outcome.applied.length;
          entry.failed += t.outcome.failed.length;
          outcomes.set(t.targetId, entry);
        }
      } catch (error) {
        failures.push(error instanceof WorkFailedError ? `${message.id}: ${error.message}` : `${message.id}: ${String(error)}`);
      }
    }),
    ),
  );

  const targets: TargetApplyStats[] = [];
  for (const t of report.targets) {
    const kind = world.runtime.targets.find((b) => b.config.id === t.targetId)?.config.kind ?? 'aem';
    const counts = await countsOf(world, t.targetId);
    const writesByEndpoint = flatten(counts, 'write');
    const writes = sum(writesByEndpoint);
    const changed = t.plan ? changedGroups(t.plan) : 0;
    const wiringParents = new Set(t.plan?.wiring.flatMap((w) => w.memberOf.map((p) => p.toLowerCase())) ?? []).size;
    const size = t.plan ? sliceSize(t.plan) : NO_SIZE;
    targets.push({
      targetId: t.targetId,
      kind,
      messages: messages.filter((m) => m.kind === 'reconcile' && m.targetId === t.targetId).length,
      changedGroups: changed,
      wiringParents,
      membershipChanges: size.adds + size.removes,
      writes,
      writesByEndpoint,
      callsByEndpoint: flatten(counts),
      writesPerChangedGroup: round(writes / Math.max(1, changed + wiringParents), 2),
      applied: outcomes.get(t.targetId)?.applied ?? 0,
      failed: outcomes.get(t.targetId)?.failed ?? 0,
    });
  }
  const storeCalls: Counts = {};
  for (const [key, n] of Object.entries(world.storeCalls)) {
    const delta = n - (storeBefore[key] ?? 0);
    if (delta > 0) storeCalls[key] = delta;
  }
  return {
    reconcile: withoutReport(reconciled),
    applyMs: round(applyMs),
    messages: messages.length,
    failedMessages: failures.length,
    failures: failures.slice(0, 5),
    targets,
    storeCalls,
  };
}

async function measureSecondPlan(world: World, options: BenchOptions): Promise<SecondPlanStats> {
  const measured = await measureReconcile(world, options, 'bench-second-plan', 'plan');
  const targets = measured.report.targets.map((t) => {
    const size = t.plan ? sliceSize(t.plan) : NO_SIZE;
    return { targetId: t.targetId, status: t.status, ...size, deferred: t.plan?.deferred.length ?? 0 };
  });
  return { plan: withoutReport(measured), empty: targets.every((t) => t.status === 'nothing-to-do'), targets };
}
