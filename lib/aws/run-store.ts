/**
 * Reconciliation runs, one item per (run, target): `RUN#<runId>` / `TARGET#<targetId>`, and in
 * `gsi1` under `RUNS` sorted by start time, so `list` reads the newest first without a scan.
 * The removals a guard held back can be large, so they are stored gzip-compressed: an item is
 * limited to 400 KB (contracts/aws.md §3). A mass removal still too large for one item (tens of
 * thousands of held removals: the guard's very case) is stored in parts beside the run's item,
 * `TARGET#<targetId>#HELD#<n>`, written before it; the run's item says how many (`heldParts`).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ProtocolError } from '../errors.js';
import type { PlanSlice } from '../domain/plan-types.js';
import type { RunStore, RunTargetRecord } from '../sync/ports.js';
import { GSI1, batchWrite, dynamoFailure, isConditionFailed, keyPart, parseItem, queryAll, sortableTime, type Item, type TableRef } from './table.js';

const ALL_RUNS = 'RUNS';

const GuardVerdictSchema = z.object({
  verdict: z.enum(['pass', 'hold']),
  removals: z.number(),
  managedMemberships: z.number(),
  maxRemovals: z.number(),
  maxRemovalPercent: z.number(),
  reason: z.string().optional(),
});

const PlanSliceSchema = z
  .object({
    changes: z.array(z.object({ group: z.string(), add: z.array(z.string()), remove: z.array(z.string()) }).strict()),
    wiring: z.array(z.object({ group: z.string(), memberOf: z.array(z.string()) }).strict()),
    disable: z.array(z.string()),
    enable: z.array(z.string()),
  })
  .strict();

const RunItem = z.object({
  runId: z.string(),
  targetId: z.string(),
  startedAt: z.number(),
  status: z.enum(['APPLIED', 'HELD', 'APPROVING', 'APPROVED', 'REJECTED', 'FAILED', 'INCOMPLETE']),
  verdict: GuardVerdictSchema.optional(),
  counts: z.object({ adds: z.number(), removes: z.number(), wiring: z.number(), deferred: z.number() }),
  heldGz: z.instanceof(Uint8Array).optional(),
  /** The held plan is in this many part items (`heldGz` is then absent). */
  heldParts: z.number().int().positive().optional(),
  snapshotAt: z.number().optional(),
  reason: z.string().optional(),
  findings: z.record(z.string(), z.number()).optional(),
});

const HeldPartItem = z.object({ part: z.instanceof(Uint8Array) });

/**
 * Compressed bytes a run item carries itself, and a part item each: well below the 400 KB item
 * limit, which counts attribute names and the rest of the item too.
 */
export const HELD_PART_BYTES = 300 * 1024;

function key(runId: string, targetId: string) {
  return { pk: `RUN#${keyPart(runId)}`, sk: `TARGET#${keyPart(targetId)}` };
}

/** `#` is escaped inside ids (keyPart): no target's own key begins with another's part prefix. */
function partKey(runId: string, targetId: string, index: number) {
  return { pk: `RUN#${keyPart(runId)}`, sk: `${partPrefix(targetId)}${String(index).padStart(4, '0')}` };
}

function partPrefix(targetId: string): string {
  return `TARGET#${keyPart(targetId)}#HELD#`;
}

const isPart = (item: Item): boolean => typeof item['sk'] === 'string' && item['sk'].includes('#HELD#');

function compressHeld(held: PlanSlice): Uint8Array {
  return gzipSync(Buffer.from(JSON.stringify(held), 'utf8'));
}

