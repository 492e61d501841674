/**
 * The stores and queue the use cases depend on. Implemented over DynamoDB and SQS in `lib/aws/`,
 * and by plain in-memory fakes in tests.
 */
import type { WorkMessage } from '../domain/messages.js';
import type { GuardVerdict, PlanSlice, Deferred } from '../domain/plan-types.js';

export interface WorkQueue {
  /** Durably enqueue (batched); resolves only when every message is accepted, raises otherwise. */
  send(messages: readonly WorkMessage[]): Promise<void>;
}

export type IdempotencyOutcome = 'started' | 'already-done' | 'in-progress';

export interface IdempotencyStore {
  /** Claim (event, target) for `leaseMs`; a lease that expired may be claimed again. */
  begin(eventId: string, targetId: string, leaseMs: number): Promise<IdempotencyOutcome>;
  /** Mark these events done in the target, together (one DynamoDB request per 25). */
  complete(eventIds: readonly string[], targetId: string): Promise<void>;
  /** Give the claim back after a failure, so a redelivery can try again at once. */
  release(eventId: string, targetId: string): Promise<void>;
  /** The events among `eventIds` already completed in every one of `targetIds` (a read: claims nothing). */
  doneEverywhere(eventIds: readonly string[], targetIds: readonly string[]): Promise<Set<string>>;
}

export interface MembershipVersion {
  /** Epoch milliseconds of the IMS change (delta) or snapshot (reconcile, hint) this state comes from. */
  readonly at: number;
  readonly eventId: string;
  readonly present: boolean;
}

export interface VersionStore {
  /** The newest applied state of each (target, user, group), if any, in the order asked (one request per 100). */
  get(targetId: string, members: readonly { readonly userKey: string; readonly group: string }[]): Promise<(MembershipVersion | undefined)[]>;
  /** Record a state only if newer than the stored one (conditional write); false when a newer one is there. */
  putIfNewer(targetId: string, userKey: string, group: string, version: MembershipVersion): Promise<boolean>;
}

export interface DeferredRecord extends Deferred {
  readonly targetId: string;
  readonly since: number;
}

export interface DeferredStore {
  put(records: readonly DeferredRecord[]): Promise<void>;
  clear(targetId: string, items: readonly Pick<Deferred, 'kind' | 'key' | 'group'>[]): Promise<void>;
  list(targetId?: string): Promise<DeferredRecord[]>;
}

/** APPROVING: an approval has claimed the held removals and is queuing them (approve again to finish). */
export type RunStatus = 'APPLIED' | 'HELD' | 'APPROVING' | 'APPROVED' | 'REJECTED' | 'FAILED' | 'INCOMPLETE';

export interface RunTargetRecord {
  readonly runId: string;
  readonly targetId: string;
  readonly startedAt: number;
  readonly status: RunStatus;
  readonly verdict?: GuardVerdict;
  readonly counts: { readonly adds: number; readonly removes: number; readonly wiring: number; readonly deferred: number };
  /** The removals a guard held back, to be released by `approve`. */
  readonly held?: PlanSlice;
  readonly snapshotAt?: number;
  readonly reason?: string;
  /** Access-review findings per kind seen by this run (`DriftFindings`); a kind absent was not counted. */
  readonly findings?: Readonly<Record<string, number>>;
}

export interface RunStore {
  put(record: RunTargetRecord): Promise<void>;
  get(runId: string): Promise<RunTargetRecord[]>;
  /** Newest first. */
  list(limit: number): Promise<RunTargetRecord[]>;
  /** Move a run's target from one status to another, only if it is in `from` now (conditional); false otherwise. */
  transition(runId: string, targetId: string, from: RunStatus, to: RunStatus): Promise<boolean>;
}

export interface AuditEntry {
  readonly targetId: string;
  /** The user key, or for wiring the IMS group. */
  readonly member: string;
  readonly group: string;
  readonly op: 'add' | 'remove' | 'wire' | 'disable' | 'enable';
  readonly cause: string;
  readonly actor?: string;
  readonly at: number;
  readonly outcome: 'applied' | 'failed' | 'skipped-newer';
  readonly detail?: string;
}

export interface AuditStore {
  record(entries: readonly AuditEntry[]): Promise<void>;
  byMember(member: string, sinceMs?: number): Promise<AuditEntry[]>;
  byGroup(group: string, sinceMs?: number): Promise<AuditEntry[]>;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly receiveCount: number;
  readonly messageGroupId?: string;
  /** Why the worker parked it here, when it did (the `reason` attribute); absent after a redrive. */
  readonly reason?: string;
  /** The id the message had in the work queue, when the worker parked it (a redrive keeps the id). */
  readonly parkedFrom?: string;
}

/**
 * Campaign groups the sync has managed, per target and association mask (`lib/aws/managed-store.ts`):
 * a group stays managed after the product profile that named it is deleted, so its members are removed.
 */
export interface ManagedGroupStore {
  /** Remember these groups as managed in the target under this mask (idempotent). */
  remember(targetId: string, names: readonly string[], mask: string): Promise<void>;
  /** Every group ever managed in the target under this mask, spelled as first seen. */
  list(targetId: string, mask: string): Promise<string[]>;
}

/** The dead-letter queue as replay sees it. */
export interface DeadLetters {
  /** Up to `max` messages, hidden from other readers until deleted or released. */
  receive(max: number): Promise<DeadLetter[]>;
  /** Send these bodies back to the main queue, durably, deduplicated per replay (`replayId`). */
  sendBack(messages: readonly DeadLetter[], replayId: string): Promise<void>;
  delete(receiptHandles: readonly string[]): Promise<void>;
  /** Make these visible again at once (left where they are). */
  release(receiptHandles: readonly string[]): Promise<void>;
}
