/**
 * Apply webhook changes about users (deltas and user hints) — a whole SQS batch at once — in every target.
 *
 * Removal first: a `membership.removed` (user left group G) or `user.removed` is applied from the
 * event itself at once, with no UMAPI call, so revocation never waits for the UMAPI budget. Only G
 * (or, for a user who left the org, every managed group) is removed; a removal from G is followed by
 * a re-check of the user as separate work (a hint in a FIFO group of its own, read from UMAPI within
 * the budget), which catches what else the event implies — e.g. a profile removal that ends access to an
 * instance. Last writer wins per (target, user, group), so the re-check can never re-add what a newer
 * event removed. A removal from a product profile that Campaign maps is not proved by its event (a
 * user group may carry the same profile, `isRemovalProvedByEvent`): the profile's member list, read
 * after it, proves it (`removal-proofs.ts`), and it is then applied the same way; unproved, it is read
 * as an addition is.
 *
 * Then adds and hints read the truth (one UMAPI read per user, however many of their events the
 * batch holds, or one group member list for several of them: `user-facts.ts`): granting access is
 * never urgent enough to skip the read. An addition to G is then planned for G alone, a hint or
 * re-check for the user's whole state.
 *
 * Both steps are coalesced per target (`user-batch.ts`): one read, one plan, one write per changed group.
 * The removals' target calls are marked urgent: where one process runs several batches against an
 * instance, they take its next free call slots before other work does (`targets/call-priority.ts`).
 */
import { createHash } from 'node:crypto';
import { mapLimit } from '../concurrency.js';
import { foldName } from '../domain/ims.js';
import { isRemovalProvedByEvent, type DeltaMessage, type HintMessage } from '../domain/messages.js';
import { SyncError } from '../errors.js';
import { asUrgent } from '../targets/call-priority.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';
import type { TargetReport, WorkReport } from './per-target.js';
import { applyUsersInTarget, mayConcern, type UserFact, type UserMessage, type UserWork, type WorkInTarget } from './user-batch.js';
import { readFacts } from './user-facts.js';
import { proveRemovalsByLists } from './removal-proofs.js';
import { claimLeaseMs, withinBudget, type WorkBudget } from './work-budget.js';
import { toTargetFailure, WorkFailedError, type TargetFailure } from './work-errors.js';

export type { UserMessage } from './user-batch.js';

/** What became of one message: its report, or the error the worker turns into a retry decision. */
export type MessageResult = { readonly ok: true; readonly report: WorkReport } | { readonly ok: false; readonly error: unknown };

type Deps = Pick<SyncRuntime, 'config' | 'clock' | 'log' | 'metrics' | 'targets' | 'umapi' | 'orgGroups' | 'recentGroupReads' | 'appliedFacts' | 'queue' | 'stores'>;

/** Claims in flight at once per target: each is one conditional write to the idempotency table. */
const CLAIM_CONCURRENCY = 16;

interface Progress {
  readonly reports: TargetReport[];
  readonly failures: TargetFailure[];
}

