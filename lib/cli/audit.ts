/** `ims-sync audit <user-email|group>`: what the sync changed or refused, oldest first. */
import { foldName } from '../domain/ims.js';
import type { AuditEntry } from '../sync/ports.js';
import { expectPositionals, isoOption, parseCommand } from './args.js';
import type { Command } from './context.js';
import { UsageError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { isoTime, json, plural, table, time } from './format.js';

export const auditCommand: Command = {
  name: 'audit',
  summary: 'The audit trail of a user (by email) or of a group',
  help: `Usage: ims-sync audit <user-email|group> [--since <iso>] [--member | --group] [--json]

Show every change the sync made or refused for a user in every target, or in a group: time,
target, op, member, group, cause, actor and outcome. An argument with an @ is a user, anything
else a group (spelled as the target spells it, e.g. AEM-Authors or delivery); --member or --group
says which when that guess is wrong.

Options:
  --since <iso>   Only entries at or after this time (e.g. 2026-11-23 or 2026-11-23T10:00:00Z)
  --member        The argument is a member key (a user, or an IMS group wired into AEM groups)
  --group         The argument is a group
  --json          Print the entries as JSON

Exit: 0 (also when there is nothing to show), 1 failed.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('audit', args, {
      since: { type: 'string' },
      member: { type: 'boolean' },
      group: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    const [subject = ''] = expectPositionals('audit', positionals, ['user-email|group']);
    if (values.member === true && values.group === true) throw new UsageError('--member and --group exclude each other', 'audit');
    const since = isoOption('audit', 'since', values.since);
    const sinceMs = since === undefined ? undefined : Date.parse(since);
    const byGroup = values.group === true || (values.member !== true && !subject.includes('@'));

    const world = await ctx.connect();
    const { audit } = world.sync.stores;
    // User keys are recorded folded to lower case (lib/domain/plan-types.ts); a wired IMS group as spelled.
    const member = subject.includes('@') ? foldName(subject) : subject;
    const entries = byGroup ? await audit.byGroup(subject, sinceMs) : await audit.byMember(member, sinceMs);
    const sorted = [...entries].sort((a, b) => a.at - b.at);
    if (values.json === true) {
      ctx.out(json(sorted.map((entry) => ({ ...entry, at: isoTime(entry.at) }))));
      return EXIT.ok;
    }
    const what = byGroup ? `group ${subject}` : subject;
    if (sorted.length === 0) {
      ctx.out(`No audit entries for ${what}${since ? ` since ${since}` : ''}.\n`);
      return EXIT.ok;
    }
    ctx.out(`${plural(sorted.length, 'audit entry', 'audit entries')} for ${what}, oldest first:\n${table(['time', 'target', 'op', 'member', 'group', 'cause', 'actor', 'outcome'], sorted.map(row))}\n`);
    return EXIT.ok;
  },
};

function row(entry: AuditEntry): string[] {
  const outcome = entry.detail ? `${entry.outcome}: ${entry.detail}` : entry.outcome;
  return [time(entry.at), entry.targetId, entry.op, entry.member, entry.group || '-', entry.cause, entry.actor ?? '-', outcome];
}
