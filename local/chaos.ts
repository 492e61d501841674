/**
 * `npm run chaos` — the chaos run (docs/chaos.md): a table on a terminal, one JSON object with
 * `--json`; progress on stderr; exit 0 only when every check holds.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_CHAOS_OPTIONS, runChaos, SMALL_CHAOS_OPTIONS, type ChaosOptions, type ChaosReport } from './chaos/run.js';

// As vitest.config.ts does: the SDK's notice about its 2027 releases needing Node 22 would be
// printed by this process and by every worker process it starts (they inherit the environment).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const FLAGS = {
  users: 'users',
  seed: 'seed',
  aem: 'aem',
  events: 'events',
  duplicates: 'duplicateShare',
  'hot-users': 'hotUsers',
  window: 'windowSize',
  burst: 'burstSize',
  'send-seconds': 'sendSeconds',
  'fault-tail': 'faultTailSeconds',
  'umapi-per-minute': 'umapiPerMinute',
  concurrency: 'targetConcurrency',
  'timeout-ms': 'targetTimeoutMs',
  'error-rate': 'errorRate',
  'hang-rate': 'hangRate',
  'outage-seconds': 'outageSeconds',
  'umapi-429': 'umapi429Every5s',
  'visibility-timeout': 'visibilityTimeoutSeconds',
  'drain-timeout': 'drainTimeoutSeconds',
} as const satisfies Record<string, keyof Omit<ChaosOptions, 'progress'>>;

/** Bounds the run needs (the configuration schema caps UMAPI's budget at 100 a minute). */
const BOUNDS: Partial<Record<keyof Omit<ChaosOptions, 'progress'>, [number, number]>> = {
  users: [10, 1_000_000],
  aem: [1, 20],
  events: [1, 1_000_000],
  duplicateShare: [0, 0.9],
  hotUsers: [1, 1_000_000],
  windowSize: [1, 10_000],
  burstSize: [1, 10_000],
  umapiPerMinute: [1, 100],
  targetConcurrency: [1, 64],
  targetTimeoutMs: [100, 120_000],
  errorRate: [0, 1],
  hangRate: [0, 1],
};

const HELP = `npm run chaos [-- options]   the chaos run on the local stack (docs/chaos.md)

  --json                 print one JSON object on stdout (progress stays on stderr)
  --small                the small variant npm test runs (${SMALL_CHAOS_OPTIONS.users} users, ${SMALL_CHAOS_OPTIONS.events} events)
${Object.entries(FLAGS)
  .map(([flag, key]) => `  --${flag.padEnd(20)} default ${String(DEFAULT_CHAOS_OPTIONS[key])}`)
  .join('\n')}
Exit code: 0 when every check holds, 1 when one fails, 64 for a usage error.`;

function parse(): { options: ChaosOptions; json: boolean } | undefined {
  const { values } = parseArgs({
    options: {
      json: { type: 'boolean', default: false },
      small: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
      ...Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
    },
  });
  if (values.help === true) {
    process.stdout.write(`${HELP}\n`);
    return undefined;
  }
  const base = values.small === true ? SMALL_CHAOS_OPTIONS : DEFAULT_CHAOS_OPTIONS;
  const options: Record<string, unknown> = { ...base };
  for (const [flag, key] of Object.entries(FLAGS)) {
    const raw = (values as Record<string, unknown>)[flag];
    if (raw === undefined) continue;
    const value = Number(raw);
    const [min, max] = BOUNDS[key] ?? [0, Number.MAX_SAFE_INTEGER];
    if (!Number.isFinite(value) || value < min || value > max) throw new UsageError(`--${flag} must be a number from ${min} to ${max}, got "${String(raw)}"`);
    options[key] = value;
  }
  const progress = (line: string): void => void process.stderr.write(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  return { options: { ...(options as Omit<ChaosOptions, 'progress'>), progress }, json: values.json === true };
}

class UsageError extends Error {}

function table(report: ChaosReport): string {
  const rows: [string, string][] = [
    ['events (deliveries)', `${report.events} (${report.distinctEvents} distinct, ${report.duplicates} duplicates, ${report.cancellingPairs} cancelling pairs, ${report.usersRemovedFromOrg} users removed, ${report.bursts} bursts)`],
    ['doors', `adobe-io ${report.doors.adobeIo}, generic ${report.doors.generic}; sender retries ${report.webhookRetries}`],
    ['faults', Object.entries(report.faults).map(([k, v]) => `${k} ${v}`).join(', ')],
    ['users converged', `${report.convergedUsers}/${report.users}`],
    ['lost (before reconcile)', String(report.lost)],
    ['writes / minimum', `${report.writes} / ${report.minimumWrites}`],
    ['UMAPI', `${report.umapiLimitBreaches} limit breaches, busiest minute ${report.umapiPeakPerMinute}`],
    ['wrong changes', String(report.wrongChanges)],
    ['dead letters', `${report.dlqParked} parked, ${report.dlqReplayed} replayed, ${report.dlqLeft} left; poison: ${report.poisonParked ?? 'not found'}`],
    ['worker batches', String(report.workerBatches)],
    ['drain after faults', `${report.drainSeconds.toFixed(0)} s`],
    ['total', `${report.seconds} s`],
  ];
  const targets = Object.entries(report.targets).map(
    ([id, t]) => `  ${id.padEnd(18)} writes ${String(t.writes).padStart(5)} / min ${String(t.minimumWrites).padStart(5)}  attempts ${String(t.writeAttempts).padStart(5)}  calls ${String(t.calls).padStart(6)}  faulted ${String(t.faulted).padStart(5)}  peak in flight ${t.peakInFlight}  differ before/after reconcile ${t.divergentBeforeReconcile}/${t.divergentAtEnd}`,
  );
  const checks = report.checks.map((c) => `  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(38)} ${c.detail}`);
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    '',
    'per target:',
    ...targets,
    '',
    'checks:',
    ...checks,
    '',
    `VERDICT: ${report.ok ? 'PASS' : 'FAIL'} — ${report.checks.filter((c) => c.ok).length}/${report.checks.length} checks hold`,
  ].join('\n');
}

let parsed: ReturnType<typeof parse>;
try {
  parsed = parse();
} catch (error) {
  process.stderr.write(`chaos: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}\n`);
  process.exit(64);
}
if (parsed !== undefined) {
  const report = await runChaos(parsed.options);
  process.stdout.write(parsed.json ? `${JSON.stringify(report)}\n` : `${table(report)}\n`);
  process.exit(report.ok ? 0 : 1);
}
