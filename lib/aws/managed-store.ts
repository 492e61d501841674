/**
 * The Campaign groups the sync has managed in each target: `MANAGED#<targetId>` / `GROUP#<folded name>`.
 *
 * Campaign's managed groups are named by the org's product profiles through the association mask
 * (contracts/campaign.md §6). When a profile is deleted, its name disappears from UMAPI, but the
 * operator group and its members stay in the instance: remembering the group keeps it managed, so
 * its IMS members are removed. Each item keeps the mask it was managed under: a configuration that
 * changes the mask stops managing the old groups (a config change never removes anything).
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { foldName } from '../domain/ims.js';
import type { ManagedGroupStore } from '../sync/ports.js';
import { batchWrite, keyPart, parseItem, queryAll, type TableRef } from './table.js';

const ManagedItem = z.object({ name: z.string().min(1), mask: z.string() });

const partitionOf = (targetId: string): string => `MANAGED#${keyPart(targetId)}`;

export function createDynamoManagedGroupStore(table: TableRef, clock: Clock): ManagedGroupStore {
  async function read(targetId: string): Promise<z.infer<typeof ManagedItem>[]> {
    const items = await queryAll(table, {
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitionOf(targetId) },
      ConsistentRead: true,
    });
    return items.map((item) => parseItem(ManagedItem, item, 'managed group'));
  }
  return {
    async list(targetId, mask) {
      return (await read(targetId)).filter((item) => item.mask === mask).map((item) => item.name);
    },
    async remember(targetId, names, mask) {
      if (names.length === 0) return;
      const known = new Set((await read(targetId)).filter((item) => item.mask === mask).map((item) => foldName(item.name)));
      // Only what is new is written: every reconciliation names the same groups again.
      const fresh = new Map<string, string>();
      for (const name of names) if (!known.has(foldName(name))) fresh.set(foldName(name), name);
      const requests = [...fresh].map(([folded, name]) => ({
        PutRequest: { Item: { pk: partitionOf(targetId), sk: `GROUP#${keyPart(folded)}`, name, mask } },
      }));
      await batchWrite(table, requests, (ms) => clock.sleep(ms));
    },
  };
}
