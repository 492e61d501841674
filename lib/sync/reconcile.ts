/**
 * Full reconciliation: read every user from UMAPI, read each target's managed groups (cost grows with
 * groups, not users), plan, weigh the plan against the guard, and fan the work out through the queue.
 *
 * An incomplete UMAPI read stops everything: no plan is made from a partial org, since a user missing
 * from a short list would look like a user who lost access. An org that changed during the read (a
 * total that moved, a user listed twice as others were removed or added) is not incomplete: every
 * user listed is planned as usual, and everyone the read did not list is unknown, never gone (the
 * plan's `unlistedUnknown`): nothing of theirs is removed, and the report carries a note saying so.
 */
import { accessKeys, desiredMembers } from '../domain/desired.js';
import type { ImsUser } from '../domain/ims.js';
import { evaluateGuard, sliceSize, splitForGuard } from '../domain/guard.js';
import { planTarget } from '../domain/plan.js';
import type { GuardVerdict, PlanSlice, TargetPlan } from '../domain/plan-types.js';
import { IncompleteReadError, SyncError } from '../errors.js';
import type { ReadChurn } from '../ims/port.js';
import { measureDrift } from './drift.js';
import { fanOut } from './fan-out.js';
import { managedGroupsOf } from './managed-groups.js';
import type { RunStatus } from './ports.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';

export type ReconcileProgress =
  | { readonly phase: 'umapi'; readonly page: number; readonly usersSoFar: number; readonly totalUsers?: number }
  | { readonly phase: 'target'; readonly targetId: string; readonly step: 'reading' | 'planned' | 'failed' };

export interface ReconcileOptions {
  readonly runId: string;
  /** plan: dry-run, changes nothing and records nothing; apply: record the run and queue the work. */
  readonly mode: 'plan' | 'apply';
  /** Only these targets (all when absent). */
  readonly only?: readonly string[];
  readonly onProgress?: (progress: ReconcileProgress) => void;
}

export interface TargetReconcile {
  readonly targetId: string;
  readonly status: 'planned' | 'nothing-to-do' | 'queued' | 'held' | 'failed';
  readonly plan?: TargetPlan;
  readonly verdict?: GuardVerdict;
  readonly queuedMessages: number;
  readonly error?: string;
}

export interface ReconcileReport {
  readonly runId: string;
  readonly mode: 'plan' | 'apply';
  readonly status: 'complete' | 'incomplete';
  readonly snapshotAt: string;
  readonly usersRead: number;
  readonly reason?: string;
  /** Set when the org changed during the read: users not listed were left as they are. */
  readonly note?: string;
  readonly targets: readonly TargetReconcile[];
}

/** What the operator reads when the org changed during the read. */
export const orgChangedNote = (usersListed: number): string =>
  `the org changed during the read (${usersListed} users listed): users not listed were left as they are; the next reconciliation covers them`;

export async function reconcile(options: ReconcileOptions, rt: SyncRuntime): Promise<ReconcileReport> {
  const startedAt = rt.clock.now();
  const snapshotAt = new Date(startedAt).toISOString();
  const bindings = rt.targets.filter((b) => options.only === undefined || options.only.includes(b.config.id));

  let users: ImsUser[];
  let orgGroupNames: readonly string[];
  const churns: ReadChurn[] = [];
  try {
    users = await rt.umapi.listUsers({ onPage: (p) => options.onProgress?.({ phase: 'umapi', ...p }), onChurn: (churn) => churns.push(churn) });
    orgGroupNames = await rt.orgGroups.get();
  } catch (error) {
    if (!(error instanceof SyncError)) throw error;
    const reason = `UMAPI read failed, nothing planned and nothing removed: ${error.message}`;
    rt.log.error('reconciliation stopped: incomplete IMS read', { runId: options.runId, reason });
    rt.metrics.count('IncompleteReads', 1, { system: 'umapi' });
    if (options.mode === 'apply') {
      for (const b of bindings) await recordRun(rt, options.runId, b.config.id, startedAt, 'INCOMPLETE', emptyCounts, { reason });
    }
    return { runId: options.runId, mode: options.mode, status: 'incomplete', snapshotAt, usersRead: 0, reason, targets: [] };
  }

  const churn = churns[0];
  const note = churn === undefined ? undefined : orgChangedNote(users.length);
  if (churn !== undefined) {
    rt.log.warn('the org changed during the read: users not listed are left as they are', { runId: options.runId, usersListed: users.length, signCount: churn.signCount, signs: churn.signs });
    rt.metrics.count('OrgChangedDuringRead', 1, { system: 'umapi' });
  }
  const read: OrgRead = { users, orgGroupNames, unlistedUnknown: churn !== undefined };

  // Targets are independent systems, each with its own call limiter: read and plan them at once.
  const targets = await Promise.all(bindings.map((binding) => reconcileTarget(binding, read, options, startedAt, rt)));
  if (options.mode === 'apply') rt.metrics.count('ReconcileRuns');
  return { runId: options.runId, mode: options.mode, status: 'complete', snapshotAt, usersRead: users.length, ...(note ? { note } : {}), targets };
}

/** What the reconciliation read from IMS; `unlistedUnknown` when the org changed during the read. */
interface OrgRead {
  readonly users: readonly ImsUser[];
  readonly orgGroupNames: readonly string[];
  readonly unlistedUnknown: boolean;
}

const emptyCounts = { adds: 0, removes: 0, wiring: 0, deferred: 0 };

