/**
 * The worker's SQS event source as `serverless.yml` declares it (`functions.worker.events[].sqs`),
 * so that the local poller batches and runs in parallel as the deployed mapping does, with no
 * second hand-kept copy of the numbers. `${param:NAME}` is resolved from `params.default`; any
 * other variable is an error.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const PROJECT_SERVERLESS_YML = fileURLToPath(new URL('../serverless.yml', import.meta.url));

export interface WorkerEventSource {
  /** Records a batch (the mapping's `batchSize`). */
  readonly batchSize: number;
  /** Batches at once (the mapping's `maximumConcurrency`). */
  readonly maximumConcurrency: number;
}

const Setting = z.union([z.number().int(), z.string()]);

const ServerlessFile = z.object({
  params: z.object({ default: z.record(z.string(), z.unknown()).default({}) }).optional(),
  functions: z.object({
    worker: z.object({
      events: z.array(z.object({ sqs: z.object({ batchSize: Setting, maximumConcurrency: Setting }).optional() })),
    }),
  }),
});

function resolve(value: number | string, params: Record<string, unknown>, name: string): number {
  const match = typeof value === 'string' ? /^\$\{param:([^}]+)\}$/.exec(value.trim()) : null;
  const resolved = match?.[1] !== undefined ? params[match[1]] : value;
  const number = z.number().int().positive().safeParse(resolved);
  if (!number.success) throw new Error(`serverless.yml functions.worker.events[].sqs.${name}: ${JSON.stringify(value)} is not a positive integer or a \${param:…} with one in params.default`);
  return number.data;
}

export function parseWorkerEventSource(serverlessYaml: string): WorkerEventSource {
  const file = ServerlessFile.parse(parse(serverlessYaml));
  const sqs = file.functions.worker.events.find((e) => e.sqs !== undefined)?.sqs;
  if (!sqs) throw new Error('serverless.yml: the worker function has no sqs event');
  const params = file.params?.default ?? {};
  return {
    batchSize: resolve(sqs.batchSize, params, 'batchSize'),
    maximumConcurrency: resolve(sqs.maximumConcurrency, params, 'maximumConcurrency'),
  };
}

export async function loadWorkerEventSource(serverlessYmlPath = PROJECT_SERVERLESS_YML): Promise<WorkerEventSource> {
  return parseWorkerEventSource(await readFile(serverlessYmlPath, 'utf8'));
}
