/** Composition root of the replay function: built once per cold start. */
import type { ReplayReport } from '../lib/sync/replay.js';
import middy from '@middy/core';
import { createAwsClients } from '../lib/aws/clients.js';
import { createDeadLetterAccess } from '../lib/aws/dead-letters.js';
import { requireEnv } from '../lib/aws/env.js';
import { systemClock } from '../lib/clock.js';
import { publishMetrics } from '../lib/observability/middleware.js';
import { createPowertools } from '../lib/observability/powertools.js';
import { createReplayHandler } from './doors/replay.js';

const { log, metrics } = createPowertools('ims-group-sync-replay');
const deadLetters = createDeadLetterAccess(createAwsClients().sqs, {
  dlqUrl: requireEnv('DEAD_LETTER_QUEUE_URL'),
  queueUrl: requireEnv('QUEUE_URL'),
  revocationQueueUrl: process.env['REVOCATION_QUEUE_URL'],
});

export const handler = middy<unknown, ReplayReport>()
  .use(publishMetrics(metrics))
  .handler(createReplayHandler({ deadLetters, log, metrics, clock: systemClock }));
