/**
 * What a parsed delivery yields: the work to enqueue, the events that produce no work by design
 * (`ignored`, e.g. admin-role changes), and the events that could not be used (`skipped`: unreadable,
 * another org, a recipient we cannot confirm), each with the reason, so the webhook logs and counts
 * every drop instead of losing it silently.
 */
import type { WorkMessage } from '../domain/messages.js';

export interface IgnoredEvent {
  /** The event id, as the sender gave it (or "[i]" when it had none). */
  readonly id: string;
  readonly reason: string;
}

/** Why an event was skipped; low-cardinality, it is the EventsSkipped metric's dimension. */
export type SkipCause = 'unreadable' | 'other-org' | 'unconfirmed-recipient';

export interface SkippedEvent extends IgnoredEvent {
  readonly cause: SkipCause;
}

export interface IngestResult {
  readonly messages: WorkMessage[];
  readonly ignored: IgnoredEvent[];
  readonly skipped: SkippedEvent[];
}
