/**
 * `reconcile`: the reconcile bench (bench/reconcile.ts) at several org sizes, each in a fresh
 * process so that its peak RSS is its own. Figures: end-to-end seconds per size (reconcile in mode
 * apply + every work message applied), how time grows from 10k to 100k, peak RSS at 100k, UMAPI
 * requests over their floor, writes over changed groups, and whether the targets were read at once.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchResult } from '../run.js';
import { list, num, round, type Comparison, type Scenario } from './types.js';

const run = promisify(execFile);
const RECONCILE_SCRIPT = fileURLToPath(new URL('../reconcile.ts', import.meta.url));
const PROJECT = fileURLToPath(new URL('../..', import.meta.url));

async function benchAt(users: number, pageSize: number): Promise<BenchResult> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', RECONCILE_SCRIPT, '--users', String(users), '--seed', '1', '--aem', '2', '--campaign', '1', '--page-size', String(pageSize), '--json'],
    { cwd: PROJECT, maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000 },
  );
  return JSON.parse(stdout) as BenchResult;
}

const sumOf = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

export interface SizeFigures {
  users: number;
  seconds: number;
  planSeconds: number;
  peakRssMb: number;
  umapiCalls: number;
  umapiFloor: number;
  writes: number;
  changedGroups: number;
  /** Σ per-target (read + plan) ÷ the wall time of the target phase: 1 = one after another, N = all N at once. */
  targetOverlap: number;
  secondPlanEmpty: boolean;
}

export function figuresOf(result: BenchResult): SizeFigures {
  const { plan, apply } = result;
  const users = result.org.users;
  const userPages = Math.ceil(users / result.options.pageSize);
  const groupPages = Math.ceil(result.org.orgGroups / result.options.pageSize);
  const targetPhaseMs = plan.totalMs - plan.umapi.ms;
  return {
    users,
    seconds: round(((apply?.reconcile.totalMs ?? plan.totalMs) + (apply?.applyMs ?? 0)) / 1000, 2),
    planSeconds: round(plan.totalMs / 1000, 2),
    peakRssMb: result.memory.peakRssMb,
    umapiCalls: sumOf(Object.values(plan.umapi.callsByEndpoint)),
    umapiFloor: userPages + groupPages + 1,
    writes: sumOf((apply?.targets ?? []).map((t) => t.writes)),
    changedGroups: sumOf((apply?.targets ?? []).map((t) => t.changedGroups + t.wiringParents)),
    targetOverlap: round(sumOf(plan.targets.map((t) => t.readMs + t.planMs)) / Math.max(1, targetPhaseMs), 2),
    secondPlanEmpty: result.second?.empty ?? false,
  };
}

export const reconcileScenario: Scenario = {
  name: 'reconcile',
  summary: 'full reconciliation (plan, apply, second plan) of generated orgs, 2 AEM + 1 Campaign, simulators unlimited',
  flags: {
    sizes: { default: [1000, 10_000, 100_000], min: 100, max: 1_000_000, help: 'org sizes in users, comma-separated' },
    'page-size': { default: 2000, min: 1, max: 10_000, help: 'UMAPI users a page' },
  },
  async run(flags, log) {
    const pageSize = num(flags, 'page-size');
    const bySize = new Map<number, SizeFigures>();
    for (const users of list(flags, 'sizes')) {
      log(`${users} users...`);
      const figures = figuresOf(await benchAt(users, pageSize));
      log(`${users} users: ${figures.seconds} s, peak RSS ${figures.peakRssMb} MB`);
      bySize.set(users, figures);
    }
    const sizes = [...bySize.values()];
    const largest = sizes[sizes.length - 1] as SizeFigures;
    const at10k = bySize.get(10_000);
    const at100k = bySize.get(100_000);
    const comparisons: Comparison[] = [];
    for (const s of sizes) {
      comparisons.push({ label: `UMAPI requests, ${s.users} users`, value: s.umapiCalls, floor: s.umapiFloor, unit: 'calls', floorIs: '⌈users/page⌉ + group pages + token' });
      comparisons.push({ label: `writes, ${s.users} users`, value: s.writes, floor: s.changedGroups, unit: 'writes', floorIs: 'one per changed group (wiring parents included)' });
    }
    if (at10k && at100k) {
      comparisons.push({ label: 'reconcile time 100k ÷ 10k', value: at100k.seconds / at10k.seconds, floor: 10, unit: '×', floorIs: 'linear in users (10×); below 1 on the ratio is sub-linear' });
    }
    const overlap = largest.targetOverlap;
    return {
      figures: {
        reconcileSeconds: Object.fromEntries(sizes.map((s) => [String(s.users), s.seconds])),
        planSeconds: Object.fromEntries(sizes.map((s) => [String(s.users), s.planSeconds])),
        ...(at10k && at100k ? { reconcile100kOver10k: round(at100k.seconds / at10k.seconds, 2) } : {}),
        ...(at100k ? { peakRssMb100k: at100k.peakRssMb } : {}),
        peakRssMb: Object.fromEntries(sizes.map((s) => [String(s.users), s.peakRssMb])),
        umapiCallsOverFloor: round(largest.umapiCalls / largest.umapiFloor, 2),
        writesOverChangedGroups: round(largest.writes / Math.max(1, largest.changedGroups), 2),
        targetReadOverlap: overlap,
        secondPlanEmpty: sizes.every((s) => s.secondPlanEmpty),
      },
      comparisons,
      notes: [
        `reconcileSeconds = reconcile in mode apply (UMAPI read, target reads, plan, fan-out) + its work messages applied 4 at once; simulators without latency or limits.`,
        `target reads at ${largest.users} users: Σ(read + plan per target) ÷ wall time of the target phase = ${overlap} ` +
          (overlap < 1.2 ? '→ the targets are reconciled ONE AFTER ANOTHER (lib/sync/reconcile.ts loops with await per binding)' : '→ the targets are reconciled concurrently'),
        ...sizes.filter((s) => !s.secondPlanEmpty).map((s) => `WARNING: the second plan at ${s.users} users was not empty`),
      ],
    };
  },
};
