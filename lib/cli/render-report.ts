/**
 * The access review as text: a table per target and a summary of findings per target and kind
 * (terminal), or one CSV row per identity × group (spreadsheets). JSON is the report itself.
 */
import { ALERTING_KINDS, FINDING_KINDS, type Finding } from '../domain/findings.js';
import type { Holding } from '../domain/holdings.js';
import type { AccessReview, IdentityReview, TargetReview } from '../sync/access-review.js';
import { plural, table, type Row } from './format.js';

export function renderReviewText(review: AccessReview): string {
  const head = `Access review of ${review.org} — ${review.generatedAt}, ${plural(review.usersRead, 'IMS user')} read. Nothing was changed.`;
  return `${head}\n\n${review.targets.map(renderTarget).join('\n\n')}\n\n${renderSummary(review)}\n`;
}

function renderTarget(target: TargetReview): string {
  const title = `${target.id} (${target.kind})`;
  if (target.status === 'failed') return `${title}: FAILED — ${target.error ?? 'unknown error'}; nothing is known about it.`;
  const rows: Row[] = target.identities.flatMap((identity) =>
    identity.groups.map((g, i) => (i === 0 ? [identity.key, identity.kind, identity.status] : ['', '', '']).concat([g.group, g.status, g.path ?? '', i === 0 ? lastChange(identity) : ''])),
  );
  const parts = [`${title}: ${plural(target.identities.length, 'identity', 'identities')} holding its groups`];
  if (rows.length > 0) parts.push(table(['identity', 'kind', 'status', 'group', 'membership', 'granted through', 'last change'], rows));
  parts.push(target.findings.length === 0 ? '  Findings: none.' : `  Findings:\n${table(['kind', 'identity', 'group', 'what to do'], target.findings.map((f) => [f.kind, f.identity, f.group ?? '', f.action]))}`);
  for (const note of target.unread) parts.push(`  Not read (findings there unknown): ${note}`);
  return parts.join('\n');
}

const lastChange = (identity: IdentityReview): string => {
  const last = identity.lastChange;
  if (last === undefined) return '';
  return `${last.at.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')} ${last.op} ${last.group} (${last.cause}${last.actor ? `, by ${last.actor}` : ''})`;
};

function renderSummary(review: AccessReview): string {
  const rows = review.targets.map((t) => [t.id, ...FINDING_KINDS.map((kind) => (t.status === 'failed' ? '?' : t.counts[kind]))]);
  const alerting = review.targets.reduce((n, t) => n + ALERTING_KINDS.reduce((m, kind) => m + t.counts[kind], 0), 0);
  const verdict =
    alerting > 0
      ? `${plural(alerting, 'finding')} of kind ${ALERTING_KINDS.join(', ')}: access nobody granted in the Admin Console (exit 2). See docs/access-review.md.`
      : `No ${ALERTING_KINDS.join(', ')} findings.`;
  return `Findings per target and kind:\n${table(['target', ...FINDING_KINDS], rows)}\n${verdict}`;
}

/** CSV columns, one row per identity × group; a finding with no such holding gets its own row. */
const CSV_HEADER = [
  'target',
  'target_kind',
  'identity',
  'identity_kind',
  'identity_status',
  'group',
  'managed',
  'membership',
  'granted_through',
  'last_change_at',
  'last_change_op',
  'last_change_group',
  'last_change_cause',
  'last_change_actor',
  'findings',
] as const;

export function renderReviewCsv(review: AccessReview): string {
  const lines = [CSV_HEADER.join(',')];
  for (const target of review.targets) {
    const findingsAt = new Map<string, Finding[]>();
    for (const f of target.findings) findingsAt.set(cellKey(f.identity, f.group), [...(findingsAt.get(cellKey(f.identity, f.group)) ?? []), f]);
    const used = new Set<string>();
    const kindsAt = (identity: string, group: string | undefined): string => {
      used.add(cellKey(identity, group));
      return (findingsAt.get(cellKey(identity, group)) ?? []).map((f) => f.kind).join(';');
    };
    for (const identity of target.identities) {
      for (const holding of identity.groups) lines.push(csvRow(holdingCells(target, identity, holding, kindsAt(identity.key, holding.group))));
    }
    for (const [key, findings] of findingsAt) {
      if (used.has(key)) continue;
      const [first] = findings;
      if (first === undefined) continue;
      const identityKind = first.kind === 'unwired' ? 'group' : 'ims';
      lines.push(csvRow([target.id, target.kind, first.identity, identityKind, '', first.group ?? '', '', '', '', '', '', '', '', '', findings.map((f) => f.kind).join(';')]));
    }
  }
  return `${lines.join('\n')}\n`;
}

const cellKey = (identity: string, group: string | undefined): string => `${identity}\n${(group ?? '').toLowerCase()}`;

function holdingCells(target: TargetReview, identity: IdentityReview, holding: Holding, findings: string): string[] {
  const last = identity.lastChange;
  return [
    target.id,
    target.kind,
    identity.key,
    identity.kind,
    identity.status,
    holding.group,
    holding.managed ? 'yes' : 'no',
    holding.status,
    holding.path ?? '',
    last?.at ?? '',
    last?.op ?? '',
    last?.group ?? '',
    last?.cause ?? '',
    last?.actor ?? '',
    findings,
  ];
}

/**
 * RFC 4180 quoting; a cell a spreadsheet would run as a formula (=, +, -, @, tab, CR) is prefixed
 * with `'`: names come from the targets, and a group called `=HYPERLINK(...)` must stay text.
 */
function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const csvRow = (cells: readonly string[]): string => cells.map(csvCell).join(',');
