/** Composition root of the worker function: built once per cold start. */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import middy from '@middy/core';
import { createDeadLetterParking } from '../lib/aws/dead-letters.js';
import { optionalIntEnv, requireEnv } from '../lib/aws/env.js';
import { buildAwsRuntime } from '../lib/compose/runtime.js';
import { loadSettings } from '../lib/compose/settings.js';
import { publishMetrics } from '../lib/observability/middleware.js';
import { createPowertools } from '../lib/observability/powertools.js';
import { WORKER_UMAPI_WAIT_MS } from '../lib/sync/work-budget.js';
import { createWorkerHandler } from './doors/worker.js';

const { log, metrics } = createPowertools('ims-group-sync-worker');
// A longer wait for the UMAPI budget delays the record on the queue instead of holding the batch.
const runtime = buildAwsRuntime(await loadSettings(process.env), process.env, { log, metrics, maxInlineWaitMs: WORKER_UMAPI_WAIT_MS });

export const handler = middy<SQSEvent, SQSBatchResponse>()
  .use(publishMetrics(metrics))
  .handler(
  createWorkerHandler({
    runtime,
    delay: (receiptHandle, seconds, queueArn) => runtime.queue.changeVisibility(receiptHandle, seconds, queueArn),
    deadLetter: createDeadLetterParking(runtime.aws.sqs, requireEnv('DEAD_LETTER_QUEUE_URL')),
    requeue: { send: (record, requeues) => runtime.queue.requeue(record, requeues), maxReceiveCount: () => runtime.queue.maxReceiveCount() },
    // A target outage is retried after 30 s, 1, 2, 4... minutes rather than the whole visibility timeout.
    retryDelaySeconds: optionalIntEnv('WORKER_RETRY_DELAY_SECONDS', 30, { min: 1, max: 900 }),
  }),
);
