/**
 * Typed errors. Adapters raise them; the pipeline maps them to retry decisions and HTTP answers in
 * one place each (`lib/sync/retry-decision.ts`, the webhook's error mapping). Never returned as values.
 */

export type ExternalSystem = 'ims' | 'umapi' | 'aem' | 'campaign' | 'sqs' | 'dynamodb' | 'io-events' | 'config';

export abstract class SyncError extends Error {
  abstract readonly code: string;
  /** True when the same work may succeed later without anyone changing anything. */
  abstract readonly retryable: boolean;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The system asked us to slow down (HTTP 429, or our own shared budget is spent). */
export class ThrottledError extends SyncError {
  readonly code = 'THROTTLED';
  readonly retryable = true;
  constructor(
    readonly system: ExternalSystem,
    /** How long to wait before trying again, in milliseconds. */
    readonly retryAfterMs: number,
    message = `${system} throttled the request; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
  ) {
    super(message);
  }
}

/** Credentials refused (after the one allowed refresh). */
export class AuthError extends SyncError {
  readonly code = 'AUTH';
  readonly retryable = false;
  constructor(readonly system: ExternalSystem, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class NotFoundError extends SyncError {
  readonly code = 'NOT_FOUND';
  readonly retryable = false;
  constructor(readonly system: ExternalSystem, message: string) {
    super(message);
  }
}

/** The system is down, timed out or answered 5xx after the retries. */
export class TargetUnavailableError extends SyncError {
  readonly code = 'UNAVAILABLE';
  readonly retryable = true;
  constructor(readonly system: ExternalSystem, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A read that ended early, was cut, or disagrees with its own totals: the state is unknown, never empty. */
export class IncompleteReadError extends SyncError {
  readonly code = 'INCOMPLETE_READ';
  readonly retryable = true;
  constructor(readonly system: ExternalSystem, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The answer did not have the shape of the contract (bad JSON, missing field, unexpected SOAP fault). */
export class ProtocolError extends SyncError {
  readonly code = 'PROTOCOL';
  readonly retryable = false;
  constructor(
    readonly system: ExternalSystem,
    message: string,
    /** The vendor's own error code when it gave one (e.g. Campaign `XSV-350008`). */
    readonly vendorCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Configuration is invalid; the message names the YAML path, what was expected and the fix. */
export class ConfigError extends SyncError {
  readonly code = 'CONFIG';
  readonly retryable = false;
  constructor(readonly issues: readonly string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
  }
}

/** A webhook request whose signature, timestamp or recipient does not verify. */
export class InvalidSignatureError extends SyncError {
  readonly code = 'INVALID_SIGNATURE';
  readonly retryable = false;
}

/** Input that does not have the expected shape; the message names the field and the fix. */
export class ValidationError extends SyncError {
  readonly code = 'VALIDATION';
  readonly retryable = false;
}

/** A request body above the configured limit. */
export class PayloadTooLargeError extends SyncError {
  readonly code = 'PAYLOAD_TOO_LARGE';
  readonly retryable = false;
}
