/**
 * `ims-sync dead-letter show|delete <id>`: one dead letter, found by the id it was sent with (the
 * work queue's) or by its id in the dead-letter queue. `show` prints its body and the reason it was
 * parked; `delete` removes it after an explicit confirmation (`--yes`, or typing its id on a
 * terminal). Meant for messages that are not work messages, which `replay` never moves back.
 */
import type { DeadLetter } from '../sync/ports.js';
import { expectPositionals, intOption, parseCommand } from './args.js';
import type { CliDeadLetters } from './connect.js';
import type { Command, CommandContext } from './context.js';
import { CliFailure, UsageError } from './errors.js';
import { EXIT, type ExitCode } from './exit-codes.js';
import { json, table } from './format.js';

const ACTIONS = ['show', 'delete'] as const;
type Action = (typeof ACTIONS)[number];
const isAction = (value: string): value is Action => (ACTIONS as readonly string[]).includes(value);

/** How many dead letters are looked through for the id, by default. */
const DEFAULT_SEARCH = 1000;

export const deadLetterCommand: Command = {
  name: 'dead-letter',
  summary: 'Show one dead letter (body, reason), or delete it after confirmation',
  help: `Usage: ims-sync dead-letter <show|delete> <id> [--yes] [--max <n>] [--json]

Find one message in the dead-letter queue by the id it was sent with (the work queue's message id,
as the worker's log and \`replay\` name it) or by its id in the dead-letter queue. \`show\` prints its
ids, message group, receive count, the reason it was parked and its body. \`delete\` shows it too,
then deletes it once confirmed: with --yes, or by typing its id at the prompt (on a terminal).
Work messages are better moved back with \`ims-sync replay\`; this is for the others.

Options:
  --yes           delete: no prompt (for scripts)
  --max <n>       Look through at most n dead letters (default ${DEFAULT_SEARCH}, at most 10000)
  --json          Print the message (and whether it was deleted) as JSON

Exit: 0 shown or deleted, 1 not found or not deleted, 64 delete without --yes and no terminal.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('dead-letter', args, { yes: { type: 'boolean' }, max: { type: 'string' }, json: { type: 'boolean' } });
    const [action = '', id = ''] = expectPositionals('dead-letter', positionals, ['show|delete', 'id']);
    if (!isAction(action)) throw new UsageError(`"${action}" is not an action: use show or delete`, 'dead-letter');
    if (action === 'show' && values.yes === true) throw new UsageError('--yes goes with delete only', 'dead-letter');
    const max = intOption('dead-letter', 'max', values.max, { min: 1, max: 10_000 }) ?? DEFAULT_SEARCH;
    if (action === 'delete' && values.yes !== true && ctx.ask === undefined) {
      throw new UsageError('deleting needs a confirmation: pass --yes, or run it on a terminal and type the id', 'dead-letter');
    }
    const world = await ctx.connect();
    return inspect(action, id, { max, yes: values.yes === true, json: values.json === true }, world.deadLetters(), ctx);
  },
};

async function inspect(action: Action, id: string, flags: { max: number; yes: boolean; json: boolean }, dlq: CliDeadLetters, ctx: CommandContext): Promise<ExitCode> {
  const progress = ctx.progress(flags.json);
  progress.update(`Looking for ${id} in the dead-letter queue`);
  let received: DeadLetter[];
  try {
    received = await dlq.receive(flags.max);
  } finally {
    progress.done();
  }
  const found = received.find((l) => l.messageId === id || l.parkedFrom === id);
  // Every other message goes back at once; the one found stays hidden while it is looked at.
  await dlq.release(received.filter((l) => l !== found).map((l) => l.receiptHandle));
  if (found === undefined) {
    throw new CliFailure(`no dead letter with id ${id} among the ${received.length} in the dead-letter queue — list them with \`ims-sync replay\` (a dry run)`);
  }

  let deleted = false;
  if (action === 'delete') {
    if (!flags.json) ctx.out(render(found));
    const confirmed = flags.yes || ((await ctx.ask?.(`Type the id ${id} to delete this message for good: `)) ?? '').trim() === id;
    if (confirmed) {
      await dlq.delete([found.receiptHandle]);
      deleted = true;
    } else {
      await dlq.release([found.receiptHandle]);
    }
    if (flags.json) ctx.out(json({ ...view(found), deleted }));
    else ctx.out(deleted ? `Deleted ${id} from the dead-letter queue.\n` : `Not deleted: the id typed did not match. ${id} stays in the dead-letter queue.\n`);
    return deleted ? EXIT.ok : EXIT.failed;
  }
  await dlq.release([found.receiptHandle]);
  ctx.out(flags.json ? json(view(found)) : render(found));
  return EXIT.ok;
}

function view(letter: DeadLetter) {
  return {
    sentAs: letter.parkedFrom ?? letter.messageId,
    deadLetterId: letter.messageId,
    messageGroupId: letter.messageGroupId ?? null,
    receiveCount: letter.receiveCount,
    reason: letter.reason ?? null,
    body: letter.body,
  };
}

function render(letter: DeadLetter): string {
  const v = view(letter);
  let body = letter.body;
  try {
    body = JSON.stringify(JSON.parse(letter.body), null, 2);
  } catch {
    // Not JSON: shown as it is.
  }
  const rows = [
    ['sent as', v.sentAs],
    ['dead-letter id', v.deadLetterId],
    ['message group', v.messageGroupId ?? '-'],
    ['receives', v.receiveCount],
    ['reason', v.reason ?? '- (moved by SQS after too many receives)'],
  ];
  return `${table(['field', 'value'], rows)}\n  Body:\n${body.split('\n').map((line) => `    ${line}`).join('\n')}\n`;
}
