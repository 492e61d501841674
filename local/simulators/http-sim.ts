/**
 * The HTTP server every simulator runs on: an ephemeral port on loopback, fault injection
 * (latency, 5xx rate, throttling, hanging, outage window) and request counting by endpoint and
 * kind, settable from code or over HTTP under `/__sim/` (control routes are never faulted or counted).
 *
 *   GET  /__sim/counts          → { "<endpoint>": { read, write } , ... }
 *   POST /__sim/counts/reset
 *   GET  /__sim/faults          POST /__sim/faults  {"latencyMs":200,"errorRate":0.2,"throttle":true,"hang":false,"outageMs":30000}
 *   GET  /__sim/state           → the simulator's state dump
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';

export interface Faults {
  /** Added to every answer. */
  latencyMs?: number;
  /** Share (0..1) of requests answered 503. */
  errorRate?: number;
  /** Answer 429 (with the simulator's own throttle body) to every request. */
  throttle?: boolean;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean;
  /** Answer 503 to everything until this epoch-ms time. Set with `outageMs` over HTTP. */
  outageUntil?: number;
  /** Share (0..1) of requests that never get an answer (only the client's timeout ends them). */
  hangRate?: number;
}

/** What `POST /__sim/faults` accepts: a closed set, so a typo ("errorrate") is refused, not silently ignored. */
const FaultsInput = z
  .object({
    latencyMs: z.number().nonnegative(),
    errorRate: z.number().min(0).max(1),
    throttle: z.boolean(),
    hang: z.boolean(),
    outageMs: z.number().nonnegative(),
  })
  .partial()
  .strict();

const FAULT_KEYS = Object.keys(FaultsInput.shape).join(', ');

