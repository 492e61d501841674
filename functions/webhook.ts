/** Composition root of the webhook function: built once per cold start. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import middy from '@middy/core';
import { buildIngestDeps } from '../lib/compose/ingest.js';
import { loadSettings } from '../lib/compose/settings.js';
import { publishMetrics } from '../lib/observability/middleware.js';
import { createPowertools } from '../lib/observability/powertools.js';
import { createWebhookHandler } from './doors/webhook.js';

const { log, metrics } = createPowertools('ims-group-sync-webhook');
const deps = buildIngestDeps(await loadSettings(process.env), process.env, { log, metrics });

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(publishMetrics(metrics))
  .handler(createWebhookHandler(deps));
