/**
 * `RevocationLatencyMs` per target: how long after the IMS fact a revocation (a removal, or a
 * disable) reached the target. Only for webhook work, whose fact time (`ApplyContext.factOf`) is the
 * event's time as ingest clamped it to its receipt (a sender's clock ahead of ours is not trusted:
 * lib/ingest/time.ts), or the UMAPI read made for the event; a reconciliation's snapshot time is not
 * an IMS event's, so its slices are not measured.
 */
import type { Metrics } from '../observability/log.js';
import type { AppliedChange } from '../targets/port.js';
import type { Fact } from './apply-plan.js';

/** Webhook work is audited as `event <id>`, reconciliation slices as `run <id>` (apply-work.ts, user-work.ts). */
const fromEvent = (cause: string): boolean => cause.startsWith('event ');

/**
 * One observation per revoked membership (a batch's write carries many users' removals, each with
 * its own event's time), per target and in the all-targets series; a fact time after the write is
 * not measured.
 */
export function recordRevocationLatency(
  applied: readonly AppliedChange[],
  targetId: string,
  factOf: (change: AppliedChange) => Fact,
  writtenAt: number,
  metrics: Metrics,
): void {
  for (const change of applied) {
    if (change.op !== 'remove' && change.op !== 'disable') continue;
    const fact = factOf(change);
    if (!fromEvent(fact.cause)) continue;
    const latency = writtenAt - fact.at;
    if (!Number.isFinite(latency) || latency < 0) continue;
    metrics.milliseconds('RevocationLatencyMs', latency, { target: targetId });
    // CloudWatch computes percentiles per series, never over a GROUP BY: one more series for all targets.
    metrics.milliseconds('RevocationLatencyMs', latency);
  }
}
