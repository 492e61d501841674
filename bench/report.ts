/** The benchmark result as plain-text tables for a terminal. */
import { UMAPI_USERS_PER_MINUTE, type BenchResult, type Counts, type PlanStats } from './run.js';

function table(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string =>
    r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ').trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.slice(1).map(line)].join('\n');
}

const endpoints = (counts: Counts): string =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([e, n]) => `${e}=${n}`)
    .join(', ') || '-';
const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;
const ms = (n: number): string => `${Math.round(n)} ms`;

function reconcileTable(plan: PlanStats, withRecord = false): string {
  const wall = (t: PlanStats['targets'][number]): string => `${ms(t.readMs)} + ${ms(t.planMs)}${withRecord ? ` + ${ms(t.recordMs)}` : ''}`;
  return table(
    ['phase', withRecord ? 'wall (read + plan + record/fan-out)' : 'wall (read + plan)', 'calls', 'calls/group', 'calls/1k users', 'answers (largest)', 'managed groups', 'adds', 'removes', 'wiring', 'changed groups', 'deferred', 'status'],
    [
      ['UMAPI read', ms(plan.umapi.ms), Object.values(plan.umapi.callsByEndpoint).reduce((a, b) => a + b, 0), '-', '-', `${kb(plan.umapi.responseBytes)} (${kb(plan.umapi.largestAnswerBytes)})`, '-', '-', '-', '-', '-', '-', `${plan.umapi.usersRead} users`],
      ...plan.targets.map((t) => [
        t.targetId,
        wall(t),
        t.calls,
        t.callsPerGroup,
        t.callsPer1kUsers,
        `${kb(t.responseBytes)} (${kb(t.largestAnswerBytes)})`,
        t.unknownGroups > 0 ? `${t.managedGroups} (${t.unknownGroups} unknown)` : t.managedGroups,
        t.adds,
        t.removes,
        t.wiring,
        t.changedGroups,
        t.deferred,
        t.error ? `${t.status}: ${t.error}` : t.status,
      ]),
    ],
  );
}

export function formatReport(result: BenchResult): string {
  const { options: o, plan } = result;
  const out: string[] = [];
  out.push(
    `ims-group-sync reconcile benchmark — ${result.org.users} users, seed ${o.seed}, ${o.aem} AEM + ${o.campaign} Campaign, ` +
      `UMAPI page size ${o.pageSize}, target limits ${o.targetLimits.requestsPerSecond} req/s x ${o.targetLimits.concurrency}, node ${result.node}`,
  );
  out.push(
    `setup: org generated in ${ms(result.org.generateMs)}, simulators up in ${ms(result.org.setupMs)} (${result.org.orgGroups} org groups/profiles)`,
  );
  out.push('');
  out.push(`PLAN (dry-run): ${ms(plan.totalMs)} in all`);
  out.push(reconcileTable(plan));
  out.push('calls by endpoint:');
  out.push(`  ims: ${endpoints(plan.umapi.callsByEndpoint)}`);
  for (const t of plan.targets) out.push(`  ${t.targetId}: ${endpoints(t.callsByEndpoint)}`);
  out.push(
    o.realUmapiLimits === true
      ? `UMAPI ran at its real limits (${UMAPI_USERS_PER_MINUTE} user reads a minute): ${plan.umapi.pages} user pages read in ${ms(plan.umapi.ms)}.`
      : `UMAPI at its real limits: ${plan.umapi.pages} user pages at ${UMAPI_USERS_PER_MINUTE}/min ≈ ${plan.umapi.minutesAtRealLimits} min for this read (the simulator ran unlimited).`,
  );

  if (result.apply) {
    const a = result.apply;
    out.push('');
    out.push(`APPLY: reconcile in mode apply (read, plan, record, fan out) ${ms(a.reconcile.totalMs)}:`);
    out.push(reconcileTable(a.reconcile, true));
    out.push(`then ${a.messages} work messages applied with applyWork in ${ms(a.applyMs)} (${o.workers} at once), ${a.failedMessages} failed:`);
    out.push(
      table(
        ['target', 'messages', 'changed groups', 'wiring parents', 'membership changes', 'applied', 'failed', 'writes', 'writes/changed group', 'write calls'],
        a.targets.map((t) => [
          t.targetId,
          t.messages,
          t.changedGroups,
          t.wiringParents,
          t.membershipChanges,
          t.applied,
          t.failed,
          t.writes,
          t.writesPerChangedGroup,
          endpoints(t.writesByEndpoint),
        ]),
      ),
    );
    out.push('all calls of the workers by endpoint:');
    for (const t of a.targets) out.push(`  ${t.targetId}: ${endpoints(t.callsByEndpoint)}`);
    out.push(`store calls (reconcile + workers; DynamoDB requests in production): ${endpoints(a.storeCalls)}`);
    for (const f of a.failures) out.push(`  failure: ${f}`);
  }
  if (result.second) {
    const s = result.second;
    out.push('');
    out.push(`SECOND PLAN: ${ms(s.plan.totalMs)} — ${s.empty ? 'EMPTY (nothing to do)' : 'NOT EMPTY'}`);
    out.push(
      table(
        ['target', 'status', 'adds', 'removes', 'wiring', 'disable', 'enable', 'deferred', 'calls'],
        s.targets.map((t) => [t.targetId, t.status, t.adds, t.removes, t.wiring, t.disable, t.enable, t.deferred, s.plan.targets.find((p) => p.targetId === t.targetId)?.calls ?? '-']),
      ),
    );
  }
  const m = result.memory;
  out.push('');
  out.push(
    `MEMORY of the sync's process (the simulators run in a child process${m.simulatorsPeakRssMb !== undefined ? `, its peak rss ${m.simulatorsPeakRssMb} MB` : ''}); ` +
      `after setup rss ${m.rssAfterSetupMb} MB, heap ${m.heapAfterSetupMb} MB; each phase starts after a full GC:`,
  );
  out.push(
    table(
      ['phase', 'heap before', 'peak heap', 'peak rss'],
      m.phases.map((p) => [p.phase, `${p.heapBeforeMb} MB`, `${p.peakHeapMb} MB`, `${p.peakRssMb} MB`]),
    ),
  );
  return out.join('\n');
}
