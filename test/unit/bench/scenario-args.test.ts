/** The bench's scenario flags: each scenario's sizes are flags, and a wrong name or size says which flag. */
import { describe, expect, it } from 'vitest';
import { parseScenarioArgs, UsageError } from '../../../bench/scenarios/cli.js';
import type { Scenario } from '../../../bench/scenarios/types.js';
import { quantile } from '../../../bench/scenarios/types.js';

const idle = async () => ({ figures: {}, comparisons: [], notes: [] });
const scenarios: Scenario[] = [
  { name: 'revocation', summary: '', flags: { removals: { default: 500, min: 1, help: 'removals' }, users: { default: 20_000, min: 1000, help: 'org size' } }, run: idle },
  { name: 'reconcile', summary: '', flags: { sizes: { default: [1000, 10_000], min: 100, help: 'org sizes' } }, run: idle },
];

describe('bench scenario arguments', () => {
  it('runs one scenario with its defaults, and a given size overrides its default', () => {
    const parsed = parseScenarioArgs(['--scenario', 'revocation', '--removals', '50'], scenarios);

    expect(parsed).toMatchObject({ kind: 'run', write: true, runs: [{ scenario: { name: 'revocation' }, flags: { removals: 50, users: 20_000 } }] });
  });

  it('runs every scenario with --all, reads lists, and can leave results.json alone', () => {
    const parsed = parseScenarioArgs(['--all', '--sizes', '1000,100000', '--no-write'], scenarios);

    expect(parsed.kind === 'run' && parsed.runs.map((r) => [r.scenario.name, r.flags])).toEqual([
      ['revocation', { removals: 500, users: 20_000 }],
      ['reconcile', { sizes: [1000, 100_000] }],
    ]);
    expect(parsed).toMatchObject({ write: false });
  });

  it('names the scenarios when the name is wrong', () => {
    expect(() => parseScenarioArgs(['--scenario', 'revoke'], scenarios)).toThrow(UsageError);
    expect(() => parseScenarioArgs(['--scenario', 'revoke'], scenarios)).toThrow(/no scenario "revoke"; choose one of revocation, reconcile/);
  });

  it('names the flag when a size is wrong, too small, or belongs to another scenario', () => {
    expect(() => parseScenarioArgs(['--scenario', 'revocation', '--users', 'many'], scenarios)).toThrow(/--users must be a whole number >= 1000 \(org size\), got "many"/);
    expect(() => parseScenarioArgs(['--scenario', 'revocation', '--users', '10'], scenarios)).toThrow(/--users must be/);
    expect(() => parseScenarioArgs(['--scenario', 'reconcile', '--sizes', '1000,x'], scenarios)).toThrow(/--sizes must be a comma-separated list/);
    expect(() => parseScenarioArgs(['--scenario', 'reconcile', '--removals', '5'], scenarios)).toThrow(/--removals is a flag of revocation, not of reconcile/);
    expect(() => parseScenarioArgs(['--scenario', 'reconcile', '--bogus', '5'], scenarios)).toThrow(/unknown flag --bogus; reconcile takes --sizes/);
    expect(() => parseScenarioArgs(['--removals', '5'], scenarios)).toThrow(/give --scenario/);
  });

  it('takes percentiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);

    expect([quantile(values, 0.5), quantile(values, 0.99), quantile(values, 1)]).toEqual([50, 99, 100]);
  });
});