/** The faults a control request asks for, or the 400 answer naming the key or value to fix. */
function parseFaults(body: string): { faults: z.infer<typeof FaultsInput> } | { error: string } {
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    return { error: 'body must be JSON, e.g. {"errorRate":0.5}' };
  }
  const parsed = FaultsInput.safeParse(input);
  if (parsed.success) return { faults: parsed.data };
  const issue = parsed.error.issues[0];
  if (issue?.code === 'unrecognized_keys') return { error: `unknown fault ${issue.keys.map((k) => `"${k}"`).join(', ')}; the faults are ${FAULT_KEYS}` };
  return { error: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}; the faults are ${FAULT_KEYS}, e.g. {"errorRate":0.5}` };
}

export interface SimRequest {
  readonly method: string;
  /** Path without query string, still percent-encoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface Route {
  /** A name for counting, e.g. "GET users". */
  endpoint: string;
  kind: 'read' | 'write';
}

export interface SimHandler {
  /** Which endpoint a request is, for counting; undefined for unknown routes. */
  classify(request: SimRequest): Route | undefined;
  handle(request: SimRequest): Promise<SimResponse> | SimResponse;
  /** The answer given when the throttle fault is on. */
  throttled(): SimResponse;
  /** The answer given on an injected error or during an outage (503 by default). */
  failed?(): SimResponse;
  dump(): unknown;
}

export type RequestCounts = Record<string, { read: number; write: number }>;

/** One counted request as the simulator saw it: when it arrived and ended, and how it was answered. */
export interface JournalEntry {
  readonly endpoint: string;
  readonly kind: 'read' | 'write';
  /** Epoch ms (wall clock) when the request arrived. */
  readonly start: number;
  /** Epoch ms when the answer was sent or the client gave up; undefined while it is open. */
  end?: number;
  /** The status answered; 0 when no answer was sent (a hang the client abandoned). */
  status?: number;
  /** What answered: the handler, or an injected fault. */
  by?: 'handler' | 'error' | 'outage' | 'throttle' | 'hang';
}

/** A recording of every counted request, started by `record()`; stop it to free the entries. */
export interface Journal {
  readonly entries: readonly JournalEntry[];
  /** Most counted requests open at the same time since recording began. */
  peakInFlight(): number;
  stop(): void;
}

export interface RunningSimulator {
  readonly url: string;
  readonly port: number;
  faults: Faults;
  counts(): RequestCounts;
  resetCounts(): void;
  /** Start recording every counted request (arrival, end, answer) until the journal is stopped. */
  record(): Journal;
  stop(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  faults?: Faults;
  random?: () => number;
  now?: () => number;
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

const send = (res: ServerResponse, answer: SimResponse): void => {
  res.writeHead(answer.status, answer.headers ?? {});
  res.end(answer.body ?? '');
};

const json = (status: number, value: unknown): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

export async function startSimulator(handler: SimHandler, options: StartOptions = {}): Promise<RunningSimulator> {
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  let counts: RequestCounts = {};
  const hanging = new Set<ServerResponse>();
  const journals = new Set<{ entries: JournalEntry[]; peak: number }>();
  let inFlight = 0;
  const state = { faults: { ...(options.faults ?? {}) } as Faults };

  const control = (request: SimRequest): SimResponse => {
    const route = request.path.slice('/__sim'.length);
    if (route === '/counts' && request.method === 'GET') return json(200, counts);
    if (route === '/counts/reset' && request.method === 'POST') {
      counts = {};
      return json(200, {});
    }
    if (route === '/state' && request.method === 'GET') return json(200, handler.dump());
    if (route === '/faults' && request.method === 'GET') return json(200, state.faults);
    if (route === '/faults' && request.method === 'POST') {
      const parsed = parseFaults(request.body);
      if ('error' in parsed) return json(400, { error: parsed.error });
      const { outageMs, ...rest } = parsed.faults;
      state.faults = { ...rest, ...(outageMs ? { outageUntil: now() + outageMs } : {}) };
      return json(200, state.faults);
    }
    return json(404, { error: `unknown control route ${request.path}` });
  };

  /** Journal one counted request in every recording, closed when its answer is sent or the client leaves. */
  const open = (route: Route, res: ServerResponse): JournalEntry => {
    const entry: JournalEntry = { endpoint: route.endpoint, kind: route.kind, start: Date.now() };
    inFlight += 1;
    for (const journal of journals) {
      journal.entries.push(entry);
      journal.peak = Math.max(journal.peak, inFlight);
    }
    res.once('close', () => {
      inFlight -= 1;
      entry.end = Date.now();
      entry.status = res.headersSent ? res.statusCode : 0;
    });
    return entry;
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://sim.local');
      const request: SimRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: await readBody(req),
      };
      if (request.path.startsWith('/__sim/')) return send(res, control(request));
      const route = handler.classify(request);
      let journaled: JournalEntry | undefined;
      if (route) {
        const entry = (counts[route.endpoint] ??= { read: 0, write: 0 });
        entry[route.kind] += 1;
        if (journals.size > 0) journaled = open(route, res);
      }
      const answer = (by: NonNullable<JournalEntry['by']>, response: SimResponse): void => {
        if (journaled) journaled.by = by;
        send(res, response);
      };
      const faults = state.faults;
      if (faults.hang || (faults.hangRate && random() < faults.hangRate)) {
        if (journaled) journaled.by = 'hang';
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if (faults.latencyMs) await new Promise((r) => setTimeout(r, faults.latencyMs));
      const failed = handler.failed?.() ?? { status: 503, headers: { 'content-type': 'text/plain' }, body: 'Service Unavailable' };
      if (faults.outageUntil !== undefined && now() < faults.outageUntil) return answer('outage', failed);
      if (faults.throttle) return answer('throttle', handler.throttled());
      if (faults.errorRate && random() < faults.errorRate) return answer('error', failed);
      answer('handler', await handler.handle(request));
    } catch (error) {
      send(res, { status: 500, headers: { 'content-type': 'text/plain' }, body: `simulator error: ${String(error)}` });
    }
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get faults() {
      return state.faults;
    },
    set faults(next: Faults) {
      state.faults = next;
    },
    counts: () => structuredClone(counts),
    resetCounts: () => {
      counts = {};
    },
    record: () => {
      const journal = { entries: [] as JournalEntry[], peak: 0 };
      journals.add(journal);
      return { entries: journal.entries, peakInFlight: () => journal.peak, stop: () => void journals.delete(journal) };
    },
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
