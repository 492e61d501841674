/**
 * The logging and metrics ports the use cases write to. Powertools' Logger and Metrics satisfy them in
 * Lambda (`powertools.ts`); tests pass the recording fakes from `memory.ts`.
 */

export type LogAttributes = Record<string, unknown>;

export interface Log {
  debug(message: string, attributes?: LogAttributes): void;
  info(message: string, attributes?: LogAttributes): void;
  warn(message: string, attributes?: LogAttributes): void;
  error(message: string, attributes?: LogAttributes): void;
  /** Keys carried by every later line until removed (correlation id, message id). */
  appendKeys(attributes: LogAttributes): void;
  removeKeys(keys: string[]): void;
}

/** Metric names the product emits; the dashboard and alarms rely on them. */
export type MetricName =
  | 'EventsAccepted'
  | 'EventsRejected'
  /** Events of an accepted delivery that could not be used (unreadable, another org): logged and skipped. */
  | 'EventsSkipped'
  | 'ChangesApplied'
  | 'ChangesFailed'
  | 'ChangesSkippedNewer'
  | 'ChangesOvertaken'
  | 'Deferred'
  | 'ThrottleWaits'
  | 'GuardTrips'
  | 'IncompleteReads'
  /** A reconciliation's org read during which the org changed: it went ahead, leaving users not listed as they are. */
  | 'OrgChangedDuringRead'
  | 'DeadLetterMoves'
  | 'ReconcileRuns'
  | 'DriftFindings';

/** Durations the product emits, in milliseconds (percentiles on the dashboard). */
export type DurationName = 'RevocationLatencyMs';

export interface Metrics {
  count(name: MetricName, value?: number, dimensions?: Record<string, string>): void;
  /** One observed duration in milliseconds. */
  milliseconds(name: DurationName, ms: number, dimensions?: Record<string, string>): void;
  /** Send what was counted (end of an invocation). */
  flush(): void;
}
