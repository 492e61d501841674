/**
 * The last applied state of each (target, user, group): `MEMBER#<targetId>#<userKey>` / `GROUP#<group>`.
 * Last-writer-wins on the IMS time of the change, written with one conditional put
 * (contracts/aws.md §3), so late or duplicated deltas, and snapshots older than a delta, lose.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { TargetUnavailableError } from '../errors.js';
import type { MembershipVersion, VersionStore } from '../sync/ports.js';
import { batchGet, dynamoFailure, epochSeconds, isConditionFailed, isExpired, keyPart, parseItem, type TableRef } from './table.js';

const DAY_MS = 86_400_000;

export interface VersionStoreOptions {
  /**
   * How long a version is kept after the change it records (default 30 days). A version only has
   * to outlive every message older than it: messages live at most 14 days (contracts/aws.md §2).
   */
  readonly retentionMs?: number;
}

const VersionItem = z.object({ at: z.number(), eventId: z.string(), present: z.boolean() });

function key(targetId: string, userKey: string, group: string) {
  return { pk: `MEMBER#${keyPart(targetId)}#${keyPart(userKey)}`, sk: `GROUP#${keyPart(group)}` };
}

export function createDynamoVersionStore(table: TableRef, clock: Clock, options: VersionStoreOptions = {}): VersionStore {
  const retentionMs = options.retentionMs ?? 30 * DAY_MS;

  return {
    async get(targetId, members) {
      if (members.length === 0) return [];
      const keys = members.map(({ userKey, group }) => key(targetId, userKey, group));
      const { items, unprocessed } = await batchGet(table, [...new Map(keys.map((k) => [`${k.pk}|${k.sk}`, k])).values()], 'version', (ms) => clock.sleep(ms));
      // A version not read is not "none": the caller would take a newer write for absent.
      if (unprocessed.length > 0) throw new TargetUnavailableError('dynamodb', `DynamoDB BatchGetItem left ${unprocessed.length} versions unread`);
      const found = new Map(items.map((item) => [`${String(item['pk'])}|${String(item['sk'])}`, item]));
      return keys.map((k) => {
        const item = found.get(`${k.pk}|${k.sk}`);
        if (item === undefined || isExpired(item, clock.now())) return undefined;
        const parsed = parseItem(VersionItem, item, 'version');
        return { at: parsed.at, eventId: parsed.eventId, present: parsed.present };
      });
    },

    async putIfNewer(targetId, userKey, group, version: MembershipVersion) {
      const now = clock.now();
      // Timeline for one (target, user, group):
      //   stored (at=10, e1)  put (at=12, e2) -> newer, wins: stored (12, e2)
      //   stored (12, e2)     put (at=11, e3) -> older, loses: false, nothing written
      //   stored (12, e2)     put (at=12, e4) -> same time: the larger event id wins (a total order
      //                                          every writer agrees on, whatever the arrival order)
      //   stored (12, e2)     put (at=12, e2) -> the same event again: rewrites identical values, true,
      //                                          so a redelivery after a failed apply may apply again
      const noVersionYet = 'attribute_not_exists(pk) OR expiresAt <= :nowSeconds';
      const strictlyNewer = '#at < :at';
      const sameTimeNotSmallerEvent = '(#at = :at AND eventId <= :eventId)';
      try {
        await table.dynamo.send(
          new PutCommand({
            TableName: table.tableName,
            Item: {
              ...key(targetId, userKey, group),
              at: version.at,
              eventId: version.eventId,
              present: version.present,
              recordedAt: now,
              expiresAt: epochSeconds(Math.max(now, version.at) + retentionMs),
            },
            ConditionExpression: `${noVersionYet} OR ${strictlyNewer} OR ${sameTimeNotSmallerEvent}`,
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':at': version.at, ':eventId': version.eventId, ':nowSeconds': epochSeconds(now) },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw dynamoFailure('PutItem (version)', error);
      }
    },
  };
}
