import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadWorkerEventSource, parseWorkerEventSource, PROJECT_SERVERLESS_YML } from '../../../local/event-source.js';

const worker = (sqs: string, params = ''): string => `
${params}
functions:
  worker:
    handler: functions/worker.handler
    events:
      - sqs:
${sqs}
`;

describe('the worker’s event source, read from serverless.yml for the local poller', () => {
  it('takes the project’s batch size and maximum concurrency, resolving ${param:…} from params.default', async () => {
    const text = await readFile(PROJECT_SERVERLESS_YML, 'utf8');
    const declared = /workerConcurrency: (\d+)/.exec(text)?.[1];

    expect(await loadWorkerEventSource()).toEqual({ batchSize: 10, maximumConcurrency: Number(declared) });
  });

  it('refuses a variable it cannot resolve rather than guess a number', () => {
    const yaml = worker('          batchSize: 10\n          maximumConcurrency: ${param:missing}', 'params:\n  default:\n    other: 3');

    expect(() => parseWorkerEventSource(yaml)).toThrow(/maximumConcurrency.*\$\{param:missing\}/);
  });

  it('takes plain numbers as they are', () => {
    expect(parseWorkerEventSource(worker('          batchSize: 4\n          maximumConcurrency: 2'))).toEqual({ batchSize: 4, maximumConcurrency: 2 });
  });
});
