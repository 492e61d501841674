/**
 * `npm run bench`: with `--scenario <name>` or `--all`, the scenarios of bench/scenarios/ (figures,
 * floors, ratios, bench/results.json); otherwise the reconcile tables of bench/reconcile.ts, as before.
 * See docs/benchmarks.md.
 */
// The AWS SDK warns under Node 20 that its 2027 releases need Node 22 (as vitest.config.ts notes); the figures do not need it.
process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';

import { main as reconcileTables } from './reconcile.js';
import { parseScenarioArgs, runScenarios, scenarioUsage, UsageError } from './scenarios/cli.js';
import { SCENARIOS } from './scenarios/index.js';

const argv = process.argv.slice(2);
if (argv.includes('--help') || argv.includes('-h')) {
  process.stdout.write(`${scenarioUsage(SCENARIOS)}\n\nthe reconcile tables (no --scenario):\n`);
  await reconcileTables(['--help']);
} else if (argv.includes('--scenario') || argv.includes('--all') || argv.includes('--scenarios')) {
  try {
    const parsed = parseScenarioArgs(argv, SCENARIOS);
    if (parsed.kind === 'help') {
      process.stdout.write(`${scenarioUsage(SCENARIOS)}\n`);
    } else {
      const failures = await runScenarios(parsed, (text) => process.stdout.write(text), (line) => process.stderr.write(`${line}\n`));
      if (failures > 0) process.exitCode = 1;
    }
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${scenarioUsage(SCENARIOS)}\n`);
    process.exitCode = 2;
  }
} else {
  await reconcileTables(argv);
}
