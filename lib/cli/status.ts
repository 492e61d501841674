/**
 * `ims-sync status`: queue and DLQ depth, the last reconciliation runs and their verdicts,
 * deferred items per target, removals awaiting approval, and the shared UMAPI budget. Each part is
 * read on its own: one that cannot be read is shown as unavailable (never as empty) and makes the
 * exit code 1, the others are still shown.
 */
import { ConfigError } from '../errors.js';
import { bucketRates, nextFreeInMs, promisedTurns } from '../ims/token-bucket.js';
import type { DeferredRecord, RunTargetRecord } from '../sync/ports.js';
import { expectPositionals, parseCommand } from './args.js';
import type { CliRuntime, RateBucketState } from './connect.js';
import type { Command } from './context.js';
import { latestDrift, renderDrift } from './drift-status.js';
import { EXIT } from './exit-codes.js';
import { isoTime, json, plural, table, time } from './format.js';

/** Run records shown; each run has one record per target. */
const RECENT_RUNS = 20;
/** Run records read: searched for removals still awaiting a decision, and counted as runs (as `npm start`'s summary does). */
export const RUN_RECORDS_READ = 200;

/** Reconciliation runs among run records (one record per target of a run), as status and the local stack's summary count them. */
export function countRuns(records: readonly Pick<RunTargetRecord, 'runId'>[]): number {
  return new Set(records.map((r) => r.runId)).size;
}

type Part<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const errorOf = (part: Part<unknown>): string => (part.ok ? '' : part.error);

async function read<T>(work: () => Promise<T>): Promise<Part<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    // A missing variable is a ConfigError, whose message spans lines: one line here.
    if (error instanceof ConfigError) return { ok: false, error: error.issues.join('; ') };
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

interface DeferredCount {
  readonly targetId: string;
  readonly users: number;
  readonly groups: number;
  readonly oldest: number;
}

export const statusCommand: Command = {
  name: 'status',
  summary: 'Queue and DLQ depth, recent runs, deferrals, held removals, UMAPI budget',
  help: `Usage: ims-sync status [--json]

Show the work queue and dead-letter queue depth, the last reconciliation runs with their guard
verdicts, the deferred items per target, the removals held by the guard and awaiting
\`ims-sync approve\`, the access-review findings per kind counted by each target's latest
reconciliation (\`ims-sync report\` says who), and the state of the shared UMAPI budget. A part that
cannot be read is shown as unavailable.

Options:
  --json          Print the status as JSON

Exit: 0 everything was read, 1 some part could not be read.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('status', args, { json: { type: 'boolean' } });
    expectPositionals('status', positionals, []);
    const world = await ctx.connect();
    const progress = ctx.progress(values.json === true);
    progress.update('Reading queues and state');
    const [queues, runs, deferred, throttle] = await Promise.all([
      read(() => world.deadLetters().depth()),
      read(() => world.sync.stores.runs.list(RUN_RECORDS_READ)),
      read(() => world.sync.stores.deferred.list()),
      readThrottle(world),
    ]).finally(() => progress.done());

    const recent = runs.ok ? runs.value.slice(0, RECENT_RUNS) : undefined;
    const holds = runs.ok ? runs.value.filter((r) => r.status === 'HELD') : undefined;
    const deferredCounts = deferred.ok ? countDeferred(deferred.value) : undefined;
    if (values.json === true) {
      ctx.out(
        json({
          queues: queues.ok ? queues.value : { unavailable: queues.error },
          runCount: runs.ok ? countRuns(runs.value) : null,
          runs: recent ? recent.map(withoutHeld) : { unavailable: errorOf(runs) },
          deferred: deferredCounts ? deferredCounts.map((c) => ({ ...c, oldest: isoTime(c.oldest) })) : { unavailable: errorOf(deferred) },
          holds: holds ? holds.map(withoutHeld) : { unavailable: errorOf(runs) },
          drift: runs.ok ? latestDrift(runs.value) : { unavailable: errorOf(runs) },
          umapiBudget: throttle,
        }),
      );
    } else {
      const sections = [
        `Queues (approximate):\n${queues.ok ? table(['queue', 'waiting', 'in flight'], [
          ['work', queues.value.queue.visible, queues.value.queue.inFlight],
          ...(queues.value.revocations ? [['revocations', queues.value.revocations.visible, queues.value.revocations.inFlight]] : []),
          ['dead-letter', queues.value.deadLetter.visible, queues.value.deadLetter.inFlight],
        ]) : unavailable(queues.error)}`,
        `Last reconciliation runs (newest first${runs.ok ? `; ${plural(countRuns(runs.value), 'run')} recorded, one row per target` : ''}):\n${recent ? renderRuns(recent) : unavailable(errorOf(runs))}`,
        `Deferred (retried by each reconciliation):\n${deferredCounts ? renderDeferred(deferredCounts) : unavailable(errorOf(deferred))}`,
        `Removals held by the guard, awaiting a decision:\n${holds ? renderHolds(holds) : unavailable(errorOf(runs))}`,
        `Access-review findings of the latest reconciliation:\n${runs.ok ? renderDrift(latestDrift(runs.value)) : unavailable(errorOf(runs))}`,
        `UMAPI budget (client ${world.sync.config.org.clientId}):\n${renderThrottle(throttle)}`,
      ];
      if (queues.ok && queues.value.deadLetter.visible > 0) sections.push('Dead letters are waiting: see them with `ims-sync replay`.');
      ctx.out(`${sections.join('\n\n')}\n`);
    }
    const failed = [queues, runs, deferred].filter((p): p is { ok: false; error: string } => !p.ok);
    for (const part of failed) ctx.err(`ims-sync status: a part could not be read: ${part.error}\n`);
    return failed.length > 0 ? EXIT.failed : EXIT.ok;
  },
};

const unavailable = (error: string): string => `  unavailable: ${error}`;

/** The held slice can be large: the JSON status names the run, `plan`/`approve` deal with the rest. Times in ISO 8601. */
function withoutHeld(record: RunTargetRecord) {
  const { held: _held, startedAt, snapshotAt, ...rest } = record;
  return { ...rest, startedAt: isoTime(startedAt), ...(snapshotAt !== undefined ? { snapshotAt: isoTime(snapshotAt) } : {}) };
}

function renderRuns(runs: readonly RunTargetRecord[]): string {
  if (runs.length === 0) return '  No reconciliation has run yet.';
  return table(
    ['started', 'run', 'target', 'status', 'adds', 'removes', 'wiring', 'deferred', 'guard'],
    runs.map((r) => [time(r.startedAt), r.runId, r.targetId, r.status, r.counts.adds, r.counts.removes, r.counts.wiring, r.counts.deferred, r.verdict?.verdict ?? (r.reason ? `- (${r.reason})` : '-')]),
  );
}

function countDeferred(records: readonly DeferredRecord[]): DeferredCount[] {
  const byTarget = new Map<string, { users: number; groups: number; oldest: number }>();
  for (const record of records) {
    const entry = byTarget.get(record.targetId) ?? { users: 0, groups: 0, oldest: record.since };
    if (record.kind === 'user') entry.users += 1;
    else entry.groups += 1;
    entry.oldest = Math.min(entry.oldest, record.since);
    byTarget.set(record.targetId, entry);
  }
  return [...byTarget.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([targetId, c]) => ({ targetId, ...c }));
}

function renderDeferred(counts: readonly DeferredCount[]): string {
  if (counts.length === 0) return '  Nothing deferred.';
  return table(['target', 'users', 'groups', 'oldest since'], counts.map((c) => [c.targetId, c.users, c.groups, time(c.oldest)]));
}

function renderHolds(holds: readonly RunTargetRecord[]): string {
  if (holds.length === 0) return '  None.';
  const rows = holds.map((h) => [h.runId, h.targetId, time(h.startedAt), h.verdict?.removals ?? h.counts.removes, h.verdict?.reason ?? '']);
  return `${table(['run', 'target', 'started', 'removals', 'reason'], rows)}\n  Decide with \`ims-sync approve <run> --target <id>\` or \`ims-sync reject <run> --target <id>\`.`;
}

