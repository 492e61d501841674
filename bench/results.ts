/**
 * bench/results.json: the latest figures of each scenario, one row per scenario, merged run after
 * run (a scenario's row is replaced, the others kept), each with the machine, commit and date it
 * was taken on.
 */
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Figure, FlagValues } from './scenarios/types.js';

export const RESULTS_PATH = fileURLToPath(new URL('./results.json', import.meta.url));

export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the scenario ended: how shared the machine was. */
  readonly loadAverage: number;
}

export interface ResultRow {
  readonly commit: string;
  readonly date: string;
  readonly machine: MachineInfo;
  readonly flags: FlagValues;
  readonly seconds: number;
  readonly figures: Readonly<Record<string, Figure>>;
}

export interface ResultsFile {
  readonly scenarios: Record<string, ResultRow>;
}

export function machineInfo(): MachineInfo {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpuModel: cores[0]?.model.trim() ?? 'unknown',
    memoryGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** The commit measured, with "+dirty" when the working tree has uncommitted changes. */
export function currentCommit(): string {
  const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    return `${git('rev-parse', '--short=12', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') === '' ? '' : '+dirty'}`;
  } catch {
    return 'unknown';
  }
}

export async function readResults(path = RESULTS_PATH): Promise<ResultsFile> {
  try {
    const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'scenarios' in parsed && typeof parsed.scenarios === 'object' && parsed.scenarios !== null) {
      return { scenarios: { ...(parsed.scenarios as Record<string, ResultRow>) } };
    }
  } catch (error) {
    if (!(error instanceof Error && 'code' in error && error.code === 'ENOENT')) throw error;
  }
  return { scenarios: {} };
}

/** Writes (or replaces) one scenario's row, keeping every other row. */
export async function mergeResult(name: string, row: ResultRow, path = RESULTS_PATH): Promise<void> {
  const file = await readResults(path);
  file.scenarios[name] = row;
  const sorted = Object.fromEntries(Object.entries(file.scenarios).sort(([a], [b]) => a.localeCompare(b)));
  await writeFile(path, `${JSON.stringify({ scenarios: sorted }, null, 2)}\n`);
}