/** Apply these messages together; one result per message, in the same order. */
export async function applyUserWork(messages: readonly UserMessage[], rt: Deps, budget?: WorkBudget): Promise<MessageResult[]> {
  const results: (MessageResult | undefined)[] = messages.map((message) => (message.user === undefined ? { ok: false, error: new UserlessHintError(message.id) } : undefined));
  const pending = messages.map((message, index) => ({ message, index })).filter(({ index }) => results[index] === undefined);

  // 1. Removals, applied at once: those their events prove, and those their group's member list,
  // read after them, proves (a removal from a Campaign product profile: `removal-proofs.ts`).
  const receivedBy = rt.clock.now();
  const targetConfigs = rt.targets.map((b) => b.config);
  const toProve = pending.flatMap(({ message, index }) =>
    message.kind === 'delta' && message.change === 'membership.removed' && !isRemovalProvedByEvent(message, targetConfigs) ? [{ index, message }] : [],
  );
  const provedByList = await proveRemovalsByLists(toProve, receivedBy, rt);
  const urgent = pending.flatMap(({ message, index }) => {
    const proved = message.kind === 'delta' && (isRemovalProvedByEvent(message, targetConfigs) || provedByList.has(index));
    return proved ? [{ index, work: { message, fact: removalFactOf(message) } }] : [];
  });
  // Their target calls go before any other work's waiting in this process (`call-priority.ts`).
  const urgentProgress = await asUrgent(() => applyInEveryTarget(urgent.map((u) => u.work), rt, budget));
  const rechecks: { index: number; hint: HintMessage }[] = [];
  urgent.forEach(({ index, work }, i) => {
    const progress = urgentProgress[i];
    if (progress === undefined) return;
    results[index] = settle(work.message, progress);
    if (progress.failures.length === 0 && work.fact.kind === 'removed-from' && work.message.kind === 'delta') rechecks.push({ index, hint: recheckOf(work.message) });
  });
  if (rechecks.length > 0) {
    // Queued once the removal is applied everywhere: a redelivery finds the targets done and queues it again (deduplicated).
    try {
      await rt.queue.send(rechecks.map((r) => r.hint));
    } catch (error) {
      for (const { index } of rechecks) results[index] = { ok: false, error };
    }
  }

  // 2. The rest reads the truth: one UMAPI read per user, except for redeliveries already done everywhere.
  const rest = pending.filter(({ index }) => !urgent.some((u) => u.index === index));
  const done = await doneEverywhere(rest.map(({ message }) => message.id), rt);
  const toRead: typeof rest = [];
  for (const entry of rest) {
    if (!done.has(entry.message.id)) toRead.push(entry);
    else results[entry.index] = { ok: true, report: alreadyDone(entry.message, rt) };
  }
  const facts = await readFacts(toRead.map(({ message }) => message), rt, receivedBy);
  const readable: { index: number; work: UserWork }[] = [];
  for (const { message, index } of toRead) {
    const fact = facts.get(foldName(message.user?.email ?? ''));
    if (fact === undefined || 'error' in fact) results[index] = { ok: false, error: fact?.error ?? new Error('no UMAPI read') };
    else readable.push({ index, work: { message, fact } });
  }
  const readProgress = await applyInEveryTarget(readable.map((r) => r.work), rt, budget);
  readable.forEach(({ index, work }, i) => {
    const progress = readProgress[i];
    if (progress !== undefined) results[index] = settle(work.message, progress);
  });

  return results.map((result, index) => result ?? { ok: false, error: new Error(`message ${messages[index]?.id ?? index} was not applied`) });
}

/**
 * Events completed in every target: a redelivery (a delete lost after success, an Adobe retry)
 * must not spend a UMAPI read, nor wait for one, to find out. A failed look is no answer: the
 * events are then read and claimed as usual, and the claims find them done.
 */
async function doneEverywhere(eventIds: readonly string[], rt: Deps): Promise<Set<string>> {
  if (eventIds.length === 0) return new Set();
  try {
    return await rt.stores.idempotency.doneEverywhere(eventIds, rt.targets.map((b) => b.config.id));
  } catch (error) {
    rt.log.warn('could not look up which events are already done; reading them all', { error: String(error) });
    return new Set();
  }
}

function alreadyDone(message: UserMessage, rt: Deps): WorkReport {
  const targets = rt.targets.map((b) => ({ targetId: b.config.id, status: 'already-done' as const })).sort((a, b) => a.targetId.localeCompare(b.targetId));
  return { messageId: message.id, targets };
}

/** The fact a proved removal stands for (by its event, or by its group's list): the event's own. */
function removalFactOf(message: DeltaMessage): UserFact {
  const at = Date.parse(message.occurredAt);
  return message.change === 'membership.removed' && message.group !== undefined ? { kind: 'removed-from', group: message.group, at } : { kind: 'gone', at };
}

/** The re-check that follows a removal applied from the event: the whole user, read from UMAPI. */
export function recheckOf(message: DeltaMessage): HintMessage {
  const suffix = ':recheck';
  const id = message.id.length + suffix.length <= 128 ? `${message.id}${suffix}` : `recheck:${createHash('sha256').update(message.id).digest('hex')}`;
  return {
    kind: 'hint',
    id,
    occurredAt: message.occurredAt,
    correlationId: message.correlationId,
    source: message.source,
    ...(message.actor ? { actor: message.actor } : {}),
    user: message.user,
    reason: `re-check after ${message.change} of ${message.group ?? 'the org'} (event ${message.id})`,
    recheck: true,
  };
}

/**
 * Every target at once, each independent of the others: per target, each work's event is claimed
 * (a redelivery finds it done; a concurrent duplicate finds it in progress), the claimed works are
 * applied together, and each is completed or released on its own outcome.
 */
