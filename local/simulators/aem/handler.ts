/**
 * The simulated AEM instance's HTTP surface: auth (Basic or Bearer, 401), CSRF tokens for POSTs
 * (missing or stale → 403), and the routes of `reads.ts` / `writes.ts`.
 */
import { randomUUID } from 'node:crypto';
import type { Route, SimHandler, SimRequest, SimResponse } from '../http-sim.js';
import type { AemModel } from './model.js';
import { queryBuilder, readAuthorizable, search } from './reads.js';
import { slingHtml } from './sling.js';
import { writeAuthorizable } from './writes.js';

export type AemSimCredentials = { username: string; password: string } | { bearer: string };

export interface AemHandlerOptions {
  /** Omitted: every request is accepted, authenticated or not. */
  credentials?: AemSimCredentials;
  csrfTtlMs: number;
  /** Whether search items carry `externalId` (see AemSimulatorOptions). */
  searchExternalId: boolean;
  now: () => number;
}

const CSRF_PATH = '/libs/granite/csrf/token.json';
const SEARCH_PATH = '/libs/granite/security/search/authorizables.json';
const QUERY_PATH = '/bin/querybuilder.json';

const text = (status: number, body: string, headers: Record<string, string> = {}): SimResponse => ({
  status,
  headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
  body,
});

const decodePath = (path: string): string | undefined => {
  try {
    return path.split('/').map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
};

export class AemHandler implements SimHandler {
  private readonly csrfTokens = new Map<string, number>();

  constructor(
    private readonly model: AemModel,
    private readonly options: AemHandlerOptions,
  ) {}

  /** Make every issued CSRF token stale, as if they had all aged out. */
  expireCsrfTokens(): void {
    this.csrfTokens.clear();
  }

  classify(request: SimRequest): Route | undefined {
    if (request.method === 'GET' && request.path === CSRF_PATH) return { endpoint: 'GET csrf-token', kind: 'read' };
    if (request.method === 'GET' && request.path === SEARCH_PATH) return { endpoint: 'GET search', kind: 'read' };
    if (request.method === 'GET' && request.path === QUERY_PATH) return { endpoint: 'GET querybuilder', kind: 'read' };
    if (request.method === 'GET' && request.path.endsWith('.rw.json')) return { endpoint: 'GET rw.json', kind: 'read' };
    if (request.method === 'POST' && request.path.endsWith('.rw.html')) return { endpoint: 'POST rw.html', kind: 'write' };
    return undefined;
  }

  throttled(): SimResponse {
    return text(429, 'Too Many Requests', { 'retry-after': '1' });
  }

  dump(): unknown {
    return this.model.snapshot();
  }

  handle(request: SimRequest): SimResponse {
    if (!this.authenticated(request.headers.authorization)) {
      return text(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="Sling (Development)"' });
    }
    if (request.method === 'GET' && request.path === CSRF_PATH) return this.issueCsrf();
    if (request.method === 'GET' && request.path === SEARCH_PATH) return search(this.model, request.query, { externalId: this.options.searchExternalId });
    if (request.method === 'GET' && request.path === QUERY_PATH) return queryBuilder(this.model, request.query);
    const path = decodePath(request.path);
    if (path !== undefined && request.method === 'GET' && path.endsWith('.rw.json')) {
      const target = this.model.atHome(path.slice(0, -'.rw.json'.length));
      return target ? readAuthorizable(this.model, target, request.query) : text(404, `No resource found at ${path}`);
    }
    if (path !== undefined && request.method === 'POST' && path.endsWith('.rw.html')) {
      // Granite's CSRF filter answers before the servlet runs (contracts/aem.md §2).
      if (!this.validCsrf(request.headers['csrf-token'])) return text(403, 'Forbidden: missing or invalid CSRF token');
      const home = path.slice(0, -'.rw.html'.length);
      const target = this.model.atHome(home);
      return target ? writeAuthorizable(this.model, target, request.body) : slingHtml(404, `No authorizable at ${home}`, home);
    }
    return text(404, `No resource found at ${request.path}`);
  }

  private authenticated(header: string | undefined): boolean {
    const expected = this.options.credentials;
    if (expected === undefined) return true;
    if ('bearer' in expected) return header === `Bearer ${expected.bearer}`;
    const basic = `Basic ${Buffer.from(`${expected.username}:${expected.password}`, 'utf8').toString('base64')}`;
    return header === basic;
  }

  private issueCsrf(): SimResponse {
    const token = randomUUID();
    this.csrfTokens.set(token, this.options.now());
    return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) };
  }

  private validCsrf(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string') return false;
    const issuedAt = this.csrfTokens.get(header);
    return issuedAt !== undefined && this.options.now() - issuedAt < this.options.csrfTtlMs;
  }
}
