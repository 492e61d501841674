/**
 * The UMAPI request budget shared by every Lambda using one client id (ARCHITECTURE.md, "Where
 * the efficiency comes from"): token buckets per (client id, endpoint family), one item each,
 * changed only by an optimistic conditional put — the shared bucket `RATE#<clientId>#<family>` / `-`
 * that every request draws from, and the reconciliation lane `RATE#<clientId>#<family>#reconcile`
 * (lib/ims/token-bucket.ts has the arithmetic and why there are two).
 *
 * A caller *reserves* its token: the bucket may go below zero by the requests already promised,
 * and each caller sleeps until its own turn. So one write per bucket, no polling, and callers are
 * served in the order they reserved. A wait longer than `maxInlineWaitMs` is not reserved: it
 * raises ThrottledError so the work can be delayed on the queue instead of holding a Lambda. A
 * reconciliation's request reserves its lane token, sleeps until it is due, and only then reserves
 * its shared token, within what is left of `maxInlineWaitMs`; if that second wait is too long the
 * lane token is lost, which only slows the reconciliation. If events made it wait for the shared
 * token, the lane is charged that wait, so its next token is due a lane interval after the request went.
 */
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ThrottledError } from '../errors.js';
import type { RateLimiter, UmapiFamily } from '../ims/port.js';
import { bucketRates, budgetName, DEFAULT_RECONCILE_SHARE, reserve, takeTurn, type BucketRate, type BudgetBucket } from '../ims/token-bucket.js';
import { dynamoFailure, isConditionFailed, keyPart, parseItem, type TableRef } from './table.js';

export interface DynamoRateLimiterOptions {
  readonly clientId: string;
  /** Requests per minute per family (contracts/ims-and-umapi.md §4; config `org.rateLimit`). */
  readonly perMinute: Readonly<Record<UmapiFamily, number>>;
  readonly maxInlineWaitMs: number;
  /**
   * Bucket size (default 1). With 1, no 60-second window ever sees more than `perMinute`
   * requests; a larger burst lets that many go at once at the price of exceeding it briefly.
   */
  readonly burst?: number;
  /** Share of each minute's budget a reconciliation may use (default 0.8; config `org.rateLimit.reconcileShare`). */
  readonly reconcileShare?: number;
  /** Lost optimistic races before giving up with ThrottledError (default 8). */
  readonly maxConflicts?: number;
  /** Told before each in-process wait for a turn (the CLI shows it on a terminal). */
  readonly onWait?: (wait: BudgetWait) => void;
}

/** A caller about to sleep `waitMs` for its reserved turn in `family`'s bucket. */
export interface BudgetWait {
  readonly family: UmapiFamily;
  readonly waitMs: number;
  /** The family's configured rate, requests per minute. */
  readonly perMinute: number;
}

const BucketItem = z.object({ tokens: z.number(), updatedAt: z.number(), rev: z.number().int() });

