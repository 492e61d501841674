/**
 * What every benchmark scenario is: a name, its flags (each a size or a setting, with a default that
 * keeps `--all` within about 15 minutes on 2 cores), and a run that returns the figures it measured
 * and how each compares with its floor (the unavoidable cost).
 */

export interface FlagSpec {
  readonly default: number | readonly number[];
  /** The smallest value accepted (each value, for a list). */
  readonly min: number;
  readonly max?: number;
  readonly help: string;
}

export type FlagValues = Readonly<Record<string, number | readonly number[]>>;

/** A figure written to bench/results.json: a number, or numbers by name (per function, per door...). */
export type Figure = number | boolean | string | Readonly<Record<string, number>>;

/** One figure set against its floor: `ratio` = value ÷ floor (1 would be perfect). */
export interface Comparison {
  readonly label: string;
  readonly value: number;
  readonly floor: number;
  readonly unit: string;
  /** What the floor is made of, in a few words. */
  readonly floorIs: string;
}

export interface ScenarioOutcome {
  readonly figures: Readonly<Record<string, Figure>>;
  readonly comparisons: readonly Comparison[];
  /** Lines printed after the comparisons (detail, warnings). */
  readonly notes: readonly string[];
}

export interface Scenario {
  readonly name: string;
  readonly summary: string;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  run(flags: FlagValues, log: (line: string) => void): Promise<ScenarioOutcome>;
}

/** The value of a single-number flag (the parser guarantees its shape). */
export function num(flags: FlagValues, name: string): number {
  const value = flags[name];
  if (typeof value !== 'number') throw new Error(`bench: flag --${name} is not a single number`);
  return value;
}

export function list(flags: FlagValues, name: string): readonly number[] {
  const value = flags[name];
  if (typeof value === 'number') return [value];
  if (value === undefined) throw new Error(`bench: flag --${name} is missing`);
  return value;
}

/** The q-quantile (0..1) of values, nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
