/**
 * The webhook's door: API Gateway HTTP API (payload v2) event → route → ingest use case → answer.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { fromHttpApiEvent } from '../../lib/ingest/request.js';
import { ingestAdobeIo, ingestGeneric, type IngestDeps, type IngestOutcome } from '../../lib/sync/ingest.js';
import { answerForError, json } from './http.js';

type Route = (request: ReturnType<typeof fromHttpApiEvent>, deps: IngestDeps) => Promise<IngestOutcome>;

const ROUTES: Record<string, Partial<Record<string, Route>>> = {
  '/webhooks/adobe-io': { GET: ingestAdobeIo, POST: ingestAdobeIo },
  '/webhooks/generic': { POST: ingestGeneric },
  // The spelling of contracts/io-events.md §6, kept as an alias.
  '/webhook/generic': { POST: ingestGeneric },
};

export function createWebhookHandler(deps: IngestDeps) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    const request = fromHttpApiEvent(event);
    const methods = ROUTES[request.path.replace(/\/+$/, '')];
    if (methods === undefined) return json(404, { error: `no webhook at ${request.path}; use /webhooks/adobe-io or /webhooks/generic` });
    const route = methods[request.method];
    if (route === undefined) return json(405, { error: `${request.method} is not accepted at ${request.path}` });
    deps.log.appendKeys({ correlationId: request.headers['x-adobe-event-id'] ?? event.requestContext?.requestId });
    try {
      const outcome = await route(request, deps);
      switch (outcome.kind) {
        case 'challenge':
          // JSON, not the raw value as text: a reflected value is never read as markup (both are accepted by Adobe).
          return json(200, { challenge: outcome.challenge });
        case 'validation-url':
          return json(200, { received: true });
        case 'accepted':
          return json(200, { accepted: outcome.enqueued, ignored: outcome.ignored, skipped: outcome.skipped });
      }
    } catch (error) {
      const answer = answerForError(error);
      if (answer.rejectedAs) {
        deps.metrics.count('EventsRejected', 1, { reason: answer.rejectedAs });
        deps.log.warn('delivery rejected', { reason: answer.rejectedAs, error: error instanceof Error ? error.message : String(error) });
      } else {
        deps.log.error('delivery could not be accepted', { error: error instanceof Error ? error.message : String(error) });
      }
      return answer.response;
    } finally {
      deps.log.removeKeys(['correlationId']);
    }
  };
}
