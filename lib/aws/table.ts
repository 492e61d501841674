/**
 * The single DynamoDB table (ARCHITECTURE.md, "State"): every store keeps its items under `pk`/`sk`,
 * and the overloaded index `gsi1` (`gsi1pk`/`gsi1sk`) serves the lookups the main key cannot
 * (audit by group, runs newest first, deferred across targets).
 *
 * Only single-item conditional writes are used: dynalite, the local emulator, has no transactions
 * and no UpdateTimeToLive (contracts/aws.md §4). TTL (`expiresAt`, epoch seconds) is switched on in
 * CloudFormation only, and deletes lazily, so every reader checks expiry in code too (§3).
 */
import { BatchGetCommand, BatchWriteCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { z } from 'zod';
import { ProtocolError, TargetUnavailableError } from '../errors.js';

export const GSI1 = 'gsi1';

/** An item as read: validated with a schema before use, never cast. */
export type Item = Record<string, unknown>;

export interface TableRef {
  readonly dynamo: DynamoDBDocumentClient;
  readonly tableName: string;
}

/**
 * One component of a key. `#` separates components, so it (and `%`) are percent-encoded inside
 * names: a group called `a#b` can never collide with the pair (`a`, `b`).
 */
export function keyPart(value: string): string {
  return value.replace(/[%#]/g, (c) => (c === '%' ? '%25' : '%23'));
}

/** Sortable time for sort keys: ISO-8601 in UTC sorts lexically in time order. */
export function sortableTime(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function epochSeconds(epochMs: number): number {
  return Math.floor(epochMs / 1000);
}

/** Read one stored item back through its schema; a malformed item names the store, the key and the field. */
export function parseItem<S extends z.ZodType>(schema: S, item: Item, store: string): z.infer<S> {
  const parsed = schema.safeParse(item);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = `${String(item['pk'])} / ${String(item['sk'])}`;
  throw new ProtocolError('dynamodb', `${store} item ${where} is malformed at "${issue?.path.join('.') ?? ''}": ${issue?.message ?? 'invalid'}`);
}

/** True when the item's TTL has passed: DynamoDB may not have deleted it yet. */
export function isExpired(item: Item, nowMs: number): boolean {
  const expiresAt = item['expiresAt'];
  return typeof expiresAt === 'number' && expiresAt <= epochSeconds(nowMs);
}

/** A failed condition is an expected outcome of a conditional write (contracts/aws.md §3), not an error. */
export function isConditionFailed(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function dynamoFailure(call: string, error: unknown): TargetUnavailableError {
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new TargetUnavailableError('dynamodb', `DynamoDB ${call} failed: ${reason}`, { cause: error });
}

/** Every page of a query: a read that stops early would be "unknown", not "empty", so errors propagate. */
export async function queryAll(table: TableRef, input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>, limit = Infinity): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    let page;
    try {
      page = await table.dynamo.send(new QueryCommand({ ...input, TableName: table.tableName, ExclusiveStartKey: startKey }));
    } catch (error) {
      throw dynamoFailure(`Query ${input.IndexName ?? 'table'}`, error);
    }
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey && items.length < limit);
  return items.slice(0, limit);
}

const BATCH_WRITE_MAX = 25;
const UNPROCESSED_RETRIES = 5;

/** BatchWriteItem in chunks of 25, re-sending unprocessed items a few times before giving up. */
export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export async function batchWrite(
  table: TableRef,
  requests: readonly WriteRequest[],
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < requests.length; start += BATCH_WRITE_MAX) {
    let pending = requests.slice(start, start + BATCH_WRITE_MAX);
    for (let attempt = 0; pending.length > 0; attempt += 1) {
      if (attempt > UNPROCESSED_RETRIES) {
        throw new TargetUnavailableError('dynamodb', `DynamoDB BatchWriteItem left ${pending.length} items unprocessed after ${UNPROCESSED_RETRIES} retries`);
      }
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      let answer;
      try {
        answer = await table.dynamo.send(new BatchWriteCommand({ RequestItems: { [table.tableName]: [...pending] } }));
      } catch (error) {
        throw dynamoFailure('BatchWriteItem', error);
      }
      pending = (answer.UnprocessedItems?.[table.tableName] ?? []).flatMap((request): WriteRequest[] => {
        if (request.PutRequest?.Item) return [{ PutRequest: { Item: request.PutRequest.Item } }];
        if (request.DeleteRequest?.Key) return [{ DeleteRequest: { Key: request.DeleteRequest.Key } }];
        return [];
      });
    }
  }
}

/** Keys one BatchGetItem request may ask for (the DynamoDB API reference: 100). */
const BATCH_GET_KEYS = 100;
/** Rounds of BatchGetItem's UnprocessedKeys retried before answering without them. */
const UNPROCESSED_ROUNDS = 3;

/**
 * BatchGetItem (consistent reads) in chunks of 100, asking again for unprocessed keys a few rounds,
 * backing off between them.
 * Returns the items found and the keys still unprocessed: each caller decides what those mean.
 */
export async function batchGet(
  table: TableRef,
  keys: readonly Item[],
  what: string,
  sleep: (ms: number) => Promise<void>,
): Promise<{ items: Item[]; unprocessed: Item[] }> {
  const items: Item[] = [];
  const unprocessed: Item[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Item[] = keys.slice(start, start + BATCH_GET_KEYS);
    for (let round = 0; round < UNPROCESSED_ROUNDS && pending.length > 0; round += 1) {
      // Unprocessed keys mean DynamoDB is throttling: back off before asking again.
      if (round > 0) await sleep(50 * 2 ** round);
      let answer;
      try {
        answer = await table.dynamo.send(new BatchGetCommand({ RequestItems: { [table.tableName]: { Keys: pending, ConsistentRead: true } } }));
      } catch (error) {
        throw dynamoFailure(`BatchGetItem (${what})`, error);
      }
      items.push(...(answer.Responses?.[table.tableName] ?? []));
      pending = answer.UnprocessedKeys?.[table.tableName]?.Keys ?? [];
    }
    unprocessed.push(...pending);
  }
  return { items, unprocessed };
}
