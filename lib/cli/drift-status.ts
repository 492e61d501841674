/** `ims-sync status`'s drift part: the findings per kind of each target's latest scheduled reconciliation. */
import { FINDING_KINDS } from '../domain/findings.js';
import type { RunTargetRecord } from '../sync/ports.js';
import { isoTime, table, time } from './format.js';

export interface TargetDrift {
  readonly targetId: string;
  readonly runId: string;
  /** When the run started, ISO 8601 (as every time in --json). */
  readonly at: string;
  readonly findings: Readonly<Record<string, number>>;
}

/** The newest run record with findings, per target (runs come newest first). */
export function latestDrift(runs: readonly RunTargetRecord[]): TargetDrift[] {
  const latest = new Map<string, TargetDrift>();
  for (const run of runs) {
    if (run.findings === undefined || latest.has(run.targetId)) continue;
    latest.set(run.targetId, { targetId: run.targetId, runId: run.runId, at: isoTime(run.startedAt), findings: run.findings });
  }
  return [...latest.values()].sort((a, b) => a.targetId.localeCompare(b.targetId));
}

/** A kind the run could not count (its reads failed) shows as `?`, never 0. */
export function renderDrift(drift: readonly TargetDrift[]): string {
  if (drift.length === 0) return '  No reconciliation has counted findings yet (`ims-sync report` reads them now).';
  const rows = drift.map((d) => [d.targetId, time(Date.parse(d.at)), ...FINDING_KINDS.map((kind) => d.findings[kind] ?? '?')]);
  return `${table(['target', 'run started', ...FINDING_KINDS], rows)}\n  Who and what: \`ims-sync report\`.`;
}
