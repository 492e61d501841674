/**
 * The worker's SQS event sources as `serverless.yml` declares them (`functions.worker.events[].sqs`,
 * one on the work queue, one on the revocation queue),
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

/** The worker's two mappings: the work queue's and the revocation queue's. */
export interface WorkerEventSources {
  readonly work: WorkerEventSource;
  readonly revocation: WorkerEventSource;
}

const Setting = z.union([z.number().int(), z.string()]);

const ServerlessFile = z.object({
  params: z.object({ default: z.record(z.string(), z.unknown()).default({}) }).optional(),
  functions: z.object({
    worker: z.object({
      events: z.array(
        z.object({
          sqs: z.object({ arn: z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.literal('Arn')]) }), batchSize: Setting, maximumConcurrency: Setting }).optional(),
        }),
      ),
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

export function parseWorkerEventSources(serverlessYaml: string): WorkerEventSources {
  const file = ServerlessFile.parse(parse(serverlessYaml));
  const params = file.params?.default ?? {};
  const mapping = (queue: string): WorkerEventSource => {
    const sqs = file.functions.worker.events.find((e) => e.sqs?.arn['Fn::GetAtt'][0] === queue)?.sqs;
    if (!sqs) throw new Error(`serverless.yml: the worker function has no sqs event on ${queue}`);
    return {
      batchSize: resolve(sqs.batchSize, params, 'batchSize'),
      maximumConcurrency: resolve(sqs.maximumConcurrency, params, 'maximumConcurrency'),
    };
  };
  return { work: mapping('WorkQueue'), revocation: mapping('RevocationQueue') };
}

export async function loadWorkerEventSources(serverlessYmlPath = PROJECT_SERVERLESS_YML): Promise<WorkerEventSources> {
  return parseWorkerEventSources(await readFile(serverlessYmlPath, 'utf8'));
}
