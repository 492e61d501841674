/**
 * Apply one target's plan slice: drop the changes a newer event already decided (last writer wins
 * per target, user and group), apply the rest with the adapter's fewest calls, then record versions,
 * deferred items and an audit entry for every change.
 */
import { mapLimit } from '../concurrency.js';
import { isEmptySlice } from '../domain/guard.js';
import type { Deferred, GroupChange, PlanSlice } from '../domain/plan-types.js';
import type { AppliedChange, FailedChange } from '../targets/port.js';
import type { AuditEntry } from './ports.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';

export interface ApplyContext {
  readonly binding: TargetBinding;
  /** The event or reconciliation message this comes from. */
  readonly eventId: string;
  /** Epoch ms of the IMS fact behind the plan: the event time of a delta, the read time of a snapshot. */
  readonly at: number;
  /** For the audit trail: "event <id>" or "run <id>". */
  readonly cause: string;
  readonly actor?: string;
}

export interface TargetOutcome {
  readonly targetId: string;
  readonly applied: readonly AppliedChange[];
  readonly failed: readonly FailedChange[];
  readonly skippedNewer: number;
  readonly deferred: number;
}

type Deps = Pick<SyncRuntime, 'stores' | 'clock' | 'metrics' | 'log'>;

/** Version reads and writes in flight at once: a 500-member slice takes ~30 round trips, not 1000. */
const STORE_CONCURRENCY = 16;

export async function applyPlanSlice(slice: PlanSlice, deferred: readonly Deferred[], ctx: ApplyContext, deps: Deps): Promise<TargetOutcome> {
  const targetId = ctx.binding.config.id;
  const { fresh, stale } = await dropSuperseded(slice, ctx, deps);
  const result = isEmptySlice(fresh) ? { applied: [], failed: [] } : await ctx.binding.adapter.apply(fresh);

  const memberships = result.applied.filter((c) => (c.op === 'add' || c.op === 'remove') && c.group !== undefined);
  await mapLimit(memberships, STORE_CONCURRENCY, (change) =>
    deps.stores.versions.putIfNewer(targetId, change.member, change.group ?? '', { at: ctx.at, eventId: ctx.eventId, present: change.op === 'add' }),
  );
  if (deferred.length > 0) {
    await deps.stores.deferred.put(deferred.map((item) => ({ ...item, targetId, since: deps.clock.now() })));
  }

  const now = deps.clock.now();
  const audit = (change: AppliedChange, outcome: AuditEntry['outcome'], detail?: string): AuditEntry => ({
    targetId,
    member: change.member,
    group: change.group ?? '',
    op: change.op,
    cause: ctx.cause,
    ...(ctx.actor ? { actor: ctx.actor } : {}),
    at: now,
    outcome,
    ...(detail ? { detail } : {}),
  });
  const entries = [
    ...result.applied.map((c) => audit(c, 'applied')),
    ...result.failed.map((c) => audit(c, 'failed', c.error)),
    ...stale.map((c) => audit(c, 'skipped-newer', 'a newer change was already applied')),
  ];
  if (entries.length > 0) await deps.stores.audit.record(entries);

  const dims = { target: targetId };
  const appliedByOp = new Map<string, number>();
  for (const change of result.applied) appliedByOp.set(change.op, (appliedByOp.get(change.op) ?? 0) + 1);
  for (const [op, count] of appliedByOp) deps.metrics.count('ChangesApplied', count, { ...dims, op });
  if (result.failed.length > 0) deps.metrics.count('ChangesFailed', result.failed.length, dims);
  if (stale.length > 0) deps.metrics.count('ChangesSkippedNewer', stale.length, dims);
  if (deferred.length > 0) deps.metrics.count('Deferred', deferred.length, dims);
  return { targetId, applied: result.applied, failed: result.failed, skippedNewer: stale.length, deferred: deferred.length };
}

/**
 * Keep only memberships whose newest applied version is older than this fact. An older event that
 * arrives late, or a snapshot read before a delta was applied, never undoes the newer change.
 */
async function dropSuperseded(slice: PlanSlice, ctx: ApplyContext, deps: Deps): Promise<{ fresh: PlanSlice; stale: AppliedChange[] }> {
  const targetId = ctx.binding.config.id;
  const stale: AppliedChange[] = [];
  const isFresh = async (member: string, group: string, op: 'add' | 'remove'): Promise<boolean> => {
    const version = await deps.stores.versions.get(targetId, member, group);
    const superseded = version !== undefined && version.at > ctx.at;
    if (superseded) stale.push({ op, group, member });
    return !superseded;
  };
  const changes: GroupChange[] = [];
  for (const change of slice.changes) {
    const keep = async (members: readonly string[], op: 'add' | 'remove') =>
      (await mapLimit(members, STORE_CONCURRENCY, async (m) => ((await isFresh(m, change.group, op)) ? m : undefined))).filter(
        (m): m is string => m !== undefined,
      );
    const add = await keep(change.add, 'add');
    const remove = await keep(change.remove, 'remove');
    if (add.length > 0 || remove.length > 0) changes.push({ group: change.group, add, remove });
  }
  return { fresh: { ...slice, changes }, stale };
}

