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

/** The IMS fact a membership change comes from. */
export interface Fact {
  /** The event or reconciliation message. */
  readonly eventId: string;
  /** Epoch ms of the fact: the event time of a delta, the read time of a snapshot. */
  readonly at: number;
  /** For the audit trail: "event <id>" or "run <id>". */
  readonly cause: string;
  readonly actor?: string;
}

export interface ApplyContext {
  readonly binding: TargetBinding;
  /**
   * The fact behind each membership (group `DISABLED_STATE` for a disabled state): one for a whole
   * reconciliation slice, one per user and group when a batch of events is applied together.
   */
  readonly factOf: (member: string, group: string) => Fact;
}

/** A context where every membership comes from the same fact. */
export function sameFact(binding: TargetBinding, fact: Fact): ApplyContext {
  return { binding, factOf: () => fact };
}

const versionFrom = (fact: Fact, present: boolean) => ({ at: fact.at, eventId: fact.eventId, present });

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
  /** The changes a newer fact had already decided (counted in skippedNewer). */
  readonly skipped: readonly AppliedChange[];
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
    deps.stores.versions.putIfNewer(targetId, d.member, d.group, versionFrom(ctx.factOf(d.member, d.group), d.present)),
  );
  const written = isEmptySlice(fresh) ? { applied: [], failed: [] } : await ctx.binding.adapter.apply(fresh);
  const repaired = await repairOvertaken(written.applied, ctx, deps);
  const result = { applied: [...written.applied, ...repaired.applied], failed: [...written.failed, ...repaired.failed] };

  if (deferred.length > 0) {
    await deps.stores.deferred.put(deferred.map((item) => ({ ...item, targetId, since: deps.clock.now() })));
  }

  const now = deps.clock.now();
  const factOfChange = (change: AppliedChange): Fact => ctx.factOf(change.member, change.group ?? DISABLED_STATE);
  recordRevocationLatency(result.applied, targetId, factOfChange, now, deps.metrics);
  const audit = (change: AppliedChange, outcome: AuditEntry['outcome'], detail?: string): AuditEntry => {
    const fact = factOfChange(change);
    return {
      targetId,
      member: change.member,
      group: change.group ?? '',
      op: change.op,
      cause: fact.cause,
      ...(fact.actor ? { actor: fact.actor } : {}),
      at: now,
      outcome,
      ...(detail ? { detail } : {}),
    };
  };
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
  return { targetId, applied: result.applied, failed: result.failed, skippedNewer: stale.length, skipped: stale, deferred: deferred.length };
}

/**
 * Between our reservation and our write, a newer fact may have reserved the same membership and
 * written its own state to the target first; our write would then undo it (an old reconciliation
 * slice re-granting what a webhook just removed). So after writing, each change is checked against
 * the stored version once more, and where a newer fact with the other state won meanwhile, that
 * state is written again. Timeline: we reserve (t0); E reserves (t1), E writes (t2); we write (t3);
 * we check (t4 > t3): if t1 < t4 we see E and re-write E's state (t5), whatever the order of t2 and
 * t3; if t1 > t4, E's own write (t2 > t1) comes after ours. Either way E's state is the last written.
 */
async function repairOvertaken(applied: readonly AppliedChange[], ctx: ApplyContext, deps: Deps): Promise<{ applied: AppliedChange[]; failed: FailedChange[] }> {
  const targetId = ctx.binding.config.id;
  const checked = applied.flatMap((change) => {
    const row = change.op === 'disable' || change.op === 'enable' ? DISABLED_STATE : change.group;
    return change.op === 'wire' || row === undefined ? [] : [{ change, row }];
  });
  // One read for all of them (BatchGetItem), not one each.
  const stored = await deps.stores.versions.get(targetId, checked.map(({ change, row }) => ({ userKey: change.member, group: row })));
  const undo = checked.flatMap(({ change, row }, i) => {
    const version = stored[i];
    const ours = change.op === 'add' || change.op === 'disable';
    const fact = ctx.factOf(change.member, row);
    const newer = version !== undefined && (version.at !== fact.at || version.eventId !== fact.eventId);
    return newer && version.present !== ours ? [change] : [];
  });
  if (undo.length === 0) return { applied: [], failed: [] };
  const changes = new Map<string, { group: string; add: string[]; remove: string[] }>();
  for (const change of undo) {
    if (change.group === undefined || (change.op !== 'add' && change.op !== 'remove')) continue;
    const entry = changes.get(change.group) ?? { group: change.group, add: [], remove: [] };
    (change.op === 'add' ? entry.remove : entry.add).push(change.member);
    changes.set(change.group, entry);
  }
  const restore: PlanSlice = {
    changes: [...changes.values()],
    wiring: [],
    disable: undo.filter((c) => c.op === 'enable').map((c) => c.member),
    enable: undo.filter((c) => c.op === 'disable').map((c) => c.member),
  };
  deps.log.warn('a newer change landed while this one was written: its state is written again', { targetId, changes: undo.length });
  deps.metrics.count('ChangesOvertaken', undo.length, { target: targetId });
  return ctx.binding.adapter.apply(restore).then((r) => ({ applied: [...r.applied], failed: [...r.failed] }));
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
    const ok = await deps.stores.versions.putIfNewer(targetId, member, group, versionFrom(ctx.factOf(member, group), present));
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
