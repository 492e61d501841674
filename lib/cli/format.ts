/**
 * Plain-text tables for the terminal: left-aligned columns padded to their widest cell, a header
 * row in capitals, two spaces between columns. No colours, so output pipes and diffs cleanly.
 */

export type Row = readonly (string | number | undefined)[];

export function table(headers: readonly string[], rows: readonly Row[], indent = '  '): string {
  const cells = [headers.map((h) => h.toUpperCase()), ...rows.map((row) => headers.map((_, i) => cell(row[i])))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  return cells
    .map((row) =>
      (indent + row.map((value, i) => (i === row.length - 1 ? value : value.padEnd(widths[i] ?? 0))).join('  ')).trimEnd(),
    )
    .join('\n');
}

function cell(value: string | number | undefined): string {
  return value === undefined ? '' : String(value);
}

/** `1 add`, `2 adds`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Epoch ms as `2026-11-23 10:00:00Z`: sortable, and short enough for a table. */
export function time(epochMs: number): string {
  return new Date(epochMs).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** Epoch ms as ISO 8601 (`2026-11-23T10:00:00.000Z`): every time in the CLI's JSON is written so. */
export function isoTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
