/**
 * Work that cannot be applied yet (a user who never logged in to the target, a group that does not
 * exist there yet): `DEFERRED#<targetId>` / `<kind>#<key>#<group>`, and in `gsi1` under `DEFERRED`
 * so that `list()` without a target needs no scan. Reconciliation retries and clears them.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DeferredRecord, DeferredStore } from '../sync/ports.js';
import { GSI1, batchWrite, dynamoFailure, keyPart, parseItem, queryAll, type TableRef } from './table.js';

const DeferredItem = z.object({
  targetId: z.string(),
  kind: z.enum(['user', 'group']),
  key: z.string(),
  group: z.string().optional(),
  reason: z.string(),
  since: z.number(),
});

const ALL_DEFERRED = 'DEFERRED';
/** Deferred records are upserted a few at a time, not all at once, to stay inside on-demand burst capacity. */
const WRITE_CONCURRENCY = 8;

function itemKey(targetId: string, item: { kind: string; key: string; group?: string | undefined }) {
  const sk = `${item.kind}#${keyPart(item.key)}#${keyPart(item.group ?? '')}`;
  return { pk: `DEFERRED#${keyPart(targetId)}`, sk, gsi1sk: `${keyPart(targetId)}#${sk}` };
}

export function createDynamoDeferredStore(table: TableRef, clock: Clock): DeferredStore {
  async function upsert(record: DeferredRecord): Promise<void> {
    const { pk, sk, gsi1sk } = itemKey(record.targetId, record);
    try {
      await table.dynamo.send(
        new UpdateCommand({
          TableName: table.tableName,
          Key: { pk, sk },
          // `since` is when it was first deferred: a later reconciliation deferring it again keeps it.
          UpdateExpression: `SET targetId = :targetId, kind = :kind, #key = :key, reason = :reason, since = if_not_exists(since, :since), gsi1pk = :all, gsi1sk = :gsi1sk${record.group === undefined ? '' : ', #group = :group'}`,
          ExpressionAttributeNames: { '#key': 'key', ...(record.group === undefined ? {} : { '#group': 'group' }) },
          ExpressionAttributeValues: {
            ':targetId': record.targetId,
            ':kind': record.kind,
            ':key': record.key,
            ...(record.group === undefined ? {} : { ':group': record.group }),
            ':reason': record.reason,
            ':since': record.since,
            ':all': ALL_DEFERRED,
            ':gsi1sk': gsi1sk,
          },
        }),
      );
    } catch (error) {
      throw dynamoFailure('UpdateItem (deferred)', error);
    }
  }

  function toRecord(item: Record<string, unknown>): DeferredRecord {
    return parseItem(DeferredItem, item, 'deferred');
  }

  return {
    async put(records) {
      for (let start = 0; start < records.length; start += WRITE_CONCURRENCY) {
        await Promise.all(records.slice(start, start + WRITE_CONCURRENCY).map(upsert));
      }
    },

    async clear(targetId, items) {
      const requests = items.map((item) => {
        const { pk, sk } = itemKey(targetId, item);
        return { DeleteRequest: { Key: { pk, sk } } };
      });
      await batchWrite(table, requests, (ms) => clock.sleep(ms));
    },

    async list(targetId) {
      const items =
        targetId === undefined
          ? await queryAll(table, {
              IndexName: GSI1,
              KeyConditionExpression: 'gsi1pk = :all',
              ExpressionAttributeValues: { ':all': ALL_DEFERRED },
            })
          : await queryAll(table, {
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': `DEFERRED#${keyPart(targetId)}` },
              ConsistentRead: true,
            });
      return items.map(toRecord);
    },
  };
}
