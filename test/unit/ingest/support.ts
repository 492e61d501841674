/** Small fakes shared by the ingest tests. */
import { fetchTransport, type HttpRequest, type HttpTransport } from '../../../lib/http.js';

export { fakeClock } from '../../support/clock.js';

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
