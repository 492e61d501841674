/**
 * The webhook's use case: verify a delivery, turn it into work messages, and enqueue them durably
 * before answering. Nothing is enqueued for a request that fails verification or validation.
 */
import type { Clock } from '../clock.js';
import type { SyncConfig } from '../config/schema.js';
import { ConfigError, PayloadTooLargeError } from '../errors.js';
import { isChallenge, parseAdobeIoDelivery, validationUrlOf } from '../ingest/adobe-io/envelope.js';
import { verifyAdobeIoSignature } from '../ingest/adobe-io/signature.js';
import { parseGenericDelivery, verifyGenericSignature } from '../ingest/generic.js';
import type { WebhookRequest } from '../ingest/request.js';
import type { IngestResult } from '../ingest/result.js';
import type { Log, Metrics } from '../observability/log.js';
import type { WorkQueue } from './ports.js';

export interface IngestDeps {
  readonly config: SyncConfig;
  readonly queue: WorkQueue;
  readonly keys: { get(path: string): Promise<string> };
  /** The generic webhook's shared secret, resolved once per cold start. */
  readonly genericSecret?: () => Promise<string>;
  readonly clock: Clock;
  readonly log: Log;
  readonly metrics: Metrics;
}

export type IngestOutcome =
  | { readonly kind: 'challenge'; readonly challenge: string }
  | { readonly kind: 'validation-url'; readonly url: string }
  | { readonly kind: 'accepted'; readonly enqueued: number; readonly ignored: number; readonly skipped: number };

export async function ingestAdobeIo(request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  const challenge = isChallenge(request);
  if (challenge !== undefined) return { kind: 'challenge', challenge };
  const settings = deps.config.webhooks.adobeIo;
  if (settings === undefined) throw new ConfigError(['webhooks.adobeIo: not configured, so Adobe I/O Events deliveries cannot be verified — add webhooks.adobeIo.clientId']);
  checkSize(request, deps);
  // Verified first: the URL is put in front of operators to open, so an unsigned body must never be
  // able to choose it (anyone can POST to the webhook).
  await verifyAdobeIoSignature(request, deps.keys);
  const validationUrl = validationUrlOf(request.rawBody);
  if (validationUrl !== undefined) {
    // Never fetched by us (it could point anywhere): a person confirms the registration.
    deps.log.warn(`ADOBE I/O EVENTS REGISTRATION NEEDS CONFIRMATION: open ${validationUrl} within 5 minutes`, { validationUrl });
    return { kind: 'validation-url', url: validationUrl };
  }
  const correlationId = request.headers['x-adobe-event-id'] ?? request.headers['x-amzn-trace-id'] ?? `io-${deps.clock.now()}`;
  const result = parseAdobeIoDelivery(
    request.rawBody,
    { clientId: settings.clientId, orgId: deps.config.org.id },
    { correlationId, receivedAt: new Date(deps.clock.now()).toISOString() },
  );
  return enqueue(result, 'adobe-io', deps);
}

export async function ingestGeneric(request: WebhookRequest, deps: IngestDeps): Promise<IngestOutcome> {
  const settings = deps.config.webhooks.generic;
  if (settings === undefined || deps.genericSecret === undefined) {
    throw new ConfigError(['webhooks.generic: not configured — add webhooks.generic.secret (e.g. env:GENERIC_WEBHOOK_SECRET)']);
  }
  checkSize(request, deps);
  verifyGenericSignature(request, await deps.genericSecret(), deps.clock.now(), settings.toleranceSeconds);
  const correlationId = request.headers['x-request-id'] ?? `generic-${deps.clock.now()}`;
  const result = parseGenericDelivery(request.rawBody, deps.config.org.id, { correlationId, receivedAt: new Date(deps.clock.now()).toISOString() });
  return enqueue(result, 'generic', deps);
}

function checkSize(request: WebhookRequest, deps: IngestDeps): void {
  const limit = deps.config.webhooks.maxBodyBytes;
  if (request.rawBody.length > limit) {
    throw new PayloadTooLargeError(`body of ${request.rawBody.length} bytes is above the limit of ${limit} (webhooks.maxBodyBytes)`);
  }
}

async function enqueue(result: IngestResult, source: string, deps: IngestDeps): Promise<IngestOutcome> {
  for (const ignored of result.ignored) deps.log.info('event produces no work', { source, eventId: ignored.id, reason: ignored.reason });
  for (const skipped of result.skipped) {
    deps.log.warn('event skipped: it cannot be used', { source, eventId: skipped.id, cause: skipped.cause, reason: skipped.reason });
    deps.metrics.count('EventsSkipped', 1, { source, cause: skipped.cause });
  }
  if (result.messages.length > 0) await deps.queue.send(result.messages);
  deps.metrics.count('EventsAccepted', result.messages.length, { source });
  const counts = { enqueued: result.messages.length, ignored: result.ignored.length, skipped: result.skipped.length };
  deps.log.info('delivery accepted', { source, ...counts });
  return { kind: 'accepted', ...counts };
}
