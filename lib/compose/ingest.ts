/** What the webhook needs, and only that: config, the queue, the I/O Events key cache, the generic secret. */
import { createAwsClients } from '../aws/clients.js';
import { queueUrlsFrom } from '../aws/env.js';
import { createSqsWorkQueue } from '../aws/queue.js';
import { systemClock, type Clock } from '../clock.js';
import { fetchTransport, type HttpTransport } from '../http.js';
import { createPublicKeyCache } from '../ingest/adobe-io/public-keys.js';
import type { Log, Metrics } from '../observability/log.js';
import type { IngestDeps } from '../sync/ingest.js';
import type { WorkQueue } from '../sync/ports.js';
import type { Settings } from './settings.js';

export function buildIngestDeps(
  settings: Settings,
  env: NodeJS.ProcessEnv,
  options: { log: Log; metrics: Metrics; http?: HttpTransport; clock?: Clock; queue?: WorkQueue },
): IngestDeps {
  const { config, secrets } = settings;
  const clock = options.clock ?? systemClock;
  const generic = config.webhooks.generic;
  return {
    config,
    queue: options.queue ?? createSqsWorkQueue(createAwsClients().sqs, queueUrlsFrom(env), config.targets),
    keys: createPublicKeyCache({
      http: options.http ?? fetchTransport,
      clock,
      keyHost: config.webhooks.adobeIo?.keyHost ?? 'https://static.adobeioevents.com',
    }),
    ...(generic ? { genericSecret: () => secrets.resolve(generic.secret) } : {}),
    clock,
    log: options.log,
    metrics: options.metrics,
  };
}
