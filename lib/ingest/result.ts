/**
 * What a parsed delivery yields: the work to enqueue, and the events that produce no work, each with
 * the reason, so the webhook can log every drop instead of losing it silently.
 */
import type { WorkMessage } from '../domain/messages.js';

export interface IgnoredEvent {
  /** The event id, as the sender gave it (or "[i]" when it had none). */
  readonly id: string;
  readonly reason: string;
}

export interface IngestResult {
  readonly messages: WorkMessage[];
  readonly ignored: IgnoredEvent[];
}
