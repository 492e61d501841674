/**
 * The internal work messages that travel through the queue (ARCHITECTURE.md, "The flow"):
 * - delta: one membership change known precisely, applied last-writer-wins on `occurredAt`;
 * - hint: "something about this user or group changed", resolved by reading UMAPI;
 * - reconcile: a slice of a reconciliation plan for one target, planned from a snapshot at `snapshotAt`.
 * Parsed with these schemas when read back from SQS: never cast.
 */
import { z } from 'zod';
import type { Target } from '../config/schema.js';
import { isManagedName } from './managed.js';

const isoTime = z.iso.datetime({ offset: true });

export const UserRef = z.object({ id: z.string().min(1).optional(), email: z.string().min(3) }).strict();
export type UserRef = z.infer<typeof UserRef>;

export const EventSource = z.enum(['adobe-io', 'generic', 'cli', 'schedule']);

const common = {
  /** Unique id of the event (deduplication and idempotency key). */
  id: z.string().min(1).max(128),
  occurredAt: isoTime,
  correlationId: z.string().min(1),
  source: EventSource,
  /** Who made the change in the Admin Console, when known (audit trail). */
  actor: z.string().optional(),
};

export const DeltaMessage = z
  .object({
    kind: z.literal('delta'),
    ...common,
    change: z.enum(['membership.added', 'membership.removed', 'user.removed']),
    user: UserRef,
    /** The IMS user group or product profile; absent for user.removed. */
    group: z.string().min(1).optional(),
  })
  .strict();
export type DeltaMessage = z.infer<typeof DeltaMessage>;

export const HintMessage = z
  .object({
    kind: z.literal('hint'),
    ...common,
    user: UserRef.optional(),
    group: z.string().min(1).optional(),
    reason: z.string().min(1),
    /**
     * A re-check that follows a removal already applied from its event: the urgent part is done, so
     * it reads UMAPI only with budget no other work is waiting for (lib/sync/user-facts.ts).
     */
    recheck: z.literal(true).optional(),
  })
  .strict()
  .refine((hint) => hint.user !== undefined || hint.group !== undefined, { message: 'a hint names a user or a group' });
export type HintMessage = z.infer<typeof HintMessage>;

const GroupChange = z.object({ group: z.string().min(1), add: z.array(z.string()), remove: z.array(z.string()) }).strict();
const Wiring = z.object({ group: z.string().min(1), memberOf: z.array(z.string().min(1)) }).strict();

export const ReconcileMessage = z
  .object({
    kind: z.literal('reconcile'),
    ...common,
    runId: z.string().min(1),
    targetId: z.string().min(1),
    /** When the IMS snapshot this slice was planned from was read: newer deltas win over it. */
    snapshotAt: isoTime,
    slice: z
      .object({
        changes: z.array(GroupChange),
        wiring: z.array(Wiring),
        disable: z.array(z.string()),
        enable: z.array(z.string()),
      })
      .strict(),
  })
  .strict();
export type ReconcileMessage = z.infer<typeof ReconcileMessage>;

export const WorkMessage = z.union([DeltaMessage, HintMessage, ReconcileMessage]);
export type WorkMessage = z.infer<typeof WorkMessage>;

/**
 * Whether a message is a removal its event proves on its own, applied with no UMAPI read. A user
 * who left the org has no access anywhere; a user who left a user group is out of it. But a user who
 * left a product profile may still hold it through a user group that carries it (UMAPI's
 * `directOnly=false`, contracts/ims-and-umapi.md §3.1), and UMAPI does not say which groups carry
 * which profiles: a removal from a profile a Campaign target maps (its association mask) needs a
 * UMAPI read first (its member list, lib/sync/removal-proofs.ts). Without the targets (replay,
 * which loads no configuration) every removal counts: that only picks its queue, and the worker,
 * which has them, decides again.
 */
export function isRemovalProvedByEvent(message: WorkMessage, targets?: readonly Target[]): boolean {
  if (message.kind !== 'delta') return false;
  if (message.change === 'user.removed') return true;
  if (message.change !== 'membership.removed' || message.group === undefined) return false;
  const group = message.group;
  return !(targets ?? []).some((t) => t.kind === 'campaign' && isManagedName(t, group));
}

/**
 * The queue a message travels on. Revocations an event proves have a queue of their own, drained by
 * their own workers: they need no UMAPI read, so they must never wait behind work that does — the
 * re-checks that wait for the UMAPI budget, a reconciliation's slices, additions. Everything else,
 * a removal that must be read first included, is `work`.
 */
export type Lane = 'revocation' | 'work';

export function laneOf(message: WorkMessage, targets?: readonly Target[]): Lane {
  return isRemovalProvedByEvent(message, targets) ? 'revocation' : 'work';
}

/**
 * FIFO message group. SQS hands a receiver as many messages of one group as it can (up to the
 * batch's 10), and the worker pays per batch: so a burst about one IMS group — an offboarding, a
 * re-org — arrives in batches of that group, costing one read and one write per target, not one
 * per event. Hence:
 * - `revoke:<group>`: removals from one IMS group, in order. They never wait behind anything that
 *   waits for UMAPI (they need no read);
 * - `grant:<group>`: additions to one IMS group, in order; they wait for their UMAPI read, and only
 *   each other waits with them;
 * - `user:<email>`: a user who left the org;
 * - `check:<email>`: a user's re-check (hint), which often waits minutes for the UMAPI budget;
 * - `group:<group>`: a hint about a group; reconciliation slices by target and group.
 * Order between groups does not matter: every membership keeps its fact's time (last writer wins,
 * versions reserved atomically), an addition is applied from what UMAPI says when it runs, never
 * from its event, and a removal only ever removes.
 */
export function messageGroupOf(message: WorkMessage): string {
  switch (message.kind) {
    case 'delta': {
      const group = message.group?.toLowerCase();
      if (message.change === 'membership.removed' && group !== undefined) return `revoke:${group}`;
      if (message.change === 'membership.added' && group !== undefined) return `grant:${group}`;
      return `user:${message.user.email.toLowerCase()}`;
    }
    case 'hint':
      return message.user ? `check:${message.user.email.toLowerCase()}` : `group:${(message.group ?? '').toLowerCase()}`;
    case 'reconcile':
      return `run:${message.targetId}:${message.slice.changes[0]?.group.toLowerCase() ?? 'wiring'}`;
  }
}
