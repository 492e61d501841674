/**
 * Work that cannot be applied yet (a user who never logged in to the target, a group that does not
 * exist there yet): `DEFERRED#<targetId>` / `<kind>#<key>#<group>`, and in `gsi1` under `DEFERRED`
 * so that `list()` without a target needs no scan. Reconciliation retries and clears them.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { DeferredRecord, DeferredStore } from '../sync/ports.js';
import { GSI1, batchGet, batchWrite, dynamoFailure, keyPart, parseItem, queryAll, type Item, type TableRef } from './table.js';

const DeferredItem = z.object({
  targetId: z.string(),
  kind: z.enum(['user', 'group']),
  key: z.string(),
  group: z.string().optional(),
  reason: z.string(),
  since: z.number(),
});

const ALL_DEFERRED = 'DEFERRED';
/** Records whose stored state could not be read back (throttled) are upserted one at a time, this many at once. */
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

  /** The item `put` writes: `since` as first deferred, kept from the stored item when there is one. */
  function itemOf(record: DeferredRecord, since: number): Item {
    const { pk, sk, gsi1sk } = itemKey(record.targetId, record);
    return {
      pk,
      sk,
      gsi1pk: ALL_DEFERRED,
      gsi1sk,
      targetId: record.targetId,
      kind: record.kind,
      key: record.key,
      ...(record.group === undefined ? {} : { group: record.group }),
      reason: record.reason,
      since,
    };
  }

  return {
    /**
     * Most records a slice defers were deferred by the run before (a user who never logged in stays
     * so for weeks): the stored ones are read first, one BatchGetItem a hundred, and only what is
     * new or has another reason is written, one BatchWriteItem twenty-five: two requests a hundred
     * records instead of one each. A key given twice is written once, as the last one says.
     */
    async put(records) {
      const byKey = new Map<string, DeferredRecord>();
      for (const record of records) {
        const { pk, sk } = itemKey(record.targetId, record);
        byKey.set(`${pk}\u0000${sk}`, record);
      }
      if (byKey.size === 0) return;
      const keys = [...byKey.values()].map((record) => {
        const { pk, sk } = itemKey(record.targetId, record);
        return { pk, sk };
      });
      const { items, unprocessed } = await batchGet(table, keys, 'deferred', (ms) => clock.sleep(ms));
      const stored = new Map<string, DeferredRecord>();
      for (const item of items) {
        const parsed = DeferredItem.safeParse(item);
        // A malformed stored item is written again from the record.
        if (parsed.success) stored.set(`${String(item['pk'])}\u0000${String(item['sk'])}`, parsed.data);
      }
      const unread = new Set(unprocessed.map((key) => `${String(key['pk'])}\u0000${String(key['sk'])}`));
      const writes: { PutRequest: { Item: Item } }[] = [];
      const oneByOne: DeferredRecord[] = [];
      for (const [key, record] of byKey) {
        // Not read back: upserted on its own, which keeps a stored `since` without knowing it.
        if (unread.has(key)) {
          oneByOne.push(record);
          continue;
        }
        const before = stored.get(key);
        if (before !== undefined && before.reason === record.reason && before.group === record.group) continue;
        writes.push({ PutRequest: { Item: itemOf(record, before?.since ?? record.since) } });
      }
      await batchWrite(table, writes, (ms) => clock.sleep(ms));
      for (let start = 0; start < oneByOne.length; start += WRITE_CONCURRENCY) {
        await Promise.all(oneByOne.slice(start, start + WRITE_CONCURRENCY).map(upsert));
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
