/**
 * What the commands work with: the sync runtime (use cases, stores, targets, UMAPI), the
 * dead-letter queue, and where it all points. Built over AWS (DynamoDB + SQS, the local emulators
 * or a deployed stage) by `connectAws`; tests pass their own factory with in-memory parts.
 */
import { createDeadLetterAccess, type DeadLetterAccess } from '../aws/dead-letters.js';
import { requireEnv } from '../aws/env.js';
import { readRateBuckets } from '../aws/rate-limiter.js';
import { buildAwsRuntime } from '../compose/runtime.js';
import { loadSettings } from '../compose/settings.js';
import type { Log, Metrics } from '../observability/log.js';
import type { DeadLetters } from '../sync/ports.js';
import type { SyncRuntime } from '../sync/runtime.js';
import { requireConnection, type Env } from './env.js';

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

export type RuntimeFactory = (env: Env, observability: { log: Log; metrics: Metrics }) => Promise<CliRuntime>;

/**
 * An operator's process may wait for the shared UMAPI budget longer than a Lambda would (10 s
 * there): a minute, rather than fail a reconciliation the schedule just started.
 */
const CLI_MAX_INLINE_WAIT_MS = 60_000;

export const connectAws: RuntimeFactory = async (env, { log, metrics }) => {
  requireConnection(env);
  exportAwsVariables(env);
  const settings = await loadSettings(env);
  const runtime = buildAwsRuntime(settings, env, { log, metrics, maxInlineWaitMs: CLI_MAX_INLINE_WAIT_MS });
  let deadLetters: CliDeadLetters | undefined;
  return {
    sync: runtime,
    rateBuckets: () => readRateBuckets(runtime.table, settings.config.org.clientId),
    deadLetters() {
      deadLetters ??= createDeadLetterAccess(runtime.aws.sqs, {
        dlqUrl: requireEnv('DEAD_LETTER_QUEUE_URL', env),
        queueUrl: requireEnv('QUEUE_URL', env),
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
 * The AWS SDK reads endpoints, region and credentials only from the process environment
 * (contracts/aws.md §4), so the ones from an env file are put there; nothing else is.
 */
export function exportAwsVariables(env: Env): void {
  for (const [name, value] of Object.entries(env)) {
    if (name.startsWith('AWS_') && value !== undefined) process.env[name] = value;
  }
}
