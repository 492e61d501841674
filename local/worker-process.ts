/**
 * The worker function as its own process: the real composition (`loadSettings` + `buildAwsRuntime`
 * + `createWorkerHandler`, as functions/worker.ts) fed by the Lambda-like SQS poller, with every
 * variable read from an env file a local stack wrote. A separate process can be killed with SIGKILL
 * mid-batch, as a Lambda instance can die: its in-flight messages come back after their visibility
 * timeout, which is what the chaos run (docs/chaos.md) proves.
 *
 *   npx tsx local/worker-process.ts --env-file <file> [--visibility-timeout 30] [--retry-delay 1] [--log <file>]
 *
 * It writes one JSON line per batch on stdout (`{"event":"batch-start","size":n}`, then
 * `{"event":"batch-end","batch":n}` when the handler returns or throws), after `{"event":"ready"}`; warnings and errors go to `--log`
 * (appended) or nowhere. SIGTERM/SIGINT stop it cleanly (the running batch is finished).
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { SQSEvent } from 'aws-lambda';
import { createAwsClients } from '../lib/aws/clients.js';
import { createDeadLetterParking } from '../lib/aws/dead-letters.js';
import { buildAwsRuntime } from '../lib/compose/runtime.js';
import { WORKER_UMAPI_WAIT_MS } from '../lib/sync/work-budget.js';
import { loadSettings } from '../lib/compose/settings.js';
import { createMemoryLog, createMemoryMetrics } from '../lib/observability/memory.js';
import { createWorkerHandler } from '../functions/doors/worker.js';
import { startSqsPoller } from './sqs-poller.js';

/** `NAME=value` lines (as the stack's env file); `#` comments and blank lines skipped; an optional `export `. */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^export\s+/, '');
    if (line === '' || line.startsWith('#')) continue;
    const at = line.indexOf('=');
    if (at <= 0) continue;
    let value = line.slice(at + 1);
    if (/^'.*'$/.test(value)) value = value.slice(1, -1).replace(/'\\''/g, "'");
    else if (/^".*"$/.test(value)) value = value.slice(1, -1);
    env[line.slice(0, at)] = value;
  }
  return env;
}

const { values } = parseArgs({
  options: {
    'env-file': { type: 'string' },
    'visibility-timeout': { type: 'string', default: '30' },
    'retry-delay': { type: 'string', default: '1' },
    log: { type: 'string' },
  },
});
const envFile = values['env-file'];
if (envFile === undefined) {
  process.stderr.write('worker-process: --env-file <file> is required (the variables a local stack wrote)\n');
  process.exit(64);
}
Object.assign(process.env, parseEnvFile(readFileSync(envFile, 'utf8')));
const logFile = values.log;
const say = (event: Record<string, unknown>): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const log = createMemoryLog((line) => {
  if (logFile !== undefined && line.level !== 'debug' && line.level !== 'info') {
    appendFileSync(logFile, `${new Date().toISOString()} [worker ${process.pid}] ${line.level} ${line.message} ${JSON.stringify(line.attributes)}\n`);
  }
  log.lines.length = 0;
});
const metrics = createMemoryMetrics();
const settings = await loadSettings(process.env);
const aws = createAwsClients();
const runtime = buildAwsRuntime(settings, process.env, { log, metrics, aws, maxInlineWaitMs: WORKER_UMAPI_WAIT_MS });
const worker = createWorkerHandler({
  runtime,
  delay: (receiptHandle, seconds, queueArn) => runtime.queue.changeVisibility(receiptHandle, seconds, queueArn),
  deadLetter: createDeadLetterParking(aws.sqs, process.env.DEAD_LETTER_QUEUE_URL ?? ''),
  requeue: { send: (record, requeues) => runtime.queue.requeue(record, requeues), maxReceiveCount: () => runtime.queue.maxReceiveCount() },
  retryDelaySeconds: Number(values['retry-delay']),
});
let batch = 0;
// One batch at a time per queue (the poller's default concurrency of 1), not serverless.yml's
// `workerConcurrency`: the chaos run kills this process in the middle of a batch, and its figures
// (docs/chaos.md) were taken with one batch open at a time. The revocation queue, when the stack
// has one, is polled beside the work queue, as its own event source mapping does in AWS.
const poll = (queueUrl: string) =>
  startSqsPoller({
    sqs: aws.sqs,
    queueUrl,
    region: process.env.AWS_REGION ?? 'us-east-1',
    // Shortened from the queue's 720 s (serverless.yml) so that a killed batch comes back in seconds.
    visibilityTimeout: Number(values['visibility-timeout']),
    // As Lambda's timeout, no longer than the visibility timeout: claims left by a killed batch expire soon after it.
    invocationTimeoutSeconds: Number(values['visibility-timeout']),
    handler: async (event: SQSEvent, context) => {
      batch += 1;
      const number = batch;
      say({ event: 'batch-start', batch: number, size: event.Records.length });
      try {
        return await worker(event, context);
      } finally {
        say({ event: 'batch-end', batch: number });
      }
    },
    onBatch: (report) => {
      if (report.error !== undefined) log.error('worker batch threw: every record comes back after its visibility timeout', { error: String(report.error) });
    },
    onError: (error) => log.warn('SQS poller: receive or delete failed', { error: String(error) }),
  });
const pollers = [process.env.QUEUE_URL ?? '', process.env.REVOCATION_QUEUE_URL ?? ''].filter((url) => url !== '').map(poll);
say({ event: 'ready', pid: process.pid });

const stop = (): void => {
  void Promise.all(pollers.map((p) => p.stop())).then(() => {
    aws.sqs.destroy();
    aws.dynamo.destroy();
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
