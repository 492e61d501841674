/** Composition root of the schedule function: built once per cold start. */
import type { ScheduledEvent } from 'aws-lambda';
import middy from '@middy/core';
import { buildAwsRuntime } from '../lib/compose/runtime.js';
import { loadSettings } from '../lib/compose/settings.js';
import { publishMetrics } from '../lib/observability/middleware.js';
import { createPowertools } from '../lib/observability/powertools.js';
import { createScheduleHandler, type ScheduleSummary } from './doors/schedule.js';

const { log, metrics } = createPowertools('ims-group-sync-schedule');
// A full read of a large org waits out UMAPI's per-minute budget in-process rather than fail.
const runtime = buildAwsRuntime(await loadSettings(process.env), process.env, { log, metrics, maxInlineWaitMs: 120_000 });

export const handler = middy<ScheduledEvent, ScheduleSummary>()
  .use(publishMetrics(metrics))
  .handler(createScheduleHandler(runtime));
