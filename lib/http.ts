/**
 * The HTTP transport every client takes as an argument: one small function type, so tests and the
 * local stack can count, slow or break requests without module mocks. The default uses `fetch`
 * with a timeout on every call.
 */
import { TargetUnavailableError, type ExternalSystem } from './errors.js';

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Abort the call after this long; every call has one. */
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

/** Raised by the transport when no answer came in time or the connection failed. */
export class TransportError extends Error {
  constructor(
    readonly url: string,
    readonly reason: 'timeout' | 'network',
    options?: { cause?: unknown },
  ) {
    super(reason === 'timeout' ? `no answer from ${url} in time` : `cannot reach ${url}`, options);
    this.name = 'TransportError';
  }
}

export const fetchTransport: HttpTransport = async (request) => {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs),
      redirect: 'manual',
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new TransportError(request.url, timedOut ? 'timeout' : 'network', { cause: error });
  }
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    throw new TransportError(request.url, 'timeout', { cause: error });
  }
  return { status: response.status, headers, body };
};

/**
 * Parse a `Retry-After` header: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Returns milliseconds to wait, or undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Turn a transport failure into the typed error the pipeline understands. */
export function unavailable(system: ExternalSystem, call: string, error: unknown): TargetUnavailableError {
  const detail = error instanceof Error ? error.message : String(error);
  return new TargetUnavailableError(system, `${system} ${call}: ${detail}`, { cause: error });
}
