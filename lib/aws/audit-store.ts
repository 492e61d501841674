/**
 * The audit trail of every change the sync made or refused: `AUDIT#<member>` / `<time>#<target>#<hash>`,
 * and in `gsi1` under `AUDIT#GROUP#<group>` for `ims-sync audit <group>`. The member is the key
 * (not the target) so one user's history across all targets is one query. Entries come back oldest first.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { AuditEntry, AuditStore } from '../sync/ports.js';
import { GSI1, batchWrite, epochSeconds, isExpired, keyPart, parseItem, queryAll, sortableTime, type Item, type TableRef } from './table.js';

const DAY_MS = 86_400_000;

export interface AuditStoreOptions {
  /** How long entries are kept (default 400 days). */
  readonly retentionMs?: number;
}

const AuditItem = z.object({
  targetId: z.string(),
  member: z.string(),
  group: z.string(),
  op: z.enum(['add', 'remove', 'wire', 'disable', 'enable']),
  cause: z.string(),
  actor: z.string().optional(),
  at: z.number(),
  outcome: z.enum(['applied', 'failed', 'skipped-newer']),
  detail: z.string().optional(),
});

/** Identical entries (a retried write) land on the same item instead of doubling the trail. */
function entryHash(entry: AuditEntry): string {
  const canonical = JSON.stringify([entry.targetId, entry.member, entry.group, entry.op, entry.cause, entry.actor, entry.at, entry.outcome, entry.detail]);
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function createDynamoAuditStore(table: TableRef, clock: Clock, options: AuditStoreOptions = {}): AuditStore {
  const retentionMs = options.retentionMs ?? 400 * DAY_MS;

  function toEntries(items: Item[]): AuditEntry[] {
    const now = clock.now();
    return items.filter((item) => !isExpired(item, now)).map((item) => parseItem(AuditItem, item, 'audit'));
  }

  return {
    async record(entries) {
      // BatchWriteItem refuses two requests for one key in a batch: identical entries are written once.
      const unique = [...new Map(entries.map((entry) => [`${entry.member}\n${entryHash(entry)}`, entry])).values()];
      const requests = unique.map((entry) => {
        const time = sortableTime(entry.at);
        const hash = entryHash(entry);
        return {
          PutRequest: {
            Item: {
              pk: `AUDIT#${keyPart(entry.member)}`,
              sk: `${time}#${keyPart(entry.targetId)}#${hash}`,
              gsi1pk: `AUDIT#GROUP#${keyPart(entry.group)}`,
              gsi1sk: `${time}#${keyPart(entry.targetId)}#${keyPart(entry.member)}#${hash}`,
              ...entry,
              expiresAt: epochSeconds(entry.at + retentionMs),
            },
          },
        };
      });
      await batchWrite(table, requests, (ms) => clock.sleep(ms));
    },

    async byMember(member, sinceMs) {
      const items = await queryAll(table, {
        KeyConditionExpression: 'pk = :pk AND sk >= :since',
        ExpressionAttributeValues: { ':pk': `AUDIT#${keyPart(member)}`, ':since': sortableTime(sinceMs ?? 0) },
      });
      return toEntries(items);
    },

    async byGroup(group, sinceMs) {
      const items = await queryAll(table, {
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk >= :since',
        ExpressionAttributeValues: { ':pk': `AUDIT#GROUP#${keyPart(group)}`, ':since': sortableTime(sinceMs ?? 0) },
      });
      return toEntries(items);
    },
  };
}
