/**
 * `npm run bench -- --users 100000 --seed 1 --aem 2 --campaign 1 --page-size 2000 [--json]`
 *
 * Reconciliation at scale against the local simulators: prints wall time per phase, memory, calls
 * by endpoint and system, and what planning and applying cost per group. See docs/benchmarks.md.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { formatReport } from './report.js';
import { DEFAULT_BENCH_OPTIONS, runBench, type BenchOptions } from './run.js';

const USAGE = `usage: tsx bench/reconcile.ts [--users N] [--seed N] [--aem N] [--campaign N] [--page-size N]
                              [--workers N] [--rps N] [--concurrency N] [--real-umapi-limits] [--plan-only] [--json]
  --users        org size (default ${DEFAULT_BENCH_OPTIONS.users})
  --seed         generator seed (default ${DEFAULT_BENCH_OPTIONS.seed})
  --aem          AEM instances (default ${DEFAULT_BENCH_OPTIONS.aem})
  --campaign     Campaign instances (default ${DEFAULT_BENCH_OPTIONS.campaign})
  --page-size    UMAPI users a page (default ${DEFAULT_BENCH_OPTIONS.pageSize}, as UMAPI)
  --workers      work messages applied at once (default ${DEFAULT_BENCH_OPTIONS.workers})
  --rps, --concurrency   each target's configured limits (default ${DEFAULT_BENCH_OPTIONS.targetLimits.requestsPerSecond}, ${DEFAULT_BENCH_OPTIONS.targetLimits.concurrency})
  --real-umapi-limits   UMAPI simulator and limiter at Adobe's 25/5 a minute (slow: ~2.4 s a page past 25)
  --plan-only    stop after the first plan
  --json         print the result as JSON instead of tables`;

function count(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number >= ${min}, got "${value}"`);
  return n;
}

export function parseBenchArgs(argv: readonly string[]): { options: BenchOptions; json: boolean; apply: boolean } | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      users: { type: 'string' },
      seed: { type: 'string' },
      aem: { type: 'string' },
      campaign: { type: 'string' },
      'page-size': { type: 'string' },
      workers: { type: 'string' },
      rps: { type: 'string' },
      concurrency: { type: 'string' },
      'plan-only': { type: 'boolean', default: false },
      'real-umapi-limits': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const d = DEFAULT_BENCH_OPTIONS;
  const options: BenchOptions = {
    users: count(values.users, 'users', d.users, 1),
    seed: count(values.seed, 'seed', d.seed, 0),
    aem: count(values.aem, 'aem', d.aem, 0),
    campaign: count(values.campaign, 'campaign', d.campaign, 0),
    pageSize: count(values['page-size'], 'page-size', d.pageSize, 1),
    realUmapiLimits: values['real-umapi-limits'],
    workers: count(values.workers, 'workers', d.workers, 1),
    targetLimits: {
      requestsPerSecond: count(values.rps, 'rps', d.targetLimits.requestsPerSecond, 1),
      concurrency: count(values.concurrency, 'concurrency', d.targetLimits.concurrency, 1),
    },
  };
  if (options.aem + options.campaign === 0) throw new Error('--aem and --campaign cannot both be 0: the configuration needs a target');
  return { options, json: values.json, apply: !values['plan-only'] };
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  let parsed: ReturnType<typeof parseBenchArgs>;
  try {
    parsed = parseBenchArgs(argv);
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const result = await runBench(parsed.options, { apply: parsed.apply, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(parsed.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(result)}\n`);
  // A second plan that is not empty means apply left work undone: fail loudly for scripts.
  if (result.second && !result.second.empty) process.exitCode = 1;
}

// Run only as a script, so the test can import parseBenchArgs (and tsc checks this file through it).
const script = process.argv[1];
if (script !== undefined && import.meta.url === pathToFileURL(resolve(script)).href) await main();
