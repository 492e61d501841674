/** The schedule's door: an EventBridge scheduled event → one full reconciliation, applied through the queue. */
import type { ScheduledEvent } from 'aws-lambda';
import { reconcile, type ReconcileReport } from '../../lib/sync/reconcile.js';
import type { SyncRuntime } from '../../lib/sync/runtime.js';

export interface ScheduleSummary {
  readonly runId: string;
  readonly status: ReconcileReport['status'];
  readonly usersRead: number;
  readonly reason?: string;
  /** The org changed during the read: users not listed were left as they are. */
  readonly note?: string;
  readonly targets: readonly { targetId: string; status: string; adds: number; removes: number; deferred: number; messages: number; error?: string }[];
}

export function createScheduleHandler(runtime: SyncRuntime) {
  return async (event: ScheduledEvent): Promise<ScheduleSummary> => {
    const runId = `run-${(event.time ?? new Date(runtime.clock.now()).toISOString()).replace(/[^0-9TZ]/g, '')}-${(event.id ?? '').slice(0, 8)}`;
    runtime.log.appendKeys({ correlationId: runId, runId });
    try {
      const report = await reconcile({ runId, mode: 'apply' }, runtime);
      const summary = summarize(report);
      runtime.log.info('reconciliation finished', { ...summary });
      return summary;
    } finally {
      runtime.log.removeKeys(['correlationId', 'runId']);
    }
  };
}

export function summarize(report: ReconcileReport): ScheduleSummary {
  return {
    runId: report.runId,
    status: report.status,
    usersRead: report.usersRead,
    ...(report.reason ? { reason: report.reason } : {}),
    ...(report.note ? { note: report.note } : {}),
    targets: report.targets.map((t) => ({
      targetId: t.targetId,
      status: t.status,
      adds: t.plan?.changes.reduce((n, c) => n + c.add.length, 0) ?? 0,
      removes: t.plan?.changes.reduce((n, c) => n + c.remove.length, 0) ?? 0,
      deferred: t.plan?.deferred.length ?? 0,
      messages: t.queuedMessages,
      ...(t.error ? { error: t.error } : {}),
    })),
  };
}
