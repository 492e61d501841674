/** Small fakes shared by the ingest tests. */
import type { Clock } from '../../../lib/clock.js';
import { fetchTransport, type HttpRequest, type HttpTransport } from '../../../lib/http.js';

export interface FakeClock extends Clock {
  advance(ms: number): void;
}

export function fakeClock(start = Date.parse('2026-11-23T10:00:00Z')): FakeClock {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

/** fetchTransport, recording every URL asked for. */
export function recordingTransport(): { http: HttpTransport; urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    http: (request: HttpRequest) => {
      urls.push(request.url);
      return fetchTransport(request);
    },
  };
}
