/**
 * What the local stack counts, read from the memory metrics the three functions write to, and how
 * `npm start` prints it (the banner, the env block, the live line).
 */
import type { MetricName } from '../lib/observability/log.js';

export interface StackStats {
  /** Work messages accepted by the webhook (EventsAccepted). */
  readonly eventsIn: number;
  /** Deliveries refused: bad signature, invalid body, too large (EventsRejected). */
  readonly rejected: number;
  /** Changes applied, per target id (ChangesApplied). */
  readonly applied: Readonly<Record<string, number>>;
  /** Changes that failed, per target id (ChangesFailed). */
  readonly failed: Readonly<Record<string, number>>;
  /** Items deferred until a first login, per target id (Deferred). */
  readonly deferred: Readonly<Record<string, number>>;
  /** Records delayed because a system asked us to wait (ThrottleWaits). */
  readonly throttled: number;
  readonly reconcileRuns: number;
  /** Worker batches run by the poller. */
  readonly batches: number;
}

export interface MetricTotals {
  total(name: MetricName, dimensions?: Record<string, string>): number;
}

export function statsFrom(metrics: MetricTotals, targetIds: readonly string[], batches: number): StackStats {
  const perTarget = (name: MetricName): Record<string, number> =>
    Object.fromEntries(targetIds.map((target) => [target, metrics.total(name, { target })]));
  return {
    eventsIn: metrics.total('EventsAccepted'),
    rejected: metrics.total('EventsRejected'),
    applied: perTarget('ChangesApplied'),
    failed: perTarget('ChangesFailed'),
    deferred: perTarget('Deferred'),
    throttled: metrics.total('ThrottleWaits'),
    reconcileRuns: metrics.total('ReconcileRuns'),
    batches,
  };
}

const sum = (values: Readonly<Record<string, number>>): number => Object.values(values).reduce((a, b) => a + b, 0);

/** What the summary reads from the stack's stores rather than its metrics. */
export interface StoreCounts {
  readonly dlqDepth: number | 'unknown';
  /** Reconciliation runs recorded in the table, counted as `ims-sync status` counts them (countRuns). */
  readonly runs: number | 'unknown';
}

/** One line: `events in 3 · applied acme-prod-author 4, … · deferred 2 · throttled 0 · rejected 0 · runs 1 · DLQ 0`. */
export function summaryLine(stats: StackStats, { dlqDepth, runs }: StoreCounts): string {
  const applied = Object.entries(stats.applied).map(([t, n]) => `${t} ${n}`).join(', ');
  const failed = sum(stats.failed);
  return [
    `events in ${stats.eventsIn}`,
    `applied ${applied || '0'}`,
    `deferred ${sum(stats.deferred)}`,
    `throttled ${stats.throttled}`,
    `rejected ${stats.rejected}`,
    ...(failed > 0 ? [`failed ${failed}`] : []),
    `runs ${runs}`,
    `DLQ ${dlqDepth}`,
  ].join(' · ');
}

/** A table for a TTY: one row per target. */
export function summaryTable(stats: StackStats, { dlqDepth, runs }: StoreCounts): string[] {
  const targets = Object.keys(stats.applied);
  const width = Math.max(6, ...targets.map((t) => t.length));
  const row = (cells: readonly (string | number)[]): string =>
    `  ${String(cells[0]).padEnd(width)}  ${cells.slice(1).map((c) => String(c).padStart(8)).join('  ')}`;
  return [
    `  events in ${stats.eventsIn}   rejected ${stats.rejected}   throttled ${stats.throttled}   reconcile runs ${runs}   DLQ depth ${dlqDepth}`,
    row(['target', 'applied', 'failed', 'deferred']),
    ...targets.map((t) => row([t, stats.applied[t] ?? 0, stats.failed[t] ?? 0, stats.deferred[t] ?? 0])),
  ];
}

/** Lines in a box, for the banner. */
export function box(title: string, lines: readonly string[]): string {
  const width = Math.max(title.length + 2, ...lines.map((l) => l.length));
  const top = `┌─ ${title} ${'─'.repeat(Math.max(0, width - title.length - 1))}┐`;
  const body = lines.map((l) => `│ ${l.padEnd(width)} │`);
  return [top, ...body, `└${'─'.repeat(width + 2)}┘`].join('\n');
}

/** `export NAME='value'` lines, quoted for a POSIX shell. */
export function exportLines(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env).map(([name, value]) => `export ${name}='${value.replace(/'/g, `'\\''`)}'`);
}
