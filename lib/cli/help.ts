/** The tool's `--help`: commands, global options, where it connects, exit codes (docs/cli.md). */
import { GLOBAL_HELP } from './args.js';
import type { Command } from './context.js';
import { table } from './format.js';

const SYNOPSES: Readonly<Record<string, string>> = {
  'sync-user': 'sync-user <email>',
  approve: 'approve <run>',
  reject: 'reject <run>',
  audit: 'audit <user|group>',
};

export function toolHelp(commands: readonly Command[]): string {
  const rows = [...commands.map((c) => [SYNOPSES[c.name] ?? c.name, c.summary]), ['help [command]', 'Show the help of a command']];
  return `ims-sync — operate ims-group-sync, which keeps AEM and Adobe Campaign group memberships in sync with Adobe IMS.

Usage: ims-sync <command> [options]

Commands:
${table(['command', 'what it does'], rows).split('\n').slice(1).join('\n')}

${GLOBAL_HELP}

Where it connects:
  By default to the local stack, through the variables \`npm start\` writes to .local-state/stack.env;
  otherwise to what --env-file or the environment says: SYNC_CONFIG, QUEUE_URL, DEAD_LETTER_QUEUE_URL,
  TABLE_NAME, AWS_REGION, the AWS credentials, and the secrets the configuration refers to.
  For a deployed stage, export its variables and pass --stage <name> (docs/cli.md).

Exit codes (the most serious wins when targets differ):
  0   success, nothing to do
  2   changes applied or queued (plan: changes pending)
  3   removals held by the guard for approval (plan: would be held)
  1   failed: stderr says what failed and what to do
  64  usage error
`;
}

export function commandHelp(command: Command): string {
  return `${command.help}\n\nGlobal options (--config, --env-file, --stage, --debug): see \`ims-sync --help\`.\n`;
}
