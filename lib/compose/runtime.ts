/**
 * The composition of a whole SyncRuntime over AWS (DynamoDB stores, SQS queue, the DynamoDB-backed
 * UMAPI budget shared by every Lambda) — used by the worker and schedule roots, the CLI and the local
 * stack alike. Endpoints come only from the SDK's standard variables (AWS_ENDPOINT_URL_*).
 */
import { createDynamoAuditStore } from '../aws/audit-store.js';
import { createAwsClients, type AwsClients } from '../aws/clients.js';
import { createDynamoDeferredStore } from '../aws/deferred-store.js';
import { queueUrlsFrom, requireEnv } from '../aws/env.js';
import { createDynamoIdempotencyStore } from '../aws/idempotency-store.js';
import { createDynamoManagedGroupStore } from '../aws/managed-store.js';
import { createSqsWorkQueue, type SqsWorkQueue } from '../aws/queue.js';
import { createDynamoRateLimiter, type BudgetWait } from '../aws/rate-limiter.js';
import { createDynamoRunStore } from '../aws/run-store.js';
import type { TableRef } from '../aws/table.js';
import { createDynamoVersionStore } from '../aws/version-store.js';
import { systemClock, type Clock } from '../clock.js';
import { fetchTransport, type HttpTransport } from '../http.js';
import type { Log, Metrics } from '../observability/log.js';
import { createOrgGroupNames } from '../sync/org-groups.js';
import { createAppliedFacts } from '../sync/applied-facts.js';
import { createRecentGroupReads } from '../sync/recent-group-reads.js';
import type { Stores, SyncRuntime } from '../sync/runtime.js';
import { buildTargets, buildUmapi } from './adapters.js';
import type { Settings } from './settings.js';

export interface AwsRuntime extends SyncRuntime {
  readonly aws: AwsClients;
  readonly queue: SqsWorkQueue;
  readonly table: TableRef;
}

export interface RuntimeOptions {
  readonly log: Log;
  readonly metrics: Metrics;
  readonly http?: HttpTransport;
  readonly clock?: Clock;
  /** A UMAPI wait longer than this is not held in-process: the work is delayed in the queue instead. */
  readonly maxInlineWaitMs?: number;
  /** Told before each in-process wait for the UMAPI budget (the CLI shows it). */
  readonly onBudgetWait?: (wait: BudgetWait) => void;
  readonly aws?: AwsClients;
}

export function buildStores(table: TableRef, clock: Clock): Stores {
  return {
    idempotency: createDynamoIdempotencyStore(table, clock),
    versions: createDynamoVersionStore(table, clock),
    deferred: createDynamoDeferredStore(table, clock),
    runs: createDynamoRunStore(table, clock),
    audit: createDynamoAuditStore(table, clock),
    managedGroups: createDynamoManagedGroupStore(table, clock),
  };
}

export function buildAwsRuntime(settings: Settings, env: NodeJS.ProcessEnv, options: RuntimeOptions): AwsRuntime {
  const clock = options.clock ?? systemClock;
  const http = options.http ?? fetchTransport;
  const aws = options.aws ?? createAwsClients();
  const table: TableRef = { dynamo: aws.dynamo, tableName: requireEnv('TABLE_NAME', env) };
  const { config, secrets } = settings;
  const queue = createSqsWorkQueue(aws.sqs, queueUrlsFrom(env), config.targets);
  const limiter = createDynamoRateLimiter(table, clock, {
    clientId: config.org.clientId,
    perMinute: { users: config.org.rateLimit.usersPerMinute, groups: config.org.rateLimit.groupsPerMinute },
    reconcileShare: config.org.rateLimit.reconcileShare,
    maxInlineWaitMs: options.maxInlineWaitMs ?? 10_000,
    ...(options.onBudgetWait ? { onWait: options.onBudgetWait } : {}),
  });
  const umapi = buildUmapi(config, { http, clock, secrets, limiter });
  return {
    config,
    clock,
    log: options.log,
    metrics: options.metrics,
    targets: buildTargets(config, { http, clock, secrets }),
    umapi,
    orgGroups: createOrgGroupNames(umapi, clock),
    recentGroupReads: createRecentGroupReads(),
    appliedFacts: createAppliedFacts(),
    queue,
    stores: buildStores(table, clock),
    aws,
    table,
  };
}
