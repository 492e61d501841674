/**
 * The internal work messages that travel through the queue (ARCHITECTURE.md, "The flow"):
 * - delta: one membership change known precisely, applied last-writer-wins on `occurredAt`;
 * - hint: "something about this user or group changed", resolved by reading UMAPI;
 * - reconcile: a slice of a reconciliation plan for one target, planned from a snapshot at `snapshotAt`.
 * Parsed with these schemas when read back from SQS: never cast.
 */
import { z } from 'zod';

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
 * FIFO message group: one user's changes run in order, never concurrently; reconciliation slices by
 * target and group. A user's re-checks (hints) have a group of their own: a re-check waits for the
 * UMAPI budget, often for minutes while a reconciliation holds it, and the user's next removal must
 * not queue behind it. Order between the two does not matter: every membership keeps its fact's time
 * (last writer wins), and a re-check reads what IMS says when it runs.
 */
export function messageGroupOf(message: WorkMessage): string {
  switch (message.kind) {
    case 'delta':
      return `user:${message.user.email.toLowerCase()}`;
    case 'hint':
      return message.user ? `check:${message.user.email.toLowerCase()}` : `group:${(message.group ?? '').toLowerCase()}`;
    case 'reconcile':
      return `run:${message.targetId}:${message.slice.changes[0]?.group.toLowerCase() ?? 'wiring'}`;
  }
}