interface ThrottleView {
  readonly perMinute: { readonly users: number; readonly groups: number };
  /** Share of each minute a reconciliation's full org read may use; the rest is kept for event work. */
  readonly reconcileShare: number;
  readonly buckets?: readonly BudgetBucketView[];
  readonly note?: string;
}

/** One bucket as an operator reads it: its rate, when a new request could go, and how many wait. */
interface BudgetBucketView extends Omit<RateBucketState, 'updatedAt'> {
  readonly perMinute: number;
  readonly nextFreeInMs: number;
  readonly waiting: number;
  readonly updatedAt: string;
}

async function readThrottle(world: CliRuntime): Promise<ThrottleView> {
  const { usersPerMinute, groupsPerMinute, reconcileShare } = world.sync.config.org.rateLimit;
  const perMinute = { users: usersPerMinute, groups: groupsPerMinute };
  if (world.rateBuckets === undefined) {
    return { perMinute, reconcileShare, note: 'the current bucket state is not available from this runtime' };
  }
  const buckets = await read(world.rateBuckets);
  if (!buckets.ok) return { perMinute, reconcileShare, note: `the buckets could not be read: ${buckets.error}` };
  const now = world.sync.clock.now();
  const view = (b: RateBucketState): BudgetBucketView => {
    const limit = b.family === 'groups' ? groupsPerMinute : usersPerMinute;
    const rate = bucketRates(limit, reconcileShare)[b.bucket];
    return { ...b, perMinute: rate.perMs * 60_000, nextFreeInMs: nextFreeInMs(b, rate, now), waiting: promisedTurns(b, rate, now), updatedAt: isoTime(b.updatedAt) };
  };
  return { perMinute, reconcileShare, buckets: buckets.value.map(view) };
}

function renderThrottle(view: ThrottleView): string {
  const percent = (share: number) => `${Math.round(share * 100)}%`;
  const lines = [
    `  Configured: ${view.perMinute.users} user reads and ${view.perMinute.groups} group reads a minute, shared by every function and this CLI.`,
    `  A reconciliation's (or plan's) full org read may use ${percent(view.reconcileShare)} of them; ${percent(1 - view.reconcileShare)} is kept for event work, which never waits behind its pages.`,
    '  Each bucket lets one request go per slot at its rate; "waiting" are requests already promised to callers',
    '  waiting their turn. A wait longer than 10 s (a minute for the CLI) is not held: the work waits in the queue instead.',
  ];
  if (view.buckets !== undefined) {
    const budget = (b: BudgetBucketView) => (b.bucket === 'shared' ? 'everyone (events and reconciliation)' : `reconciliation's share (${percent(view.reconcileShare)})`);
    const slot = (ms: number) => (ms <= 0 ? 'now' : `in ${(ms / 1000).toFixed(1)} s`);
    lines.push(
      view.buckets.length === 0
        ? '  No request made yet: the buckets are full (a request may go now).'
        : table(
            ['reads', 'budget', 'per minute', 'next free slot', 'waiting', 'last taken'],
            view.buckets.map((b) => [b.family, budget(b), +b.perMinute.toFixed(2), slot(b.nextFreeInMs), b.waiting, b.updatedAt.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')]),
          ),
    );
  }
  if (view.note !== undefined) lines.push(`  Note: ${view.note}.`);
  return lines.join('\n');
}
