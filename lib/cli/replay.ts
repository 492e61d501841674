/** `ims-sync replay`: move dead letters back to the work queue, filtered; a dry run unless --apply. */
import { replayDeadLetters } from '../sync/replay.js';
import { expectPositionals, intOption, isoOption, parseCommand } from './args.js';
import type { Command } from './context.js';
import { UsageError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { json, plural, table } from './format.js';

const KINDS = ['delta', 'hint', 'reconcile'] as const;
type Kind = (typeof KINDS)[number];
const isKind = (value: string): value is Kind => (KINDS as readonly string[]).includes(value);

export const replayCommand: Command = {
  name: 'replay',
  summary: 'Move dead-letter messages back to the work queue, filtered (dry run unless --apply)',
  help: `Usage: ims-sync replay [--kind <k>] [--user <email>] [--target <id>] [--since <iso>] [--until <iso>] [--max <n>] [--apply] [--json]

Read the dead-letter queue and list the messages that match the filters. Only with --apply are they
sent back to the work queue (and deleted from the dead-letter queue); the others stay where they are.
Fix the cause first (\`ims-sync status\`, the logs): a message that fails again returns to the DLQ.

Options:
  --kind <k>      delta, hint or reconcile
  --user <email>  Messages about this user
  --target <id>   Reconciliation work of this target (deltas and hints concern every target)
  --since <iso>   Changes that happened at or after this time (e.g. 2026-11-23T10:00:00Z)
  --until <iso>   Changes that happened at or before this time
  --max <n>       Read at most n messages (default 100, at most 10000)
  --apply         Move the matching messages (default: dry run)
  --json          Print the report as JSON

Exit: 0 dry run or nothing matched, 2 messages moved, 1 failed.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('replay', args, {
      kind: { type: 'string' },
      user: { type: 'string' },
      target: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      max: { type: 'string' },
      apply: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    expectPositionals('replay', positionals, []);
    if (values.kind !== undefined && !isKind(values.kind)) throw new UsageError(`--kind "${values.kind}" must be one of ${KINDS.join(', ')}`, 'replay');
    const from = isoOption('replay', 'since', values.since);
    const to = isoOption('replay', 'until', values.until);
    const max = intOption('replay', 'max', values.max, { min: 1, max: 10_000 });
    const dryRun = values.apply !== true;
    const filter = {
      ...(values.kind !== undefined ? { kind: values.kind } : {}),
      ...(values.user !== undefined ? { user: values.user } : {}),
      ...(values.target !== undefined ? { target: values.target } : {}),
      ...(from !== undefined ? { from } : {}),
      ...(to !== undefined ? { to } : {}),
    };

    const world = await ctx.connect();
    const progress = ctx.progress(values.json === true);
    progress.update(dryRun ? 'Reading the dead-letter queue (dry run)' : 'Reading the dead-letter queue and moving the matches');
    let report;
    try {
      report = await replayDeadLetters(
        { dryRun, filter, ...(max !== undefined ? { max } : {}) },
        { deadLetters: world.deadLetters(), log: world.sync.log, metrics: world.sync.metrics, replayId: ctx.newId('replay') },
      );
    } finally {
      progress.done();
    }
    if (values.json === true) {
      ctx.out(json(report));
    } else {
      const lines = [
        dryRun
          ? `Dry run: nothing was moved. ${plural(report.matched.length, 'message')} would go back to the work queue${report.matched.length > 0 ? ' (run again with --apply to move them)' : ''}.`
          : `${plural(report.matched.length, 'message')} moved back to the work queue; the worker applies them in the background.`,
      ];
      if (report.matched.length > 0) lines.push('', table(['message id', 'kind', 'summary'], report.matched.map((m) => [m.messageId, m.kind, m.summary])));
      const kept = report.keptCount - report.unreadable.length;
      if (kept > 0) lines.push('', `${plural(kept, 'message')} did not match the filter and ${kept === 1 ? 'stays' : 'stay'} in the dead-letter queue.`);
      if (report.heldGroups > 0) {
        lines.push(`Messages behind the ${plural(report.heldGroups, 'message group')} looked at here may not have been seen (a FIFO queue holds a group's later messages back while one is received); run again to see them.`);
      }
      if (report.unreadable.length > 0) {
        const one = report.unreadable.length === 1;
        lines.push(
          `${plural(report.unreadable.length, 'message')} ${one ? 'is not a work message' : 'are not work messages'} and ${one ? 'is' : 'are'} never replayed; see ${one ? 'it' : 'each'} with \`ims-sync dead-letter show <id>\`, delete with \`ims-sync dead-letter delete <id>\`:`,
          ...report.unreadable.map((u) => `  ${u.sentAs ?? u.messageId}${u.sentAs ? ` (in the dead-letter queue: ${u.messageId})` : ''}${u.reason ? ` — ${u.reason}` : ''}`),
        );
      }
      ctx.out(`${lines.join('\n')}\n`);
    }
    return !dryRun && report.matched.length > 0 ? EXIT.changes : EXIT.ok;
  },
};
