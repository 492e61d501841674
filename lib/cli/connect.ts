/**
 * What the commands work with: the sync runtime (use cases, stores, targets, UMAPI), the
 * dead-letter queue, and where it all points. Built over AWS (DynamoDB + SQS, the local emulators
 * or a deployed stage) by `connectAws`; tests pass their own factory with in-memory parts.
 */
import { createDeadLetterAccess, type DeadLetterAccess } from '../aws/dead-letters.js';
import { requireEnv } from '../aws/env.js';
import { readRateBuckets, type BudgetWait } from '../aws/rate-limiter.js';
import { buildAwsRuntime } from '../compose/runtime.js';
import { loadSettings } from '../compose/settings.js';
import type { Log, Metrics } from '../observability/log.js';
import type { DeadLetters } from '../sync/ports.js';
import type { SyncRuntime } from '../sync/runtime.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { TableRef } from '../aws/table.js';
import { requireConnection, type Env } from './env.js';
import { CliFailure } from './errors.js';

/** The DLQ as `replay` and `status` use it. */
export type CliDeadLetters = DeadLetters & Pick<DeadLetterAccess, 'depth'>;

/** One UMAPI token bucket, as `status` shows it. */
export interface RateBucketState {
  readonly family: string;
  /** `shared`: every request draws from it; `reconcile`: a reconciliation's full org read draws from it first. */
  readonly bucket: 'shared' | 'reconcile';
  /** Negative: requests already promised to waiting callers. */
  readonly tokens: number;
  readonly updatedAt: number;
}

export interface CliRuntime {
  readonly sync: SyncRuntime;
  /** The dead-letter access; raises when the DLQ is not configured. */
  deadLetters(): CliDeadLetters;
  /** The shared UMAPI budget's buckets, when the store can read them. */
  readonly rateBuckets?: () => Promise<readonly RateBucketState[]>;
  close(): Promise<void>;
}

export interface RuntimeObservers {
  readonly log: Log;
  readonly metrics: Metrics;
  /** Told before each wait for the shared UMAPI budget, so that a terminal shows it. */
  readonly onBudgetWait?: (wait: BudgetWait) => void;
}

export type RuntimeFactory = (env: Env, observers: RuntimeObservers) => Promise<CliRuntime>;

/**
 * An operator's process may wait for the shared UMAPI budget longer than a Lambda would (10 s
 * there): a minute, rather than fail a reconciliation the schedule just started.
 */
const CLI_MAX_INLINE_WAIT_MS = 60_000;

export const connectAws: RuntimeFactory = async (env, { log, metrics, onBudgetWait }) => {
  requireConnection(env);
  exportAwsVariables(env);
  const settings = await loadSettings(env);
  const runtime = buildAwsRuntime(settings, env, { log, metrics, maxInlineWaitMs: CLI_MAX_INLINE_WAIT_MS, ...(onBudgetWait ? { onBudgetWait } : {}) });
  try {
    await requireReachableTable(runtime.table, env);
  } catch (error) {
    runtime.aws.sqs.destroy();
    runtime.aws.dynamo.destroy();
    throw error;
  }
  let deadLetters: CliDeadLetters | undefined;
  return {
    sync: runtime,
    rateBuckets: () => readRateBuckets(runtime.table, settings.config.org.clientId),
    deadLetters() {
      deadLetters ??= createDeadLetterAccess(runtime.aws.sqs, {
        dlqUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
        queueUrl: requireEnv('QUEUE_URL', env),
        revocationQueueUrl: env['REVOCATION_QUEUE_URL'],
      });
      return deadLetters;
    },
    async close() {
      runtime.aws.sqs.destroy();
      runtime.aws.dynamo.destroy();
    },
  };
};

/**
 * One cheap read before any command's work, so that an unreachable store is blamed on itself: else
 * the first DynamoDB call may be the UMAPI budget's, and its failure read as "UMAPI read failed".
 */
async function requireReachableTable(table: TableRef, env: Env): Promise<void> {
  try {
    await table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: { pk: 'PROBE#ims-sync-cli', sk: '-' } }));
  } catch (error) {
    const where = env['AWS_ENDPOINT_URL_DYNAMODB'] ? `DynamoDB at ${env['AWS_ENDPOINT_URL_DYNAMODB']}` : `DynamoDB in ${env['AWS_REGION'] ?? 'the default region'}`;
    const code = error instanceof Error ? ('code' in error && typeof error.code === 'string' ? error.code : error.name) : String(error);
    const missing = error instanceof Error && error.name === 'ResourceNotFoundException';
    throw new CliFailure(
      missing
        ? `${where} has no table ${table.tableName} — check TABLE_NAME (docs/cli.md, "Where it connects")`
        : `${where} is not reachable (${code}) — start the local stack (\`npm start\`), or check the env file or the exported AWS variables (AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION, credentials)`,
    );
  }
}

/**
 * The AWS SDK reads endpoints, region and credentials only from the process environment
 * (contracts/aws.md §4), so the ones from an env file are put there; nothing else is.
 */
export function exportAwsVariables(env: Env): void {
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('AWS_') && value !== undefined) process.env[name] = value;
  }
}
