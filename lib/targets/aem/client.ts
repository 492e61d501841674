/**
 * The AEM HTTP client: auth (Basic or Bearer), the CSRF token of POSTs, pacing, retries, and the
 * mapping of HTTP answers to typed errors. It knows nothing about users or groups.
 *
 * - Credentials are resolved lazily and once; a 401 resolves them again once (a Bearer token may
 *   have expired), a second 401 is an AuthError.
 * - POSTs carry `CSRF-Token` from `GET /libs/granite/csrf/token.json`, fetched on the first POST and
 *   fetched again once when a POST answers 403: tokens live a few minutes (contracts/aem.md §2).
 * - 429 and 5xx/timeouts are retried a few times in-process (short waits only, see `withRetry`),
 *   then raised as ThrottledError / TargetUnavailableError for the caller to report as retryable.
 */
import type { z } from 'zod';
import type { Clock } from '../../clock.js';
import type { AemTarget } from '../../config/schema.js';
import {
  AuthError,
  NotFoundError,
  ProtocolError,
  TargetUnavailableError,
  ThrottledError,
  ValidationError,
  type SyncError,
} from '../../errors.js';
import { TransportError, parseRetryAfter, unavailable, type HttpResponse, type HttpTransport } from '../../http.js';
import { retryTransient, TARGET_RETRY, withRetry, type RetryPolicy } from '../../retry.js';
import { createCallLimiter, type CallLimiter } from '../call-limiter.js';
import { readSlingAnswer } from './sling-html.js';
import { CsrfAnswer } from './schemas.js';

export type AemCredentials =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

export interface AemClientDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  readonly config: AemTarget;
  readonly credentials: () => Promise<AemCredentials>;
  /** Overrides of the in-process retry policy (tests shorten it). */
  readonly retry?: Partial<Omit<RetryPolicy, 'system'>>;
  readonly random?: () => number;
}

const CSRF_PATH = '/libs/granite/csrf/token.json';
/** When a 429 gives no Retry-After. */
const DEFAULT_THROTTLE_WAIT_MS = 1000;
const DETAIL_LIMIT = 200;


type FormFields = readonly (readonly [string, string])[];

/** The typed error for a non-2xx outcome (HTTP status, or a Sling Status div). */
export function errorForStatus(call: string, status: number, detail: string, retryAfterMs?: number): SyncError {
  const what = `aem ${call}: HTTP ${status}${detail ? ` (${detail})` : ''}`;
  if (status === 401) return new AuthError('aem', `${what}: credentials refused`);
  if (status === 403) return new AuthError('aem', `${what}: forbidden`);
  if (status === 404) return new NotFoundError('aem', what);
  if (status === 429) return new ThrottledError('aem', retryAfterMs ?? DEFAULT_THROTTLE_WAIT_MS, what);
  if (status >= 500) return new TargetUnavailableError('aem', what);
  if (status >= 300 && status < 400) return new ProtocolError('aem', `${what}: unexpected redirect`);
  return new ValidationError(what);
}

const shorten = (text: string): string => (text.length > DETAIL_LIMIT ? `${text.slice(0, DETAIL_LIMIT)}…` : text);

/** A short, readable reason from an error answer: the Sling Message when there is one. */
const detailOf = (response: HttpResponse): string => {
  const sling = readSlingAnswer(response.body);
  if (sling.message) return shorten(sling.message);
  return response.headers['content-type']?.includes('html') ? '' : shorten(response.body.trim());
};

export class AemClient {
  private readonly baseUrl: string;
  private readonly limiter: CallLimiter;
  private readonly policy: RetryPolicy;
  private credentials: Promise<AemCredentials> | undefined;
  private csrfToken: Promise<string> | undefined;

  constructor(private readonly deps: AemClientDeps) {
    this.baseUrl = deps.config.baseUrl.replace(/\/+$/, '');
    this.limiter = createCallLimiter(deps.config.limits, deps.clock);
    this.policy = { system: 'aem', ...TARGET_RETRY, ...deps.retry };
  }

  /** GET a JSON answer and validate it; `call` names the call in every error. */
  async getJson<S extends z.ZodType>(call: string, pathAndQuery: string, schema: S): Promise<z.infer<S>> {
    const response = await this.withRetries(() => this.once(call, 'GET', pathAndQuery));
    return parseJson(call, response.body, schema);
  }

  /**
   * POST a form to a Sling servlet and check both the HTTP status and the Sling Status div.
   * Resolves only when the change was accepted.
   */
  async postForm(call: string, path: string, fields: FormFields): Promise<void> {
    const form = new URLSearchParams();
    for (const [name, value] of fields) form.append(name, value);
    const body = form.toString();
    const response = await this.withRetries(() => this.once(call, 'POST', path, body));
    const sling = readSlingAnswer(response.body);
    if (sling.status === undefined) {
      throw new ProtocolError('aem', `aem ${call}: HTTP ${response.status} answer has no Sling <div id="Status">`);
    }
    if (sling.status < 200 || sling.status >= 300) {
      throw errorForStatus(call, sling.status, shorten(sling.message ?? ''));
    }
  }

