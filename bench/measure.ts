/**
 * What the benchmark measures besides the simulators' own counts: wall time of named phases, the
 * process's peak memory (sampled), and every HTTP call the sync makes, by system, with its time
 * and answer size (a counting wrapper around the real transport).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { HttpTransport } from '../lib/http.js';

export interface MemoryPeak {
  /** Bytes. */
  rss: number;
  heapUsed: number;
}

/**
 * A full garbage collection, so that a phase's peak is not the previous phase's garbage. Exposed
 * at run time (the same as `node --expose-gc`) because tsx starts the process.
 */
export function fullGc(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    setFlagsFromString('--expose_gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

/** Samples `process.memoryUsage()` every `intervalMs` (and on demand) and keeps the peaks since the last reset. */
export function startMemorySampler(intervalMs = 20): { sample(): void; reset(): void; peak(): MemoryPeak; stop(): MemoryPeak } {
  let peak: MemoryPeak = { rss: 0, heapUsed: 0 };
  const sample = (): void => {
    const usage = process.memoryUsage();
    peak.rss = Math.max(peak.rss, usage.rss);
    peak.heapUsed = Math.max(peak.heapUsed, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  // Never keep the process alive for the sampler alone.
  timer.unref();
  return {
    sample,
    reset: () => {
      peak = { rss: 0, heapUsed: 0 };
      sample();
    },
    peak: () => ({ ...peak }),
    stop: () => {
      clearInterval(timer);
      sample();
      return { ...peak };
    },
  };
}

export interface SystemTraffic {
  calls: number;
  /** Sum of the calls' durations (they may overlap), ms. */
  busyMs: number;
  responseBytes: number;
  /** The largest single answer, bytes (the whole-list reads: UMAPI pages, AEM QueryBuilder). */
  maxResponseBytes: number;
  /** performance.now() when the last answer came back. */
  lastAnswerAt: number;
}

/**
 * Wraps a transport to count calls per system, the system named by the request URL's origin
 * (`systemOf` maps an origin to a name such as "ims" or "bench-author-1").
 */
export function countingTransport(
  inner: HttpTransport,
  systemOf: (origin: string) => string,
): { http: HttpTransport; traffic(): Record<string, SystemTraffic>; reset(): void } {
  let traffic: Record<string, SystemTraffic> = {};
  const http: HttpTransport = async (request) => {
    const system = systemOf(new URL(request.url).origin);
    const entry = (traffic[system] ??= { calls: 0, busyMs: 0, responseBytes: 0, maxResponseBytes: 0, lastAnswerAt: 0 });
    const started = performance.now();
    entry.calls += 1;
    try {
      const response = await inner(request);
      const bytes = Buffer.byteLength(response.body, 'utf8');
      entry.responseBytes += bytes;
      entry.maxResponseBytes = Math.max(entry.maxResponseBytes, bytes);
      return response;
    } finally {
      const ended = performance.now();
      entry.busyMs += ended - started;
      entry.lastAnswerAt = Math.max(entry.lastAnswerAt, ended);
    }
  };
  return {
    http,
    traffic: () => structuredClone(traffic),
    reset: () => {
      traffic = {};
    },
  };
}

/** Runs `fn` and returns its result with its wall time in ms. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

/** Map with at most `limit` calls in flight (the worker fleet's concurrency). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
