/**
 * Reconciliation runs, one item per (run, target): `RUN#<runId>` / `TARGET#<targetId>`, and in
 * `gsi1` under `RUNS` sorted by start time, so `list` reads the newest first without a scan.
 * The removals a guard held back can be large, so they are stored gzip-compressed: an item is
 * limited to 400 KB (contracts/aws.md §3).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ProtocolError } from '../errors.js';
import type { PlanSlice } from '../domain/plan-types.js';
import type { RunStore, RunTargetRecord } from '../sync/ports.js';
import { GSI1, dynamoFailure, isConditionFailed, keyPart, parseItem, queryAll, sortableTime, type Item, type TableRef } from './table.js';

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
  snapshotAt: z.number().optional(),
  reason: z.string().optional(),
  findings: z.record(z.string(), z.number()).optional(),
});

function key(runId: string, targetId: string) {
  return { pk: `RUN#${keyPart(runId)}`, sk: `TARGET#${keyPart(targetId)}` };
}

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

function toRecord(item: Item): RunTargetRecord {
  const { heldGz, ...rest } = parseItem(RunItem, item, 'run');
  return heldGz === undefined ? rest : { ...rest, held: decompressHeld(rest.runId, rest.targetId, heldGz) };
}

export function createDynamoRunStore(table: TableRef, clock: Clock): RunStore {
  return {
    async put(record) {
      const { held, ...rest } = record;
      try {
        await table.dynamo.send(
          new PutCommand({
            TableName: table.tableName,
            Item: {
              ...key(record.runId, record.targetId),
              ...rest,
              ...(held === undefined ? {} : { heldGz: compressHeld(held) }),
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
      return items.map(toRecord);
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
      return items.map(toRecord);
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