async function applyInEveryTarget(works: readonly UserWork[], rt: Deps, budget: WorkBudget | undefined): Promise<Progress[]> {
  const progress: Progress[] = works.map(() => ({ reports: [], failures: [] }));
  if (works.length === 0) return progress;
  await Promise.all(rt.targets.map((binding) => inTarget(binding, works, progress, rt, budget)));
  return progress;
}

async function inTarget(binding: TargetBinding, works: readonly UserWork[], progress: Progress[], rt: Deps, budget: WorkBudget | undefined): Promise<void> {
  const targetId = binding.config.id;
  const claimed: number[] = [];
  try {
    // A work that certainly changes nothing here (a removal from a group this target does not manage) needs no claim.
    const candidates: { i: number; work: UserWork }[] = [];
    for (const [i, work] of works.entries()) {
      if (mayConcern(binding.config, work)) candidates.push({ i, work });
      else progress[i]?.reports.push({ targetId, status: 'not-concerned' });
    }
    const claims = await mapLimit(candidates, CLAIM_CONCURRENCY, async ({ i, work }) => ({
      i,
      claim: await rt.stores.idempotency.begin(work.message.id, targetId, claimLeaseMs(budget, rt.clock.now())).catch((error: unknown) => ({ error })),
    }));
    let refused: { error: unknown } | undefined;
    for (const { i, claim } of claims) {
      if (typeof claim === 'object') refused ??= claim;
      else if (claim === 'already-done') progress[i]?.reports.push({ targetId, status: 'already-done' });
      else if (claim === 'in-progress') progress[i]?.failures.push({ targetId, reason: 'another delivery of this event is being applied', retryable: true });
      else claimed.push(i);
    }
    // A claim the store could not make: the batch's works not settled here fail with it, claimed ones released.
    if (refused !== undefined) throw refused.error;
    if (claimed.length === 0) return;
    const mine = claimed.map((i) => works[i]).filter((w): w is UserWork => w !== undefined);
    const outcomes = await withinBudget(budget, targetId, binding.config.kind, rt.clock.now(), () => applyUsersInTarget(binding, mine, rt));
    await record(claimed.map((i, n) => ({ i, result: outcomes[n] ?? { status: 'not-concerned' } })));
  } catch (error) {
    // The whole target failed (down, out of time, a store failure): every work not settled here fails, claimed ones are released.
    const failure = toTargetFailure(targetId, error);
    rt.log.warn('target failed', { targetId, reason: failure.reason, retryable: failure.retryable });
    const settledHere = (p: Progress): boolean => p.reports.some((r) => r.targetId === targetId) || p.failures.some((f) => f.targetId === targetId);
    const mine = new Set(claimed);
    for (const [i, work] of works.entries()) {
      const p = progress[i];
      if (p === undefined || settledHere(p)) continue;
      if (mine.has(i)) await rt.stores.idempotency.release(work.message.id, targetId).catch(() => undefined);
      p.failures.push(failure);
    }
  }

  /** Failed works are released one by one; the others are completed together, then reported. */
  async function record(settled: readonly { i: number; result: WorkInTarget }[]): Promise<void> {
    const done: { i: number; eventId: string; report: TargetReport }[] = [];
    await Promise.all(
      settled.map(async ({ i, result }) => {
        const work = works[i];
        if (work === undefined) return;
        if (result.status !== 'failed') {
          done.push({ i, eventId: work.message.id, report: result.status === 'applied' ? { targetId, status: 'applied', outcome: result.outcome } : { targetId, status: 'not-concerned' } });
          return;
        }
        await rt.stores.idempotency.release(work.message.id, targetId);
        rt.log.warn('target failed', { targetId, workId: work.message.id, reason: result.failure.reason, retryable: result.failure.retryable });
        progress[i]?.failures.push(result.failure);
      }),
    );
    if (done.length === 0) return;
    await rt.stores.idempotency.complete(done.map((d) => d.eventId), targetId);
    for (const { i, report } of done) progress[i]?.reports.push(report);
  }
}

function settle(message: UserMessage, progress: Progress): MessageResult {
  if (progress.failures.length > 0) return { ok: false, error: new WorkFailedError(progress.failures) };
  return { ok: true, report: { messageId: message.id, targets: [...progress.reports].sort((a, b) => a.targetId.localeCompare(b.targetId)) } };
}

/** A hint that names only a group is reconciled for that group, not per user. */
export class UserlessHintError extends SyncError {
  readonly code = 'USERLESS_HINT';
  readonly retryable = false;
  constructor(messageId: string) {
    super(`message ${messageId} names no user`);
  }
}
