/**
 * `ims-sync sync-user <email>`: one user, now, everywhere. The user is read from UMAPI once; the
 * worker's own use case runs first as a rehearsal (the plan shown), then for real, in this process
 * rather than through the queue, and the result is shown per target.
 */
import type { ImsUser } from '../domain/ims.js';
import type { HintMessage } from '../domain/messages.js';
import type { TargetPlan } from '../domain/plan-types.js';
import { applyWork, type WorkReport } from '../sync/apply-work.js';
import type { SyncRuntime } from '../sync/runtime.js';
import { WorkFailedError, type TargetFailure } from '../sync/work-errors.js';
import { expectPositionals, parseCommand } from './args.js';
import type { Command, CommandContext } from './context.js';
import { CliFailure, UsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { json, table } from './format.js';
import { rehearsalOf, readUsersOnce } from './rehearse.js';
import { describeCounts, renderPlanBody } from './render-plan.js';

export const syncUserCommand: Command = {
  name: 'sync-user',
  summary: "Sync one user's memberships in every target now, in this process",
  help: `Usage: ims-sync sync-user <email> [--dry-run] [--json]

Read the user from UMAPI, show the plan per target, then apply it at once, in this process (not
through the queue), and show the result per target. A user no longer in the org loses every
managed group. Newer changes already applied by the worker are kept (last writer wins). An email
that is neither in the org nor in a managed group of any target is refused (a typo?): exit 1.

Options:
  --dry-run       Show the plan only
  --json          Print the user, the plan and the result as JSON

Exit: 0 nothing to change, 2 changes applied (--dry-run: pending), 1 failed in some target.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('sync-user', args, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } });
    const [email = ''] = expectPositionals('sync-user', positionals, ['email']);
    if (!/^[^@\s]+@[^@\s]+$/.test(email)) throw new UsageError(`"${email}" is not an email address`, 'sync-user');
    return syncUser(email, { dryRun: values['dry-run'] === true, json: values.json === true }, ctx);
  },
};

/** The vocabulary every `--json` report of the CLI shares (as `plan`'s: `planned`, `nothing-to-do`). */
interface TargetPlanView {
  readonly targetId: string;
  readonly status: 'planned' | 'nothing-to-do' | 'failed';
  readonly plan?: TargetPlan;
  readonly error?: string;
}

interface Applied {
  readonly report?: WorkReport;
  readonly failures: readonly TargetFailure[];
}

async function syncUser(email: string, flags: { dryRun: boolean; json: boolean }, ctx: CommandContext): Promise<ExitCode> {
  const world = await ctx.connect();
  const rt: SyncRuntime = { ...world.sync, umapi: readUsersOnce(world.sync.umapi) };
  const progress = ctx.progress(flags.json);
  let user: ImsUser | undefined;
  let plans: TargetPlanView[];
  let applied: Applied | undefined;
  const id = ctx.newId('cli');
  const message: HintMessage = {
    kind: 'hint',
    id,
    occurredAt: new Date(rt.clock.now()).toISOString(),
    correlationId: id,
    source: 'cli',
    user: { email },
    reason: 'ims-sync sync-user',
  };
  try {
    progress.update(`Reading ${email} from UMAPI`);
    user = await rt.umapi.getUser(email);
    progress.update(`Planning ${email} in ${rt.targets.length} targets`);
    plans = await rehearse(message, rt);
    if (user === undefined && plans.every((p) => p.status === 'nothing-to-do')) {
      throw new CliFailure(
        `${email} is neither in the org (UMAPI has no such user) nor in a managed group of any target — check the spelling (\`ims-sync audit ${email}\` shows what the sync ever did for it); nothing was changed`,
      );
    }
    if (!flags.dryRun) {
      progress.update(`Applying ${email} in ${rt.targets.length} targets`);
      applied = await run(() => applyWork(message, rt));
    }
  } finally {
    progress.done();
  }

  if (flags.json) ctx.out(json({ email, user: user ?? null, messageId: id, dryRun: flags.dryRun, plan: plans, result: applied ? { targets: resultViews(plans, applied), failures: applied.failures } : null }));
  else ctx.out(render(email, user, plans, applied));

  for (const failure of applied?.failures ?? plans.filter((p) => p.status === 'failed').map((p) => ({ targetId: p.targetId, reason: p.error ?? '' }))) {
    ctx.err(`ims-sync sync-user: ${failure.targetId} failed: ${failure.reason} — the next reconciliation retries it, or run sync-user again\n`);
  }
  if (applied === undefined) {
    if (plans.some((p) => p.status === 'failed')) return EXIT.failed;
    return plans.some((p) => p.status === 'planned') ? EXIT.changes : EXIT.ok;
  }
  if (applied.failures.length > 0) return EXIT.failed;
  return resultViews(plans, applied).some((t) => t.status === 'applied') ? EXIT.changes : EXIT.ok;
}

