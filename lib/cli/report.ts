/**
 * `ims-sync report`: the access review — who holds which group of each target and through which
 * IMS path, and the findings the sync leaves alone or has not repaired yet. Changes nothing.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ALERTING_KINDS } from '../domain/findings.js';
import { accessReview, type AccessReview, type AccessReviewProgress } from '../sync/access-review.js';
import { checkTargets, expectPositionals, parseCommand } from './args.js';
import type { Command } from './context.js';
import { CliFailure, UsageError } from './errors.js';
import { EXIT, worst, type ExitCode } from './exit-codes.js';
import { json } from './format.js';
import { renderReviewCsv, renderReviewText } from './render-report.js';

const REPORT_OPTIONS = {
  target: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  csv: { type: 'boolean' },
  out: { type: 'string' },
} as const;

export const reportCommand: Command = {
  name: 'report',
  summary: 'Access review: who holds which group, through which IMS path, and the findings (changes nothing)',
  help: `Usage: ims-sync report [--target <id>]... [--json | --csv] [--out <file>]

Read every user from UMAPI (through the shared budget) and each target as a reconciliation does,
plus the groups the sync does not manage, and show per target every identity holding a group: IMS
or local, each group with its state (in-sync, pending-add, pending-remove, deferred, untouched,
direct) and the IMS path that grants it, and the last change the sync applied (audit trail). Then
the findings: direct-member, local-in-managed, unwired, orphan, disabled-mismatch, deferred
(docs/access-review.md says what each means and what to do). Changes nothing.

Options:
  --target <id>   Only this target (repeatable; default: every target)
  --json          One JSON object: { generatedAt, org, targets: [{ id, kind, identities, findings }] }
  --csv           One row per identity × group, for spreadsheets
  --out <file>    Write the report to this file instead of stdout

Exit: 0 no ${ALERTING_KINDS.join(', ')} finding, 2 at least one, 1 a read failed
(findings there are unknown), 64 usage error.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('report', args, REPORT_OPTIONS);
    expectPositionals('report', positionals, []);
    if (values.json === true && values.csv === true) throw new UsageError('--json and --csv are two formats: choose one', 'report');
    if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out needs a file name, e.g. --out access-review.csv', 'report');
    const targets = values.target ?? [];
    const world = await ctx.connect();
    checkTargets('report', targets, world.sync.config.targets.map((t) => t.id));

    const progress = ctx.progress(values.json === true && values.out === undefined);
    let review: AccessReview;
    try {
      review = await accessReview({ ...(targets.length > 0 ? { only: targets } : {}), onProgress: (p) => progress.update(describe(p)) }, world.sync);
    } finally {
      progress.done();
    }
    const text = values.json === true ? json(review) : values.csv === true ? renderReviewCsv(review) : renderReviewText(review);
    if (values.out === undefined) ctx.out(text);
    else {
      const path = resolve(ctx.cwd, values.out);
      await writeFile(path, text).catch((error: unknown) => {
        throw new CliFailure(`cannot write --out ${path}: ${error instanceof Error ? error.message : String(error)} — check that the directory exists and is writable`);
      });
      const format = values.json === true ? 'JSON' : values.csv === true ? 'CSV' : 'text';
      ctx.out(`Wrote the ${format} access review of ${review.targets.length} target(s) to ${path}.\n`);
    }
    return reviewExit(review, ctx.err);
  },
};

function describe(event: AccessReviewProgress): string {
  if (event.phase === 'umapi') return `Reading UMAPI: page ${event.page}, ${event.usersSoFar}${event.totalUsers === undefined ? '' : ` of ${event.totalUsers}`} users so far`;
  if (event.phase === 'audit') return `${event.targetId}: reading the audit trail, ${event.read}/${event.total} identities`;
  return `${event.targetId}: ${event.step === 'reading' ? 'reading its groups' : event.step}`;
}

/** Failed or partial reads also get a line on stderr, whatever the format. */
function reviewExit(review: AccessReview, err: (text: string) => void): ExitCode {
  return worst(
    review.targets.map((t): ExitCode => {
      if (t.status !== 'complete') {
        for (const note of t.unread) err(`ims-sync report: ${t.id}: not read: ${note} — check that it is reachable, then report again\n`);
        return EXIT.failed;
      }
      return ALERTING_KINDS.some((kind) => t.counts[kind] > 0) ? EXIT.changes : EXIT.ok;
    }),
  );
}
