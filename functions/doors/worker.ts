/**
 * The worker's door: an SQS batch → the batch's work messages, applied together → per-record failures.
 *
 * FIFO order: once a record fails, the later records of the same message group are reported failed
 * too, so they come back after it; their effects, if applied, are idempotent, and last writer wins
 * decides between changes whatever their order (removals are applied from their events at once by
 * design). A throttled target or UMAPI *delays* its record (visibility set to the wait asked for,
 * spread at random: `throttleDelaySeconds`); other retryable failures back off exponentially by
 * receive count. Neither fails fast toward the dead-letter queue. The later records of the group get
 * the same delay: left to the queue's visibility timeout (720 s), they would hold their whole
 * message group that long: "inflight messages block delivery of available messages within the same
 * message group" (AWS knowledge center, sqs-fifo-messages-not-returned).
 */
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WorkMessage } from '../../lib/domain/messages.js';
import { ThrottledError } from '../../lib/errors.js';
import { applyBatch, type MessageResult } from '../../lib/sync/apply-work.js';
import type { SyncRuntime } from '../../lib/sync/runtime.js';
import { retryPolicyOf, throttleDelaySeconds, WorkFailedError } from '../../lib/sync/work-errors.js';
import { workBudget } from '../../lib/sync/work-budget.js';

export interface WorkerDeps {
  readonly runtime: SyncRuntime;
  /** Hide a record for this many seconds before it is received again, on its queue (`queueArn`: its `eventSourceARN`). */
  readonly delay: (receiptHandle: string, seconds: number, queueArn: string) => Promise<void>;
  /**
   * Put a record that can never be applied straight into the dead-letter queue, with its reason.
   * Absent: such a record goes there by the queue's redrive, after `maxReceiveCount` receives.
   */
  readonly deadLetter?: (record: { messageId: string; body: string; messageGroupId?: string }, reason: string) => Promise<void>;
  /**
   * Work that is still only waiting (throttled, a target down) when it reaches its last receive is
   * sent again as a fresh message instead of going to the dead-letter queue: waiting does not use
   * up its retries. After `maxRequeues` such rounds it is parked with its reason.
   */
  readonly requeue?: {
    /** On the record's own queue (`eventSourceARN`). */
    send(record: { messageId: string; body: string; messageGroupId?: string; eventSourceARN: string }, requeues: number): Promise<void>;
    maxReceiveCount(): Promise<number | undefined>;
  };
  readonly maxRequeues?: number;
  /** First back-off for retryable failures that named no wait (seconds); doubles per receive, at most 15 minutes. */
  readonly retryDelaySeconds?: number;
  /** Spreads the delays of throttled records (Math.random by default; tests fix it). */
  readonly random?: () => number;
}

const MAX_RETRY_DELAY_SECONDS = 900;

/** Fresh rounds of receives a waiting record gets before it is parked: with 16 receives a round, days of outage. */
const DEFAULT_MAX_REQUEUES = 6;

/** A record's outcome here: done (applied, parked or requeued), or left for SQS to bring back, after `delayedSeconds` if it was delayed. */
type Settled = { readonly done: true } | { readonly done: false; readonly delayedSeconds?: number };

/** The FIFO message group of a record; records without one (standard queues) are each their own. */
const groupOf = (record: SQSRecord): string => record.attributes.MessageGroupId ?? `message:${record.messageId}`;

