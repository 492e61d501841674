/**
 * `npm run bench -- --scenario <name> [--<flag> <value>...]` and `npm run bench -- --all`: parses the
 * flags each scenario declares, runs the scenarios one after another, prints each figure with its
 * floor and ratio, and merges each scenario's row into bench/results.json.
 */
import { currentCommit, machineInfo, mergeResult } from '../results.js';
import type { Comparison, FlagSpec, FlagValues, Scenario, ScenarioOutcome } from './types.js';

export interface ScenarioRun {
  readonly scenario: Scenario;
  readonly flags: FlagValues;
}

export type ParsedScenarioArgs = { readonly kind: 'run'; readonly runs: readonly ScenarioRun[]; readonly write: boolean } | { readonly kind: 'help' };

export class UsageError extends Error {}

function parseValue(name: string, raw: string | undefined, spec: FlagSpec): number | readonly number[] {
  if (raw === undefined || raw.startsWith('--')) throw new UsageError(`--${name} needs a value (${spec.help})`);
  const isList = Array.isArray(spec.default);
  const parts = isList ? raw.split(',') : [raw];
  const values = parts.map((part) => {
    const n = Number(part.trim().replace(/_/g, ''));
    if (part.trim() === '' || !Number.isFinite(n) || !Number.isInteger(n) || n < spec.min || (spec.max !== undefined && n > spec.max)) {
      const range = spec.max === undefined ? `>= ${spec.min}` : `${spec.min}..${spec.max}`;
      throw new UsageError(`--${name} must be ${isList ? 'a comma-separated list of whole numbers' : 'a whole number'} ${range} (${spec.help}), got "${raw}"`);
    }
    return n;
  });
  return isList ? values : (values[0] as number);
}

/** Reads `--scenario <name>` / `--all`, `--no-write`, and each scenario's own flags. */
export function parseScenarioArgs(argv: readonly string[], scenarios: readonly Scenario[]): ParsedScenarioArgs {
  const names = scenarios.map((s) => s.name);
  let selected: Scenario[] | undefined;
  let write = true;
  const given = new Map<string, string | undefined>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') return { kind: 'help' };
    if (arg === '--all') {
      selected = [...scenarios];
    } else if (arg === '--no-write') {
      write = false;
    } else if (arg === '--scenario') {
      const name = argv[i + 1];
      i += 1;
      const found = scenarios.find((s) => s.name === name);
      if (found === undefined) throw new UsageError(`--scenario: no scenario "${name ?? ''}"; choose one of ${names.join(', ')} (or --all)`);
      selected = [...(selected ?? []), found];
    } else if (arg.startsWith('--')) {
      const [flag, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      given.set(flag, inline ?? argv[i + 1]);
      if (inline === undefined) i += 1;
    } else {
      throw new UsageError(`unexpected argument "${arg}": flags start with --`);
    }
  }
  if (selected === undefined) throw new UsageError(`give --scenario <${names.join('|')}> or --all`);
  for (const flag of given.keys()) {
    if (!selected.some((s) => flag in s.flags)) {
      const owners = scenarios.filter((s) => flag in s.flags).map((s) => s.name);
      throw new UsageError(
        owners.length > 0
          ? `--${flag} is a flag of ${owners.join(', ')}, not of ${selected.map((s) => s.name).join(', ')}`
          : `unknown flag --${flag}; ${selected.map((s) => `${s.name} takes ${Object.keys(s.flags).map((f) => `--${f}`).join(', ') || 'no flags'}`).join('; ')}`,
      );
    }
  }
  const runs = selected.map((scenario) => {
    const flags: Record<string, number | readonly number[]> = {};
    for (const [name, spec] of Object.entries(scenario.flags)) flags[name] = given.has(name) ? parseValue(name, given.get(name), spec) : spec.default;
    return { scenario, flags };
  });
  return { kind: 'run', runs, write };
}

export function scenarioUsage(scenarios: readonly Scenario[]): string {
  const lines = [
    'usage: npm run bench -- --scenario <name> [flags]     one scenario (repeat --scenario for several)',
    '       npm run bench -- --all [flags]                 every scenario at its default sizes (about 15 min on 2 cores)',
    '       npm run bench -- [--users N ...]               the reconcile tables (bench/reconcile.ts; --help there)',
    '       add --no-write to leave bench/results.json as it is',
    '',
    'scenarios:',
  ];
  for (const s of scenarios) {
    lines.push(`  ${s.name.padEnd(11)} ${s.summary}`);
    for (const [name, spec] of Object.entries(s.flags)) {
      const value = Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
      lines.push(`      --${name.padEnd(14)} ${spec.help} (default ${value})`);
    }
  }
  return lines.join('\n');
}

const fmt = (n: number): string => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100));

export function formatComparison(c: Comparison): string {
  const ratio = c.floor > 0 ? `${fmt(c.value / c.floor)}×` : 'n/a';
  return `  ${c.label.padEnd(44)} ${`${fmt(c.value)} ${c.unit}`.padStart(14)}   floor ${`${fmt(c.floor)} ${c.unit}`.padStart(12)}   ratio ${ratio.padStart(8)}   (floor: ${c.floorIs})`;
}

export function formatOutcome(name: string, outcome: ScenarioOutcome, seconds: number): string {
  const lines = [`== ${name} (${fmt(seconds)} s)`, ...outcome.comparisons.map(formatComparison)];
  for (const note of outcome.notes) lines.push(`  ${note}`);
  lines.push(`  figures: ${JSON.stringify(outcome.figures)}`);
  return lines.join('\n');
}

export async function runScenarios(parsed: Extract<ParsedScenarioArgs, { kind: 'run' }>, out: (text: string) => void, log: (line: string) => void): Promise<number> {
  let failures = 0;
  const commit = currentCommit();
  for (const { scenario, flags } of parsed.runs) {
    log(`bench: ${scenario.name} ${JSON.stringify(flags)}`);
    const started = performance.now();
    try {
      const outcome = await scenario.run(flags, (line) => log(`  [${scenario.name}] ${line}`));
      const seconds = (performance.now() - started) / 1000;
      out(`${formatOutcome(scenario.name, outcome, seconds)}\n`);
      if (parsed.write) {
        await mergeResult(scenario.name, { commit, date: new Date().toISOString(), machine: machineInfo(), flags, seconds: Math.round(seconds), figures: outcome.figures });
      }
    } catch (error) {
      failures += 1;
      out(`== ${scenario.name}: FAILED — ${error instanceof Error ? error.message : String(error)}\n`);
      if (error instanceof Error && error.stack) log(error.stack);
    }
  }
  return failures;
}
