/**
 * Progress of long work (UMAPI pages read, targets planned) on one rewritten stderr line. Only on a
 * terminal and never with `--json`: scripts and pipes get nothing extra.
 */
import type { ReconcileProgress } from '../sync/reconcile.js';

export interface Progress {
  /** Replace the progress line. */
  update(text: string): void;
  /** Erase the progress line (before printing results). */
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

/** ANSI: carriage return, then erase the whole line. */
const CLEAR_LINE = '\r\u001b[2K';

export function terminalProgress(write: (text: string) => void): Progress {
  let shown = false;
  return {
    update(text) {
      write(`${CLEAR_LINE}${text}`);
      shown = true;
    },
    done() {
      if (shown) write(CLEAR_LINE);
      shown = false;
    },
  };
}

/** Reconciliation's progress events in words. */
export function describeReconcileProgress(event: ReconcileProgress, targetCount: number, planned: Set<string>): string {
  if (event.phase === 'umapi') {
    const total = event.totalUsers === undefined ? '' : ` of ${event.totalUsers}`;
    return `Reading UMAPI: page ${event.page}, ${event.usersSoFar}${total} users so far`;
  }
  if (event.step !== 'reading') planned.add(event.targetId);
  const step = event.step === 'reading' ? 'reading and planning' : event.step;
  return `Targets: ${planned.size}/${targetCount} done — ${event.targetId} ${step}`;
}
