/** `ims-sync plan`: a full reconciliation in dry-run, shown per target. Changes nothing. */
import { reconcile, type ReconcileReport } from '../sync/reconcile.js';
import { checkTargets, expectPositionals, parseCommand } from './args.js';
import type { CliRuntime } from './connect.js';
import type { Command, CommandContext } from './context.js';
import { EXIT, worst, type ExitCode } from './exit-codes.js';
import { json, plural } from './format.js';
import { describeReconcileProgress } from './progress.js';
import { renderTargetPlan } from './render-plan.js';

export const PLAN_OPTIONS = {
  target: { type: 'string', multiple: true },
  json: { type: 'boolean' },
} as const;

export const planCommand: Command = {
  name: 'plan',
  summary: 'Show what a reconciliation would change, per target (changes nothing)',
  help: `Usage: ims-sync plan [--target <id>]... [--json]

Read every user from UMAPI and each target's managed groups, and show per target the memberships
to add and remove (per group), the wiring of IMS groups into AEM groups, users to disable or
enable, deferrals, local identities left alone, and the removal guard's verdict. Changes nothing
and records nothing.

Options:
  --target <id>   Only this target (repeatable; default: every target)
  --json          Print the report as JSON

Exit: 0 nothing to change, 2 changes pending, 3 the guard would hold removals, 1 a read failed
(nothing is planned from a partial read).`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('plan', args, PLAN_OPTIONS);
    expectPositionals('plan', positionals, []);
    return showPlan('plan', { targets: values.target ?? [], json: values.json === true }, ctx);
  },
};

/** `plan`, and `reconcile` without `--apply`. */
export async function showPlan(command: string, flags: { targets: readonly string[]; json: boolean }, ctx: CommandContext): Promise<ExitCode> {
  const world = await ctx.connect();
  const report = await runReconcile(command, world, 'plan', flags, ctx);
  if (flags.json) ctx.out(json(report));
  else ctx.out(renderPlanReport(report, world));
  return planExit(report, ctx, command);
}

export async function runReconcile(
  command: string,
  world: CliRuntime,
  mode: 'plan' | 'apply',
  flags: { targets: readonly string[]; json: boolean },
  ctx: CommandContext,
): Promise<ReconcileReport> {
  const configured = world.sync.config.targets.map((t) => t.id);
  checkTargets(command, flags.targets, configured);
  const progress = ctx.progress(flags.json);
  const done = new Set<string>();
  const count = flags.targets.length > 0 ? flags.targets.length : configured.length;
  try {
    return await reconcile(
      {
        runId: ctx.newId('cli'),
        mode,
        ...(flags.targets.length > 0 ? { only: flags.targets } : {}),
        onProgress: (event) => progress.update(describeReconcileProgress(event, count, done)),
      },
      world.sync,
    );
  } finally {
    progress.done();
  }
}

function renderPlanReport(report: ReconcileReport, world: CliRuntime): string {
  const kindOf = (id: string) => world.sync.config.targets.find((t) => t.id === id)?.kind ?? '?';
  if (report.status === 'incomplete') return `Plan ${report.runId}: nothing planned.\n`;
  const head = `Plan ${report.runId} — IMS snapshot ${report.snapshotAt}, ${plural(report.usersRead, 'user')} read. Dry run: nothing was changed.`;
  const pending = report.targets.filter((t) => t.status === 'planned').length;
  const failed = report.targets.filter((t) => t.status === 'failed').length;
  const clean = report.targets.length - pending - failed;
  const summary = [`${plural(pending, 'target')} with changes pending`, `${clean} with nothing to change`];
  if (failed > 0) summary.push(`${failed} failed`);
  const next = pending > 0 ? ' Apply with `ims-sync reconcile --apply`.' : '';
  const note = report.note ? `\nNote: ${report.note}.` : '';
  return `${head}${note}\n\n${report.targets.map((t) => renderTargetPlan(t, kindOf)).join('\n\n')}\n\nSummary: ${summary.join(', ')}.${next}\n`;
}

/** Failures also get their one line on stderr, whatever the output format. */
function planExit(report: ReconcileReport, ctx: CommandContext, command: string): ExitCode {
  if (report.status === 'incomplete') {
    ctx.err(`ims-sync ${command} failed: ${report.reason ?? 'the IMS read was incomplete'} — try again when UMAPI answers\n`);
    return EXIT.failed;
  }
  const codes = report.targets.map((t): ExitCode => {
    if (t.status === 'failed') {
      ctx.err(`ims-sync ${command}: target ${t.targetId} failed: ${t.error ?? 'unknown error'} — check that it is reachable, then plan again\n`);
      return EXIT.failed;
    }
    if (t.verdict?.verdict === 'hold') return EXIT.held;
    return t.status === 'planned' ? EXIT.changes : EXIT.ok;
  });
  return worst(codes);
}
