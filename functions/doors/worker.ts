/**
 * The worker's door: an SQS batch → one work message at a time → per-record failures.
 *
 * FIFO order: once a record fails, the records after it are reported failed too without being
 * tried, so no later change of the same user overtakes an earlier one (the AWS guidance for FIFO
 * sources with ReportBatchItemFailures). A throttled or unavailable target *delays* its record
 * (visibility set to the wait asked for) instead of failing fast toward the dead-letter queue.
 */
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { WorkMessage } from '../../lib/domain/messages.js';
import { SyncError, ThrottledError } from '../../lib/errors.js';
import { applyWork } from '../../lib/sync/apply-work.js';
import type { SyncRuntime } from '../../lib/sync/runtime.js';
import { WorkFailedError } from '../../lib/sync/work-errors.js';

export interface WorkerDeps {
  readonly runtime: SyncRuntime;
  /** Hide a record for this many seconds before it is received again. */
  readonly delay: (receiptHandle: string, seconds: number) => Promise<void>;
  /** Back-off for retryable failures that named no wait (seconds). */
  readonly retryDelaySeconds?: number;
}

export function createWorkerHandler(deps: WorkerDeps) {
  const { runtime } = deps;
  const { log, metrics } = runtime;
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const failed: string[] = [];
    for (const record of event.Records) {
      if (failed.length > 0) {
        failed.push(record.messageId);
        continue;
      }
      const ok = await processRecord(record);
      if (!ok) failed.push(record.messageId);
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };

  async function processRecord(record: SQSRecord): Promise<boolean> {
    const message = parseRecord(record);
    if (message === undefined) return false;
    log.appendKeys({ correlationId: message.correlationId, messageId: record.messageId, workId: message.id, kind: message.kind });
    try {
      const report = await applyWork(message, runtime);
      log.info('work applied', { targets: report.targets.map((t) => `${t.targetId}:${t.status}`) });
      return true;
    } catch (error) {
      await onFailure(record, error);
      return false;
    } finally {
      log.removeKeys(['correlationId', 'messageId', 'workId', 'kind']);
    }
  }

  function parseRecord(record: SQSRecord): WorkMessage | undefined {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      log.error('record body is not JSON: it will reach the dead-letter queue', { messageId: record.messageId });
      return undefined;
    }
    const parsed = WorkMessage.safeParse(body);
    if (!parsed.success) {
      log.error('record is not a work message: it will reach the dead-letter queue', {
        messageId: record.messageId,
        issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
      });
      return undefined;
    }
    return parsed.data;
  }

  async function onFailure(record: SQSRecord, error: unknown): Promise<void> {
    const waitMs = error instanceof WorkFailedError || error instanceof ThrottledError ? error.retryAfterMs : undefined;
    const retryable = error instanceof SyncError ? error.retryable : true;
    const reason = error instanceof Error ? error.message : String(error);
    if (waitMs !== undefined) {
      metrics.count('ThrottleWaits');
      const seconds = Math.ceil(waitMs / 1000);
      log.warn('throttled: record delayed', { seconds, reason });
      await deps.delay(record.receiptHandle, seconds).catch((e: unknown) => log.warn('could not delay the record', { error: String(e) }));
    } else if (retryable) {
      log.warn('work failed, will be retried', { reason, receiveCount: record.attributes.ApproximateReceiveCount });
      if (deps.retryDelaySeconds !== undefined) {
        await deps.delay(record.receiptHandle, deps.retryDelaySeconds).catch((e: unknown) => log.warn('could not delay the record', { error: String(e) }));
      }
    } else {
      log.error('work cannot be applied: it will reach the dead-letter queue after its last receive', { reason });
    }
  }
}
