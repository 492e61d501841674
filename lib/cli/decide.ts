/** `ims-sync approve <run>` / `ims-sync reject <run>`: decide on removals the guard held back. */
import { decideRun, type RunDecision } from '../sync/decide-run.js';
import { expectPositionals, parseCommand } from './args.js';
import type { Command } from './context.js';
import { EXIT } from './exit-codes.js';
import { json, plural, table } from './format.js';

function decisionCommand(decision: 'approve' | 'reject'): Command {
  const approve = decision === 'approve';
  return {
    name: decision,
    summary: approve ? 'Queue the removals the guard held back in a run' : 'Drop the removals the guard held back in a run',
    help: `Usage: ims-sync ${decision} <run> [--target <id>] [--json]

${
  approve
    ? `Queue the removals that the guard held back in reconciliation <run> (all its held targets, or one).
They were planned from the run's IMS snapshot; a newer change still wins (last writer wins).`
    : `Drop the removals that the guard held back in reconciliation <run> (all its held targets, or one).
The next reconciliation plans them again if IMS still says so.`
} Find held runs with \`ims-sync status\`.

Options:
  --target <id>   Only this target of the run
  --json          Print the decisions as JSON

Deciding again says what already happened: a run approved before is not queued twice, and a run
already approved can no longer be rejected (nor a rejected one approved).

Exit: ${approve ? '0 nothing was held (or already approved), 2 removals queued' : '0 rejected (or already rejected, or nothing was held)'}, 1 failed (e.g. no such
run, or it was already ${approve ? 'rejected' : 'approved'}).`,
    async run(args, ctx) {
      const { values, positionals } = parseCommand(decision, args, { target: { type: 'string' }, json: { type: 'boolean' } });
      const [runId = ''] = expectPositionals(decision, positionals, ['run']);
      const world = await ctx.connect();
      const decisions = await decideRun(runId, decision, world.sync, values.target);
      if (values.json === true) ctx.out(json(decisions));
      else ctx.out(render(decisions));
      const contrary = decisions.filter((d) => d.outcome === 'not-held' && d.status === (approve ? 'REJECTED' : 'APPROVED'));
      for (const d of contrary) {
        ctx.err(`ims-sync ${decision}: ${d.runId} ${d.targetId} was already ${approve ? 'rejected: its removals were dropped; the next reconciliation plans them again if IMS still says so' : 'approved: its removals were queued and cannot be rejected now; `ims-sync audit` shows what was applied'}\n`);
      }
      if (contrary.length > 0) return EXIT.failed;
      return decisions.some((d) => d.outcome === 'approved' && d.queuedMessages > 0) ? EXIT.changes : EXIT.ok;
    },
  };
}

/** What a decision did, or for one that found nothing held, what had already happened. */
function describe(d: RunDecision): string {
  if (d.outcome === 'superseded') return `superseded by run ${d.supersededBy ?? ''}: its own plan decides (approve or reject there)`;
  if (d.outcome !== 'not-held') return d.outcome;
  switch (d.status) {
    case 'APPROVED':
    case 'APPROVING':
      return 'already approved (its removals were queued then)';
    case 'REJECTED':
      return 'already rejected (its removals were dropped)';
    default:
      return `not held (${d.status}: nothing to decide)`;
  }
}

function render(decisions: readonly RunDecision[]): string {
  const rows = decisions.map((d) => [d.runId, d.targetId, describe(d), d.queuedMessages]);
  const queued = decisions.reduce((sum, d) => sum + d.queuedMessages, 0);
  const tail = queued > 0 ? `\n\n${plural(queued, 'message')} queued for the worker, which applies them in the background.` : '';
  return `${table(['run', 'target', 'decision', 'messages'], rows)}${tail}\n`;
}

export const approveCommand = decisionCommand('approve');
export const rejectCommand = decisionCommand('reject');