export function createWorkerHandler(deps: WorkerDeps) {
  const { runtime } = deps;
  const { log, metrics } = runtime;
  return async (event: SQSEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    const failedGroups = new Set<string>();
    const budget = workBudget(runtime.clock.now(), context?.getRemainingTimeInMillis());
    // A record that is not a work message is parked first; if it cannot be, its group's later records wait behind it.
    const parsed: { record: SQSRecord; message: WorkMessage }[] = [];
    const parked = new Set<string>();
    for (const record of event.Records) {
      if (failedGroups.has(groupOf(record))) continue;
      const message = parseRecord(record);
      if (message !== undefined) parsed.push({ record, message });
      else if (await park(record, 'the record is not a work message')) parked.add(record.messageId);
      else failedGroups.add(groupOf(record));
    }
    const runnable = parsed.filter(({ record }) => !failedGroups.has(groupOf(record)));
    // The whole batch at once: its removals first, then one read and one write per changed group per target.
    const results = await applyBatch(runnable.map((r) => r.message), runtime, budget);
    const applied = new Map(runnable.map(({ record, message }, i) => [record.messageId, { message, result: results[i] }]));
    /** The delay given to the first failed record of a group: its later records get the same, so they come back with it. */
    const groupDelays = new Map<string, number>();
    for (const record of event.Records) {
      if (parked.has(record.messageId)) continue;
      const group = groupOf(record);
      const entry = applied.get(record.messageId);
      if (failedGroups.has(group)) {
        failed.push(record.messageId);
        const seconds = groupDelays.get(group);
        if (seconds !== undefined) await delayRecord(record, seconds);
        continue;
      }
      const settled = entry?.result !== undefined ? await settleRecord(record, entry.message, entry.result) : { done: false as const };
      if (!settled.done) {
        failed.push(record.messageId);
        failedGroups.add(group);
        if (settled.delayedSeconds !== undefined) groupDelays.set(group, settled.delayedSeconds);
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  /**
   * Done when the record is settled here (applied, parked or requeued); not done lets SQS bring it
   * back, after `delayedSeconds` when it was delayed.
   */
  async function settleRecord(record: SQSRecord, message: WorkMessage, result: MessageResult): Promise<Settled> {
    log.appendKeys({ correlationId: message.correlationId, messageId: record.messageId, workId: message.id, kind: message.kind });
    try {
      if (result.ok) {
        log.info('work applied', { targets: result.report.targets.map((t) => `${t.targetId}:${t.status}`) });
        return { done: true };
      }
      const error = result.error;
      const policy = retryPolicyOf(error);
      const reason = error instanceof Error ? error.message : String(error);
      if (!policy.retryable) return { done: await park(record, reason) };
      const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
      if (policy.parkAfterReceives !== undefined && receives >= policy.parkAfterReceives) {
        return { done: await park(record, `still refused after ${receives} attempts: ${reason}`) };
      }
      if (await requeueIfLastReceive(record, error)) return { done: true };
      const delayedSeconds = await onFailure(record, error);
      return delayedSeconds === undefined ? { done: false } : { done: false, delayedSeconds };
    } finally {
      log.removeKeys(['correlationId', 'messageId', 'workId', 'kind']);
    }
  }

  /** True when the record went back to the queue as a fresh message (or was parked): done here. */
  async function requeueIfLastReceive(record: SQSRecord, error: unknown): Promise<boolean> {
    if (deps.requeue === undefined) return false;
    const max = await deps.requeue.maxReceiveCount();
    const receives = Number(record.attributes.ApproximateReceiveCount) || 1;
    // The emulator's receive counts can jump: act on the one before the last as well.
    if (max === undefined || receives < max - 1) return false;
    const requeues = Number(record.messageAttributes['requeues']?.stringValue ?? '0') || 0;
    const reason = error instanceof Error ? error.message : String(error);
    if (requeues >= (deps.maxRequeues ?? DEFAULT_MAX_REQUEUES)) return park(record, `still failing after ${requeues} requeues: ${reason}`);
    try {
      await deps.requeue.send(
        {
          messageId: record.messageId,
          body: record.body,
          eventSourceARN: record.eventSourceARN,
          ...(record.attributes.MessageGroupId ? { messageGroupId: record.attributes.MessageGroupId } : {}),
        },
        requeues + 1,
      );
    } catch (sendError) {
      log.warn('could not requeue the record; it stays for its last receives', { error: String(sendError) });
      return false;
    }
    log.warn('record requeued: still waiting at its last receive, it starts a fresh round', { requeues: requeues + 1, reason });
    return true;
  }

  /** True when the record was parked in the dead-letter queue (then it is done here); false to let SQS retry it. */
  async function park(record: SQSRecord, reason: string): Promise<boolean> {
    if (deps.deadLetter === undefined) return false;
    try {
      await deps.deadLetter(
        { messageId: record.messageId, body: record.body, ...(record.attributes.MessageGroupId ? { messageGroupId: record.attributes.MessageGroupId } : {}) },
        reason,
      );
    } catch (error) {
      log.warn('could not park the record in the dead-letter queue; it stays for a retry', { error: String(error) });
      return false;
    }
    metrics.count('DeadLetterMoves');
    log.error('record parked in the dead-letter queue: it can never be applied as it is', { messageId: record.messageId, reason });
    return true;
  }

  function parseRecord(record: SQSRecord): WorkMessage | undefined {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      log.error('record body is not JSON', { messageId: record.messageId });
      return undefined;
    }
    const parsed = WorkMessage.safeParse(body);
    if (!parsed.success) {
      log.error('record is not a work message', {
        messageId: record.messageId,
        issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      return undefined;
    }
    return parsed.data;
  }

  /** The seconds the record was delayed for, if it was. */
  async function onFailure(record: SQSRecord, error: unknown): Promise<number | undefined> {
    const waitMs = error instanceof WorkFailedError || error instanceof ThrottledError ? error.retryAfterMs : undefined;
    const { retryable } = retryPolicyOf(error);
    const reason = error instanceof Error ? error.message : String(error);
    if (waitMs !== undefined) {
      metrics.count('ThrottleWaits');
      const seconds = throttleDelaySeconds(waitMs, deps.random ?? Math.random);
      log.warn('throttled: record delayed', { seconds, reason });
      return delayRecord(record, seconds);
    }
    if (retryable) {
      log.warn('work failed, will be retried', { reason, receiveCount: record.attributes.ApproximateReceiveCount });
      if (deps.retryDelaySeconds === undefined) return undefined;
      const receives = Math.max(1, Number(record.attributes.ApproximateReceiveCount) || 1);
      return delayRecord(record, Math.min(MAX_RETRY_DELAY_SECONDS, deps.retryDelaySeconds * 2 ** (receives - 1)));
    }
    log.error('work cannot be applied: it will reach the dead-letter queue after its last receive', { reason });
    return undefined;
  }

  /** Hides the record for `seconds`; the seconds when that worked. */
  async function delayRecord(record: SQSRecord, seconds: number): Promise<number | undefined> {
    try {
      await deps.delay(record.receiptHandle, seconds, record.eventSourceARN);
      return seconds;
    } catch (error) {
      log.warn('could not delay the record', { messageId: record.messageId, error: String(error) });
      return undefined;
    }
  }
}