export function createDynamoRateLimiter(table: TableRef, clock: Clock, options: DynamoRateLimiterOptions): RateLimiter {
  const maxConflicts = options.maxConflicts ?? 8;
  const share = options.reconcileShare ?? DEFAULT_RECONCILE_SHARE;
  const rates: Record<UmapiFamily, Record<BudgetBucket, BucketRate>> = {
    users: bucketRates(options.perMinute.users, share, options.burst),
    groups: bucketRates(options.perMinute.groups, share, options.burst),
  };

  /** Reserves one token of one bucket and answers the wait for it; raises ThrottledError, reserving nothing, past `maxWaitMs`. */
  async function reserveTurn(family: UmapiFamily, name: BudgetBucket, maxWaitMs: number): Promise<number> {
    const key = bucketKey(options.clientId, family, name);
    const rate = rates[family][name];
    for (let conflict = 0; conflict < maxConflicts; conflict += 1) {
      const bucket = await readBucket(table, key);
      const { next, waitMs } = reserve(bucket, rate, clock.now());
      if (waitMs > maxWaitMs) throw new ThrottledError('umapi', waitMs, `${budgetName(family, name)} is spent for now; retry in ${Math.ceil(waitMs / 1000)} s`);

      // Timeline: A reads (tokens 0.2, rev 7); B reads the same; A writes (-0.8, rev 8) and
      // sleeps its turn; B's write, conditional on rev 7, fails; B reads (-0.8, rev 8) again
      // and reserves the turn after A's. A bucket nobody created yet is created once.
      const unchangedSinceRead = 'rev = :seenRev';
      const notCreatedYet = 'attribute_not_exists(pk)';
      try {
        await table.dynamo.send(
          new PutCommand({
            TableName: table.tableName,
            Item: { ...key, tokens: next.tokens, updatedAt: next.updatedAt, rev: (bucket?.rev ?? 0) + 1 },
            ConditionExpression: bucket ? unchangedSinceRead : notCreatedYet,
            ...(bucket ? { ExpressionAttributeValues: { ':seenRev': bucket.rev } } : {}),
          }),
        );
      } catch (error) {
        if (isConditionFailed(error)) continue;
        throw dynamoFailure('PutItem (rate bucket)', error);
      }
      return waitMs;
    }
    throw new ThrottledError('umapi', Math.ceil(1 / rate.perMs), `${budgetName(family, name)}: lost ${maxConflicts} races for the bucket; retry later`);
  }

  /**
   * Takes `tokens` more from a bucket without reading it: an atomic ADD commutes with any other
   * write, and bumping `rev` makes a reservation read before it fail its condition and read again.
   */
  async function charge(family: UmapiFamily, name: BudgetBucket, tokens: number): Promise<void> {
    try {
      await table.dynamo.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: bucketKey(options.clientId, family, name),
          UpdateExpression: 'ADD tokens :taken, rev :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':taken': -tokens, ':one': 1 },
        }),
      );
    } catch (error) {
      // The lane bucket was reserved a moment ago; gone means nothing is left to postpone.
      if (isConditionFailed(error)) return;
      throw dynamoFailure('UpdateItem (rate bucket)', error);
    }
  }

  return {
    acquire: (family, lane = 'event', maxWaitMs = options.maxInlineWaitMs) =>
      takeTurn(lane, rates[family].reconcile, maxWaitMs, {
        reserve: (name, maxWaitMs) => reserveTurn(family, name, maxWaitMs),
        chargeLane: (tokens) => charge(family, 'reconcile', tokens),
        sleep: (ms) => {
          if (ms > 0) options.onWait?.({ family, waitMs: ms, perMinute: options.perMinute[family] });
          return clock.sleep(ms);
        },
      }),
  };
}

async function readBucket(table: TableRef, key: { pk: string; sk: string }) {
  let answer;
  try {
    answer = await table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
  } catch (error) {
    throw dynamoFailure('GetItem (rate bucket)', error);
  }
  return answer.Item ? parseItem(BucketItem, answer.Item, 'rate bucket') : undefined;
}

/** One bucket of one client id as it stands (for `ims-sync status`). */
export interface StoredRateBucket {
  readonly family: UmapiFamily;
  readonly bucket: BudgetBucket;
  /** Negative: requests already promised to waiting callers. */
  readonly tokens: number;
  readonly updatedAt: number;
}

/** The buckets of one client id as they stand; buckets never used are absent. */
export async function readRateBuckets(table: TableRef, clientId: string): Promise<StoredRateBucket[]> {
  const buckets: StoredRateBucket[] = [];
  for (const family of ['users', 'groups'] as const) {
    for (const bucket of ['shared', 'reconcile'] as const) {
      const item = await readBucket(table, bucketKey(clientId, family, bucket));
      if (item) buckets.push({ family, bucket, tokens: item.tokens, updatedAt: item.updatedAt });
    }
  }
  return buckets;
}

/** The shared bucket keeps the key it always had, so a deployment's existing bucket stays in force. */
const bucketKey = (clientId: string, family: UmapiFamily, bucket: BudgetBucket) => ({
  pk: `RATE#${keyPart(clientId)}#${family}${bucket === 'shared' ? '' : `#${bucket}`}`,
  sk: '-',
});

