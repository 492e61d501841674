import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { loadWorkerEventSources, parseWorkerEventSources, PROJECT_SERVERLESS_YML } from '../../../local/event-source.js';

const worker = (work: string, revocation: string, params = ''): string => `
${params}
functions:
  worker:
    handler: functions/worker.handler
    events:
      - sqs:
          arn: { 'Fn::GetAtt': [WorkQueue, Arn] }
${work}
      - sqs:
          arn: { 'Fn::GetAtt': [RevocationQueue, Arn] }
${revocation}
`;

describe('the worker’s event sources, read from serverless.yml for the local pollers', () => {
  it('takes the project’s batch sizes and maximum concurrencies, resolving ${param:…} from params.default', async () => {
    const text = await readFile(PROJECT_SERVERLESS_YML, 'utf8');
    const work = /workerConcurrency: (\d+)/.exec(text)?.[1];
    const revocation = /revocationConcurrency: (\d+)/.exec(text)?.[1];

    expect(await loadWorkerEventSources()).toEqual({
      work: { batchSize: 10, maximumConcurrency: Number(work) },
      revocation: { batchSize: 10, maximumConcurrency: Number(revocation) },
    });
  });

  it('refuses a variable it cannot resolve rather than guess a number', () => {
    const yaml = worker('          batchSize: 10\n          maximumConcurrency: ${param:missing}', '          batchSize: 10\n          maximumConcurrency: 2', 'params:\n  default:\n    other: 3');

    expect(() => parseWorkerEventSources(yaml)).toThrow(/maximumConcurrency.*\$\{param:missing\}/);
  });

  it('takes plain numbers as they are, per queue', () => {
    expect(parseWorkerEventSources(worker('          batchSize: 4\n          maximumConcurrency: 2', '          batchSize: 10\n          maximumConcurrency: 3'))).toEqual({
      work: { batchSize: 4, maximumConcurrency: 2 },
      revocation: { batchSize: 10, maximumConcurrency: 3 },
    });
  });

  it('says which queue has no event rather than run without its worker', () => {
    const yaml = `functions:\n  worker:\n    events:\n      - sqs:\n          arn: { 'Fn::GetAtt': [WorkQueue, Arn] }\n          batchSize: 10\n          maximumConcurrency: 2\n`;

    expect(() => parseWorkerEventSources(yaml)).toThrow(/no sqs event on RevocationQueue/);
  });
});