/**
 * What happened in each target, in the CLI's words: `applied` only when something was, else
 * `nothing-to-do` (also for a target the user does not concern), `already-done` (this very event,
 * applied before), `failed`, or `done` when another target's failure hid this one's counts.
 */
interface TargetResultView {
  readonly targetId: string;
  readonly status: 'applied' | 'nothing-to-do' | 'already-done' | 'failed' | 'done';
  readonly applied: number;
  readonly skippedNewer: number;
  readonly deferred: number;
  readonly error?: string;
}

function resultViews(plans: readonly TargetPlanView[], applied: Applied): TargetResultView[] {
  return plans.map(({ targetId }): TargetResultView => {
    const none = { targetId, applied: 0, skippedNewer: 0, deferred: 0 };
    const failure = applied.failures.find((f) => f.targetId === targetId);
    if (failure) return { ...none, status: 'failed', error: failure.reason };
    const report = applied.report?.targets.find((t) => t.targetId === targetId);
    // Another target's failure hides this one's counts; its work is done and in the audit trail.
    if (report === undefined) return { ...none, status: 'done' };
    if (report.status !== 'applied') return { ...none, status: report.status === 'already-done' ? 'already-done' : 'nothing-to-do' };
    const { outcome } = report;
    const counts = { applied: outcome.applied.length, skippedNewer: outcome.skippedNewer, deferred: outcome.deferred };
    return { targetId, status: counts.applied > 0 ? 'applied' : 'nothing-to-do', ...counts };
  });
}

async function rehearse(message: HintMessage, rt: SyncRuntime): Promise<TargetPlanView[]> {
  const rehearsal = rehearsalOf(rt);
  const { failures } = await run(() => applyWork(message, rehearsal.runtime));
  return rt.targets.map(({ config }): TargetPlanView => {
    const failure = failures.find((f) => f.targetId === config.id);
    if (failure) return { targetId: config.id, status: 'failed', error: failure.reason };
    const slice = rehearsal.slices.get(config.id);
    const deferred = rehearsal.deferred.get(config.id) ?? [];
    if (slice === undefined && deferred.length === 0) return { targetId: config.id, status: 'nothing-to-do' };
    const plan: TargetPlan = {
      targetId: config.id,
      kind: config.kind,
      changes: slice?.changes ?? [],
      wiring: slice?.wiring ?? [],
      disable: slice?.disable ?? [],
      enable: slice?.enable ?? [],
      deferred: deferred.map(({ kind, key, group, reason }) => ({ kind, key, reason, ...(group === undefined ? {} : { group }) })),
      untouched: [],
      unknownGroups: [],
    };
    return { targetId: config.id, status: slice === undefined ? 'nothing-to-do' : 'planned', plan };
  });
}

/** The worker's use case raises for the targets that failed; the others' work stands. */
async function run(work: () => Promise<WorkReport>): Promise<Applied> {
  try {
    return { report: await work(), failures: [] };
  } catch (error) {
    if (error instanceof WorkFailedError) return { failures: error.failures };
    throw error;
  }
}

function render(email: string, user: ImsUser | undefined, plans: readonly TargetPlanView[], applied: Applied | undefined): string {
  const lines: string[] = [];
  if (user === undefined) {
    lines.push(`${email} is not in the org (UMAPI has no such user): every managed membership is removed.`);
  } else {
    const groups = user.groups.filter((g) => !g.startsWith('_'));
    lines.push(`${user.email} — ${user.type}, ${user.status}; IMS groups: ${groups.length > 0 ? groups.join(', ') : '(none)'}`);
  }
  lines.push('', 'Plan:');
  for (const view of plans) {
    if (view.status === 'failed') lines.push(`${view.targetId} — FAILED: ${view.error ?? ''}`);
    else if (view.plan === undefined) lines.push(`${view.targetId} — nothing to change`);
    else lines.push(`${view.targetId} — ${describeCounts(view.plan)}`, renderPlanBody(view.plan));
  }
  if (applied === undefined) {
    lines.push('', 'Dry run: nothing was changed.');
    return `${lines.join('\n')}\n`;
  }
  const words: Record<TargetResultView['status'], string> = { applied: 'applied', 'nothing-to-do': 'in sync', 'already-done': 'already done', failed: 'failed', done: 'done (see audit)' };
  const rows = resultViews(plans, applied).map((r) =>
    r.status === 'failed' || r.status === 'done' ? [r.targetId, words[r.status], '', '', '', r.error ?? ''] : [r.targetId, words[r.status], r.applied, r.skippedNewer, r.deferred, ''],
  );
  lines.push('', 'Result:', table(['target', 'result', 'applied', 'skipped (newer)', 'deferred', 'error'], rows));
  return `${lines.join('\n')}\n`;
}