  private withRetries(attempt: () => Promise<HttpResponse>): Promise<HttpResponse> {
    return withRetry(
      attempt,
      retryTransient,
      this.policy,
      { clock: this.deps.clock, ...(this.deps.random ? { random: this.deps.random } : {}) },
    );
  }

  /** One attempt: refreshes credentials once on 401 and the CSRF token once on a POST's 403. */
  private async once(call: string, method: 'GET' | 'POST', pathAndQuery: string, body?: string): Promise<HttpResponse> {
    let refreshedCredentials = false;
    let refreshedCsrf = false;
    for (;;) {
      const token = method === 'POST' ? this.csrf(call) : undefined;
      const csrfToken = token === undefined ? undefined : await token;
      const response = await this.send(call, method, pathAndQuery, body, csrfToken);
      if (response.status === 401 && !refreshedCredentials) {
        refreshedCredentials = true;
        this.credentials = undefined;
        this.csrfToken = undefined;
        continue;
      }
      if (response.status === 403 && method === 'POST' && !refreshedCsrf) {
        refreshedCsrf = true;
        if (this.csrfToken === token) this.csrfToken = undefined;
        continue;
      }
      if (response.status >= 200 && response.status < 300) return response;
      const retryAfterMs = parseRetryAfter(response.headers['retry-after'], this.deps.clock.now());
      throw errorForStatus(call, response.status, detailOf(response), retryAfterMs);
    }
  }

  /** The shared CSRF token promise, fetched on first use (concurrent POSTs share one fetch). */
  private csrf(call: string): Promise<string> {
    if (this.csrfToken === undefined) {
      const fetching = this.fetchCsrf(call);
      this.csrfToken = fetching;
      // A failed fetch must not stick: the next POST tries again.
      fetching.catch(() => {
        if (this.csrfToken === fetching) this.csrfToken = undefined;
      });
    }
    return this.csrfToken;
  }

  private async fetchCsrf(forCall: string): Promise<string> {
    const call = `csrf token (for ${forCall})`;
    const response = await this.send(call, 'GET', CSRF_PATH);
    if (response.status < 200 || response.status >= 300) {
      throw errorForStatus(call, response.status, detailOf(response), parseRetryAfter(response.headers['retry-after'], this.deps.clock.now()));
    }
    return parseJson(call, response.body, CsrfAnswer).token;
  }

  private async authorization(): Promise<string> {
    if (this.credentials === undefined) {
      const resolving = this.deps.credentials();
      this.credentials = resolving;
      // A failed secret lookup must not stick for the life of the adapter.
      resolving.catch(() => {
        if (this.credentials === resolving) this.credentials = undefined;
      });
    }
    const credentials = await this.credentials;
    if (credentials.type === 'bearer') return `Bearer ${credentials.token}`;
    return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  }

  private async send(call: string, method: 'GET' | 'POST', pathAndQuery: string, body?: string, csrfToken?: string): Promise<HttpResponse> {
    const headers: Record<string, string> = {
      authorization: await this.authorization(),
      accept: method === 'GET' ? 'application/json' : 'text/html',
    };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    if (csrfToken !== undefined) headers['csrf-token'] = csrfToken;
    try {
      return await this.limiter.run(() => this.deps.http({
        method,
        url: `${this.baseUrl}${pathAndQuery}`,
        headers,
        ...(body !== undefined ? { body } : {}),
        timeoutMs: this.deps.config.limits.timeoutMs,
      }));
    } catch (error) {
      if (error instanceof TransportError) throw unavailable('aem', call, error);
      throw error;
    }
  }
}

/** Parse and validate a JSON answer; the error names the call and the first bad field. */
export function parseJson<S extends z.ZodType>(call: string, body: string, schema: S): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (error) {
    throw new ProtocolError('aem', `aem ${call}: answer is not JSON (${shorten(body.trim())})`, undefined, { cause: error });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new ProtocolError('aem', `aem ${call}: unexpected answer at "${field}": ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Encode a home path taken from an AEM answer for use in a URL; refuses anything that is not a plain home path. */
export function homeUrlPath(call: string, home: string): string {
  const segments = home.split('/');
  const plain = home.startsWith('/home/') && segments.slice(1).every((s) => s !== '' && s !== '.' && s !== '..');
  if (!plain) throw new ProtocolError('aem', `aem ${call}: "${shorten(home)}" is not a home path under /home/`);
  return segments.map((segment) => encodeURIComponent(segment)).join('/');
}