function decompressHeld(runId: string, targetId: string, heldGz: Uint8Array): PlanSlice {
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(heldGz).toString('utf8'));
  } catch (error) {
    throw new ProtocolError('dynamodb', `run ${runId} / ${targetId}: the held plan "heldGz" does not decompress to JSON`, undefined, { cause: error });
  }
  const parsed = PlanSliceSchema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError('dynamodb', `run ${runId} / ${targetId}: the held plan "heldGz" is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A run item with its held plan; `parts` are the run's part items (read with it, or for it). */
function toRecord(item: Item, parts: readonly Item[]): RunTargetRecord {
  const { heldGz, heldParts, ...rest } = parseItem(RunItem, item, 'run');
  if (heldGz !== undefined) return { ...rest, held: decompressHeld(rest.runId, rest.targetId, heldGz) };
  if (heldParts === undefined) return rest;
  const prefix = partPrefix(rest.targetId);
  const own = parts.filter((p) => String(p['sk']).startsWith(prefix)).sort((a, b) => String(a['sk']).localeCompare(String(b['sk'])));
  // Extra parts may be left from an earlier, larger write of the same run: only the first `heldParts` count.
  if (own.length < heldParts) {
    throw new ProtocolError('dynamodb', `run ${rest.runId} / ${rest.targetId}: the held plan has ${heldParts} parts, ${own.length} found`);
  }
  const bytes = Buffer.concat(own.slice(0, heldParts).map((p) => parseItem(HeldPartItem, p, 'run held part').part));
  return { ...rest, held: decompressHeld(rest.runId, rest.targetId, bytes) };
}

export function createDynamoRunStore(table: TableRef, clock: Clock): RunStore {
  /** The part items of a run item listed from the index (which holds run items only). */
  function partsOf(item: Item): Promise<Item[]> {
    return queryAll(table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': item['pk'], ':prefix': partPrefix(String(item['targetId'])) },
      ConsistentRead: true,
    });
  }

  return {
    async put(record) {
      const { held, ...rest } = record;
      const gz = held === undefined ? undefined : compressHeld(held);
      let heldFields: Item = {};
      if (gz !== undefined && gz.byteLength <= HELD_PART_BYTES) heldFields = { heldGz: gz };
      else if (gz !== undefined) {
        const parts: Item[] = [];
        for (let start = 0, index = 0; start < gz.byteLength; start += HELD_PART_BYTES, index += 1) {
          parts.push({ ...partKey(record.runId, record.targetId, index), part: gz.subarray(start, start + HELD_PART_BYTES) });
        }
        // The parts first: a run item never names parts that are not there.
        await batchWrite(table, parts.map((Item) => ({ PutRequest: { Item } })), (ms) => clock.sleep(ms));
        heldFields = { heldParts: parts.length };
      }
      try {
        await table.dynamo.send(
          new PutCommand({
            TableName: table.tableName,
            Item: {
              ...key(record.runId, record.targetId),
              ...rest,
              ...heldFields,
              gsi1pk: ALL_RUNS,
              gsi1sk: `${sortableTime(record.startedAt)}#${keyPart(record.runId)}#${keyPart(record.targetId)}`,
            },
          }),
        );
      } catch (error) {
        throw dynamoFailure('PutItem (run)', error);
      }
    },

    async get(runId) {
      const items = await queryAll(table, {
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `RUN#${keyPart(runId)}` },
        ConsistentRead: true,
      });
      const parts = items.filter(isPart);
      return items.filter((item) => !isPart(item)).map((item) => toRecord(item, parts));
    },

    async list(limit) {
      const items = await queryAll(
        table,
        {
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :all',
          ExpressionAttributeValues: { ':all': ALL_RUNS },
          ScanIndexForward: false,
          Limit: limit,
        },
        limit,
      );
      return Promise.all(items.map(async (item) => toRecord(item, item['heldParts'] === undefined ? [] : await partsOf(item))));
    },

    async transition(runId, targetId, from, to) {
      try {
        await table.dynamo.send(
          new UpdateCommand({
            TableName: table.tableName,
            Key: key(runId, targetId),
            UpdateExpression: 'SET #status = :to, decidedAt = :now',
            // Timeline: HELD -> APPROVING (an approval claims it; a reject now fails) -> APPROVED once
            // queued; or HELD -> REJECTED. Only from the expected status, so each decision is taken once.
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':to': to, ':from': from, ':now': clock.now() },
          }),
        );
        return true;
      } catch (error) {
        if (isConditionFailed(error)) return false;
        throw dynamoFailure('UpdateItem (run decision)', error);
      }
    },
  };
}