async function reconcileTarget(
  binding: TargetBinding,
  { users, orgGroupNames, unlistedUnknown }: OrgRead,
  options: ReconcileOptions,
  startedAt: number,
  rt: SyncRuntime,
): Promise<TargetReconcile> {
  const target = binding.config;
  const targetId = target.id;
  options.onProgress?.({ phase: 'target', targetId, step: 'reading' });
  let plan: TargetPlan;
  let verdict: GuardVerdict;
  let findings: Record<string, number> | undefined;
  try {
    // AEM: IMS groups already in the instance count too, so a group deleted in IMS is still emptied.
    const candidates = target.kind === 'aem' ? [...orgGroupNames, ...(await binding.adapter.listGroups())] : orgGroupNames;
    const managed = await managedGroupsOf(binding, candidates, rt, { remember: options.mode === 'apply' });
    const actual = await binding.adapter.readState({ groups: [...managed.values()].map((g) => g.name) });
    const desired = desiredMembers(users, target, managed, rt.config.identity);
    // Who keeps access without any managed group must not be disabled (revocation mode disable-user).
    plan = planTarget({ target, managed, desired, actual, access: accessKeys(users, target, rt.config.identity), unlistedUnknown });
    verdict = evaluateGuard(plan, actual, target.guard ?? rt.config.guard);
    if (options.mode === 'apply') findings = await measureDrift({ binding, users, managed, desired, actual, plan, unlistedUnknown }, rt);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    rt.log.error('reconciliation of a target failed; nothing applied there', { runId: options.runId, targetId, reason });
    if (error instanceof IncompleteReadError) rt.metrics.count('IncompleteReads', 1, { system: target.kind });
    options.onProgress?.({ phase: 'target', targetId, step: 'failed' });
    if (options.mode === 'apply') await recordRun(rt, options.runId, targetId, startedAt, 'FAILED', emptyCounts, { reason });
    return { targetId, status: 'failed', queuedMessages: 0, error: reason };
  }
  options.onProgress?.({ phase: 'target', targetId, step: 'planned' });
  const size = sliceSize(plan);
  const counts = { adds: size.adds, removes: size.removes + size.disable, wiring: size.wiring, deferred: plan.deferred.length };
  const nothing = size.adds + size.removes + size.wiring + size.disable + size.enable === 0;
  if (options.mode === 'plan') return { targetId, status: nothing ? 'nothing-to-do' : 'planned', plan, verdict, queuedMessages: 0 };

  try {
    await replaceDeferred(rt, targetId, plan);
    const base = { runId: options.runId, targetId, snapshotAt: new Date(startedAt).toISOString(), correlationId: options.runId };
    if (verdict.verdict === 'hold') {
      const { safe, risky } = splitForGuard(plan);
      const messages = fanOut(safe, { ...base, part: 'run' });
      await rt.queue.send(messages);
      rt.metrics.count('GuardTrips', 1, { target: targetId });
      rt.log.warn('guard held the removals of this target for approval', { runId: options.runId, targetId, reason: verdict.reason });
      await recordRun(rt, options.runId, targetId, startedAt, 'HELD', counts, { verdict, held: risky, findings });
      return { targetId, status: 'held', plan, verdict, queuedMessages: messages.length };
    }
    const messages = fanOut(plan, { ...base, part: 'run' });
    await rt.queue.send(messages);
    await recordRun(rt, options.runId, targetId, startedAt, 'APPLIED', counts, { verdict, findings });
    return { targetId, status: nothing ? 'nothing-to-do' : 'queued', plan, verdict, queuedMessages: messages.length };
  } catch (error) {
    // One target's queue or store failure does not stop the others; the next run plans it again.
    const reason = `planned, but its work could not be queued or recorded: ${error instanceof Error ? error.message : String(error)}`;
    rt.log.error('reconciliation of a target failed after planning', { runId: options.runId, targetId, reason });
    await recordRun(rt, options.runId, targetId, startedAt, 'FAILED', counts, { verdict, reason }).catch(() => undefined);
    return { targetId, status: 'failed', plan, verdict, queuedMessages: 0, error: reason };
  }
}

/** The deferred items of a target are exactly those of its latest plan. */
async function replaceDeferred(rt: SyncRuntime, targetId: string, plan: TargetPlan): Promise<void> {
  const keyOf = (d: { kind: string; key: string; group?: string }) => `${d.kind}|${d.key}|${d.group ?? ''}`;
  const current = new Set(plan.deferred.map(keyOf));
  const previous = await rt.stores.deferred.list(targetId);
  const known = new Set(previous.map(keyOf));
  const resolved = previous.filter((d) => !current.has(keyOf(d)));
  if (resolved.length > 0) await rt.stores.deferred.clear(targetId, resolved);
  // Only what is newly deferred is written: a large org defers the same thousands every run.
  const fresh = plan.deferred.filter((d) => !known.has(keyOf(d)));
  if (fresh.length > 0) await rt.stores.deferred.put(fresh.map((d) => ({ ...d, targetId, since: rt.clock.now() })));
  if (plan.deferred.length > 0) rt.metrics.count('Deferred', plan.deferred.length, { target: targetId });
}

async function recordRun(
  rt: SyncRuntime,
  runId: string,
  targetId: string,
  startedAt: number,
  status: RunStatus,
  counts: { adds: number; removes: number; wiring: number; deferred: number },
  extra: { verdict?: GuardVerdict; held?: PlanSlice; reason?: string; findings?: Record<string, number> | undefined },
): Promise<void> {
  const { findings, ...rest } = extra;
  await rt.stores.runs.put({ runId, targetId, startedAt, status, counts, snapshotAt: startedAt, ...rest, ...(findings ? { findings } : {}) });
}
