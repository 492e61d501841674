/** `ims-sync reconcile`: plan (default), or with `--apply` record the run and queue its work. */
import type { ReconcileReport } from '../sync/reconcile.js';
import { expectPositionals, parseCommand } from './args.js';
import type { Command, CommandContext } from './context.js';
import { EXIT, worst, type ExitCode } from './exit-codes.js';
import { json, table } from './format.js';
import { PLAN_OPTIONS, runReconcile, showPlan } from './plan.js';
import { sliceSize } from '../domain/guard.js';

export const reconcileCommand: Command = {
  name: 'reconcile',
  summary: 'Plan a reconciliation; with --apply, record it and queue its work for the worker',
  help: `Usage: ims-sync reconcile [--apply] [--target <id>]... [--json]

Without --apply, the same as \`ims-sync plan\`. With --apply, run a reconciliation as the schedule
does: record the run, and queue its work for the worker, which applies it in the background. A
target whose removals trip the guard is held: its adds and wiring are queued, its removals wait for
\`ims-sync approve <run>\`.

Options:
  --apply         Record the run and queue the work (default: dry run)
  --target <id>   Only this target (repeatable; default: every target)
  --json          Print the report as JSON

Exit: 0 nothing to do, 2 work queued, 3 removals held by the guard, 1 failed (without --apply: as
\`ims-sync plan\`).`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('reconcile', args, { ...PLAN_OPTIONS, apply: { type: 'boolean' } });
    expectPositionals('reconcile', positionals, []);
    const flags = { targets: values.target ?? [], json: values.json === true };
    if (values.apply !== true) return showPlan('reconcile', flags, ctx);
    const world = await ctx.connect();
    const report = await runReconcile('reconcile', world, 'apply', flags, ctx);
    if (flags.json) ctx.out(json(report));
    else ctx.out(renderApplied(report));
    return appliedExit(report, ctx);
  },
};

function renderApplied(report: ReconcileReport): string {
  if (report.status === 'incomplete') return `Reconciliation ${report.runId}: nothing planned, nothing queued.\n`;
  const rows = report.targets.map((t) => {
    const c = t.plan ? sliceSize(t.plan) : undefined;
    return [t.targetId, t.status, c?.adds, c ? c.removes + c.disable : undefined, c?.wiring, t.plan?.deferred.length, t.queuedMessages];
  });
  const lines = [
    `Reconciliation ${report.runId} recorded — IMS snapshot ${report.snapshotAt}. Its work is queued for the worker, which applies it in the background (follow with \`ims-sync status\`).`,
    ...(report.note ? [`Note: ${report.note}.`] : []),
    '',
    table(['target', 'status', 'adds', 'removes', 'wiring', 'deferred', 'messages'], rows),
  ];
  for (const t of report.targets) {
    if (t.status === 'held') {
      lines.push('', `Held: ${t.targetId} — ${t.verdict?.reason ?? 'too many removals'}. Its adds and wiring are queued; review the removals with \`ims-sync plan --target ${t.targetId}\`, then \`ims-sync approve ${report.runId} --target ${t.targetId}\` or \`ims-sync reject ${report.runId} --target ${t.targetId}\`.`);
    }
    if (t.status === 'failed') lines.push('', `Failed: ${t.targetId} — ${t.error ?? 'unknown error'}. Nothing was queued there.`);
  }
  return `${lines.join('\n')}\n`;
}

function appliedExit(report: ReconcileReport, ctx: CommandContext): ExitCode {
  if (report.status === 'incomplete') {
    ctx.err(`ims-sync reconcile failed: ${report.reason ?? 'the IMS read was incomplete'} — try again when UMAPI answers\n`);
    return EXIT.failed;
  }
  return worst(
    report.targets.map((t): ExitCode => {
      if (t.status === 'failed') {
        ctx.err(`ims-sync reconcile: target ${t.targetId} failed: ${t.error ?? 'unknown error'} — check that it is reachable, then run again\n`);
        return EXIT.failed;
      }
      if (t.status === 'held') return EXIT.held;
      return t.status === 'queued' ? EXIT.changes : EXIT.ok;
    }),
  );
}
