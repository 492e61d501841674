/**
 * Apply one target's plan slice: reserve each membership for this IMS fact (last writer wins per
 * target, user and group), drop what a newer fact already decided, apply the rest with the
 * adapter's fewest calls, then record deferred items and an audit entry for every change.
 *
 * Reserving before applying (a conditional write of the version) makes the check and the record one
 * atomic step: of two workers racing on one membership, the older fact loses before it touches the
 * target. A failed apply keeps its reservation; the same event's retry may apply again (same time
 * and event id), an older one may not, and the next reconciliation, being newer, repairs the rest.
 */
import { mapLimit } from '../concurrency.js';
import { isEmptySlice } from '../domain/guard.js';
import type { Deferred, GroupChange, PlanSlice } from '../domain/plan-types.js';
import type { AppliedChange, FailedChange } from '../targets/port.js';
import type { AuditEntry } from './ports.js';
import { recordRevocationLatency } from './revocation-latency.js';
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

/** A membership the plan decided needs no change (already as IMS says): recorded, so an older fact cannot undo it. */
export interface Decision {
  readonly member: string;
  readonly group: string;
  readonly present: boolean;
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

/** The version row of a user's disabled state (AEM `disable-user`), beside their group rows. */
export const DISABLED_STATE = '(disabled)';

export async function applyPlanSlice(
  slice: PlanSlice,
  deferred: readonly Deferred[],
  ctx: ApplyContext,
  deps: Deps,
  decisions: readonly Decision[] = [],
): Promise<TargetOutcome> {
  const targetId = ctx.binding.config.id;
  const { fresh, stale } = await reserve(slice, ctx, deps);
  await mapLimit(decisions, STORE_CONCURRENCY, (d) =>
    deps.stores.versions.putIfNewer(targetId, d.member, d.group, { at: ctx.at, eventId: ctx.eventId, present: d.present }),
  );
  const result = isEmptySlice(fresh) ? { applied: [], failed: [] } : await ctx.binding.adapter.apply(fresh);

  if (deferred.length > 0) {
    await deps.stores.deferred.put(deferred.map((item) => ({ ...item, targetId, since: deps.clock.now() })));
  }

  const now = deps.clock.now();
  recordRevocationLatency(result.applied, ctx, now, deps.metrics);
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
 * Reserve every membership change (and disabled state) for this fact with a conditional version
 * write; keep only those it won. An older event arriving late, or a snapshot read before a newer
 * delta was applied, never undoes the newer change. Wiring is additive and needs no version.
 */
async function reserve(slice: PlanSlice, ctx: ApplyContext, deps: Deps): Promise<{ fresh: PlanSlice; stale: AppliedChange[] }> {
  const targetId = ctx.binding.config.id;
  const stale: AppliedChange[] = [];
  const won = async (member: string, group: string, present: boolean, change: AppliedChange): Promise<boolean> => {
    const ok = await deps.stores.versions.putIfNewer(targetId, member, group, { at: ctx.at, eventId: ctx.eventId, present });
    if (!ok) stale.push(change);
    return ok;
  };
  const keep = async (members: readonly string[], decide: (member: string) => Promise<boolean>): Promise<string[]> =>
    (await mapLimit(members, STORE_CONCURRENCY, async (m) => ((await decide(m)) ? m : undefined))).filter((m): m is string => m !== undefined);

  const changes: GroupChange[] = [];
  for (const change of slice.changes) {
    const group = change.group;
    const add = await keep(change.add, (m) => won(m, group, true, { op: 'add', group, member: m }));
    const remove = await keep(change.remove, (m) => won(m, group, false, { op: 'remove', group, member: m }));
    if (add.length > 0 || remove.length > 0) changes.push({ group, add, remove });
  }
  const disable = await keep(slice.disable, (m) => won(m, DISABLED_STATE, true, { op: 'disable', member: m }));
  const enable = await keep(slice.enable, (m) => won(m, DISABLED_STATE, false, { op: 'enable', member: m }));
  return { fresh: { changes, wiring: slice.wiring, disable, enable }, stale };
}
