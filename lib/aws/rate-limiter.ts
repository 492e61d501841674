/**
 * The UMAPI request budget shared by every Lambda using one client id (ARCHITECTURE.md, "Where
 * the efficiency comes from"): a token bucket per (client id, endpoint family) in one item,
 * `RATE#<clientId>#<family>` / `-`, changed only by an optimistic conditional put.
 *
 * A caller *reserves* its token: the bucket may go below zero by the requests already promised,
 * and each caller sleeps until its own turn. So one write per request, no polling, and callers are
 * served in the order they reserved. A wait longer than `maxInlineWaitMs` is not reserved: it
 * raises ThrottledError so the work can be delayed on the queue instead of holding a Lambda.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ThrottledError } from '../errors.js';
import type { RateLimiter, UmapiFamily } from '../ims/port.js';
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
  const burst = options.burst ?? 1;
  const maxConflicts = options.maxConflicts ?? 8;

  async function readBucket(key: { pk: string; sk: string }) {
    let answer;
    try {
      answer = await table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: key, ConsistentRead: true }));
    } catch (error) {
      throw dynamoFailure('GetItem (rate bucket)', error);
    }
    return answer.Item ? parseItem(BucketItem, answer.Item, 'rate bucket') : undefined;
  }

  return {
    async acquire(family) {
      const perMs = options.perMinute[family] / 60_000;
      const key = bucketKey(options.clientId, family);
      for (let conflict = 0; conflict < maxConflicts; conflict += 1) {
        const now = clock.now();
        const bucket = await readBucket(key);
        // Another Lambda's clock may run slightly ahead: time never moves the bucket backwards.
        const at = Math.max(now, bucket?.updatedAt ?? now);
        const available = bucket ? Math.min(burst, bucket.tokens + (at - bucket.updatedAt) * perMs) : burst;
        const remaining = available - 1;
        const waitMs = remaining >= 0 ? 0 : Math.ceil(-remaining / perMs) + (at - now);
        if (waitMs > options.maxInlineWaitMs) throw new ThrottledError('umapi', waitMs);

        // Timeline: A reads (tokens 0.2, rev 7); B reads the same; A writes (-0.8, rev 8) and
        // sleeps its turn; B's write, conditional on rev 7, fails; B reads (-0.8, rev 8) again
        // and reserves the turn after A's. A bucket nobody created yet is created once.
        const unchanged = bucket ? 'rev = :seenRev' : 'attribute_not_exists(pk)';
        try {
          await table.dynamo.send(
            new PutCommand({
              TableName: table.tableName,
              Item: { ...key, tokens: remaining, updatedAt: at, rev: (bucket?.rev ?? 0) + 1 },
              ConditionExpression: unchanged,
              ...(bucket ? { ExpressionAttributeValues: { ':seenRev': bucket.rev } } : {}),
            }),
          );
        } catch (error) {
          if (isConditionFailed(error)) continue;
          throw dynamoFailure('PutItem (rate bucket)', error);
        }
        if (waitMs > 0) {
          options.onWait?.({ family, waitMs, perMinute: options.perMinute[family] });
          await clock.sleep(waitMs);
        }
        return;
      }
      throw new ThrottledError('umapi', Math.ceil(1 / perMs), `umapi budget for ${family}: lost ${maxConflicts} races for the shared bucket; retry later`);
    },
  };
}

/** The buckets of one client id as they stand (for `ims-sync status`); families never used are absent. */
export async function readRateBuckets(table: TableRef, clientId: string): Promise<{ family: UmapiFamily; tokens: number; updatedAt: number }[]> {
  const families: UmapiFamily[] = ['users', 'groups'];
  const buckets: { family: UmapiFamily; tokens: number; updatedAt: number }[] = [];
  for (const family of families) {
    let answer;
    try {
      answer = await table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: bucketKey(clientId, family), ConsistentRead: true }));
    } catch (error) {
      throw dynamoFailure('GetItem (rate bucket)', error);
    }
    if (answer.Item) {
      const item = parseItem(BucketItem, answer.Item, 'rate bucket');
      buckets.push({ family, tokens: item.tokens, updatedAt: item.updatedAt });
    }
  }
  return buckets;
}

const bucketKey = (clientId: string, family: UmapiFamily) => ({ pk: `RATE#${keyPart(clientId)}#${family}`, sk: '-' });

