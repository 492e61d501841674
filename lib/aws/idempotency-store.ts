/**
 * Idempotency per (event, target) over DynamoDB: `EVENT#<eventId>` / `TARGET#<targetId>`.
 * A claim is an IN_PROGRESS item with a lease; a finished one is DONE and kept long enough to
 * cover every redelivery (SQS retention and DLQ replays: 14 days, contracts/aws.md §2).
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { IdempotencyOutcome, IdempotencyStore } from '../sync/ports.js';
import { batchGet, batchWrite, dynamoFailure, epochSeconds, isConditionFailed, isExpired, keyPart, parseItem, type TableRef } from './table.js';

const DAY_MS = 86_400_000;

export interface IdempotencyStoreOptions {
  /** How long a DONE record is kept (default 15 days: longer than the 14 days a message can live). */
  readonly retentionMs?: number;
}

const IdempotencyItem = z.object({
  status: z.enum(['IN_PROGRESS', 'DONE']),
  leaseExpiresAt: z.number().optional(),
  expiresAt: z.number(),
});

function key(eventId: string, targetId: string) {
  return { pk: `EVENT#${keyPart(eventId)}`, sk: `TARGET#${keyPart(targetId)}` };
}

export function createDynamoIdempotencyStore(table: TableRef, clock: Clock, options: IdempotencyStoreOptions = {}): IdempotencyStore {
  const retentionMs = options.retentionMs ?? 15 * DAY_MS;

  async function tryClaim(eventId: string, targetId: string, leaseMs: number): Promise<boolean> {
    const now = clock.now();
    // Timeline of one (event, target):
    //   t0 worker A claims: IN_PROGRESS, lease until t0+lease      -> started
    //   t1 worker B (redelivery) while A's lease holds             -> in-progress (B backs off)
    //   t2 A completes: DONE                                       -> everyone later: already-done
    //   or A dies: after t0+lease, the lease is expired            -> the next claim starts again
    //   or A fails and releases: the item is gone                  -> the next claim starts again
    // An item whose TTL has passed counts as absent even before DynamoDB deletes it (§3).
    const isNew = 'attribute_not_exists(pk)';
    const leaseExpired = '(#status = :inProgress AND leaseExpiresAt < :now)';
    const ttlPassed = 'expiresAt <= :nowSeconds';
    try {
      await table.dynamo.send(
        new PutCommand({
          TableName: table.tableName,
          Item: {
            ...key(eventId, targetId),
            status: 'IN_PROGRESS',
            leaseExpiresAt: now + leaseMs,
            expiresAt: epochSeconds(now + leaseMs + retentionMs),
          },
          ConditionExpression: `${isNew} OR ${leaseExpired} OR ${ttlPassed}`,
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS', ':now': now, ':nowSeconds': epochSeconds(now) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      throw dynamoFailure('PutItem (idempotency claim)', error);
    }
  }

  async function read(eventId: string, targetId: string) {
    let answer;
    try {
      answer = await table.dynamo.send(new GetCommand({ TableName: table.tableName, Key: key(eventId, targetId), ConsistentRead: true }));
    } catch (error) {
      throw dynamoFailure('GetItem (idempotency)', error);
    }
    if (!answer.Item || isExpired(answer.Item, clock.now())) return undefined;
    return parseItem(IdempotencyItem, answer.Item, 'idempotency');
  }

  return {
    async begin(eventId, targetId, leaseMs): Promise<IdempotencyOutcome> {
      // A claim that fails and then finds no item raced a release: try again, a few times at most.
      for (let attempt = 0; attempt < 3; attempt += 1) {
        if (await tryClaim(eventId, targetId, leaseMs)) return 'started';
        const current = await read(eventId, targetId);
        if (current?.status === 'DONE') return 'already-done';
        if (current?.status === 'IN_PROGRESS') return 'in-progress';
      }
      return 'in-progress';
    },

    async complete(eventIds, targetId) {
      const now = clock.now();
      // Unconditional: a DONE record replaces the claim. BatchWriteItem refuses one key twice in a request.
      const items = [...new Set(eventIds)].map((eventId) => ({
        PutRequest: { Item: { ...key(eventId, targetId), status: 'DONE', completedAt: now, expiresAt: epochSeconds(now + retentionMs) } },
      }));
      await batchWrite(table, items, (ms) => clock.sleep(ms));
    },

    async release(eventId, targetId) {
      try {
        await table.dynamo.send(
          new DeleteCommand({
            TableName: table.tableName,
            Key: key(eventId, targetId),
            // Never forget a finished event: only a claim is given back.
            ConditionExpression: '#status = :inProgress',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS' },
          }),
        );
      } catch (error) {
        if (isConditionFailed(error)) return;
        throw dynamoFailure('DeleteItem (idempotency release)', error);
      }
    },

    async doneEverywhere(eventIds, targetIds) {
      if (eventIds.length === 0 || targetIds.length === 0) return new Set();
      const keys = [...new Set(eventIds)].flatMap((e) => targetIds.map((t) => key(e, t)));
      const done = new Set<string>();
      // Keys DynamoDB left unprocessed after a few rounds count as absent: not done.
      for (const item of (await batchGet(table, keys, 'idempotency', (ms) => clock.sleep(ms))).items) {
        if (isExpired(item, clock.now()) || item['status'] !== 'DONE') continue;
        done.add(`${String(item['pk'])}|${String(item['sk'])}`);
      }
      return new Set(eventIds.filter((e) => targetIds.every((t) => done.has(`${key(e, t).pk}|${key(e, t).sk}`))));
    },
  };
}
