/**
 * A target's plan in words and tables: the membership changes, wiring, users to disable or
 * enable, deferrals, identities left alone, groups that could not be read, and the guard's verdict.
 * Shared by `plan`, `reconcile` and `sync-user`.
 */
import { sliceSize } from '../domain/guard.js';
import type { GuardVerdict, PlanSlice, TargetPlan } from '../domain/plan-types.js';
import type { TargetReconcile } from '../sync/reconcile.js';
import { plural, table, type Row } from './format.js';

const NOT_LISTED_SHOWN = 20;

/** One row per change: op, the group written to, the member. */
export function changeRows(slice: PlanSlice): Row[] {
  const rows: Row[] = [];
  for (const change of slice.changes) {
    for (const member of change.add) rows.push(['add', change.group, member]);
    for (const member of change.remove) rows.push(['remove', change.group, member]);
  }
  for (const wiring of slice.wiring) for (const group of wiring.memberOf) rows.push(['wire', group, wiring.group]);
  for (const user of slice.disable) rows.push(['disable', '-', user]);
  for (const user of slice.enable) rows.push(['enable', '-', user]);
  return rows;
}

export function describeCounts(slice: PlanSlice): string {
  const c = sliceSize(slice);
  const parts = [plural(c.adds, 'add'), plural(c.removes, 'remove'), plural(c.wiring, 'wiring', 'wirings')];
  if (c.disable > 0) parts.push(`${c.disable} to disable`);
  if (c.enable > 0) parts.push(`${c.enable} to enable`);
  return parts.join(', ');
}

export function describeVerdict(verdict: GuardVerdict): string {
  const limits = `limits ${verdict.maxRemovals} removals / ${verdict.maxRemovalPercent}%`;
  const weight = `${plural(verdict.removals, 'removal')} of ${plural(verdict.managedMemberships, 'managed membership')}`;
  return verdict.verdict === 'pass' ? `pass (${weight}; ${limits})` : `HOLD — ${verdict.reason ?? weight} (${limits})`;
}

/** The changes table and the notes that go with a plan. */
export function renderPlanBody(plan: TargetPlan): string {
  const lines: string[] = [];
  const rows = changeRows(plan);
  lines.push(rows.length === 0 ? '  No membership changes.' : table(['op', 'group', 'member'], rows));
  if (plan.deferred.length > 0) {
    lines.push('  Deferred (retried by the next reconciliation):');
    lines.push(table(['kind', 'key', 'group', 'reason'], plan.deferred.map((d) => [d.kind, d.key, d.group ?? '-', d.reason]), '    '));
  }
  const localIdentities = plan.untouched.flatMap((u): Row[] => (u.reason === 'local-identity' ? [[u.key, u.group]] : []));
  if (localIdentities.length > 0) {
    lines.push('  Left alone (local identities in managed groups):');
    lines.push(table(['member', 'group'], localIdentities, '    '));
  }
  const localGroups = plan.untouched.flatMap((u) => (u.reason === 'local-group' ? [u.group] : []));
  if (localGroups.length > 0) {
    lines.push(`  Not IMS groups in this target, never written (local groups matching a managed name or pattern): ${localGroups.join(', ')}`);
  }
  const disabledByOthers = plan.untouched.flatMap((u) => (u.reason === 'disabled-by-other' ? [u.key] : []));
  if (disabledByOthers.length > 0) {
    lines.push(`  Disabled by someone else, not re-enabled although they have access: ${disabledByOthers.join(', ')}`);
  }
  const notListed = plan.untouched.flatMap((u) => (u.reason === 'not-listed' ? [u.key] : []));
  if (notListed.length > 0) {
    // A busy org can leave many: the first few name the kind, the count says how many.
    const shown = notListed.slice(0, NOT_LISTED_SHOWN).join(', ');
    const more = notListed.length > NOT_LISTED_SHOWN ? ` and ${notListed.length - NOT_LISTED_SHOWN} more` : '';
    lines.push(`  Not listed by the IMS read (the org changed during it), left as they are: ${shown}${more}`);
  }
  if (plan.unknownGroups.length > 0) {
    lines.push(`  Unreadable groups, nothing removed there: ${plan.unknownGroups.join(', ')}`);
  }
  return lines.join('\n');
}

export function renderTargetPlan(target: TargetReconcile, kindOf: (id: string) => string): string {
  const heading = `${target.targetId} (${kindOf(target.targetId)})`;
  if (target.status === 'failed' || target.plan === undefined) {
    return `${heading} — FAILED, nothing planned: ${target.error ?? 'no plan'}`;
  }
  const lines = [`${heading} — ${describeCounts(target.plan)}`];
  if (target.verdict) lines.push(`  Guard: ${describeVerdict(target.verdict)}`);
  lines.push(renderPlanBody(target.plan));
  return lines.join('\n');
}
