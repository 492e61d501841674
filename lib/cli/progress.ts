/**
 * Progress of long work (UMAPI pages read, targets planned) on one rewritten stderr line. Only on a
 * terminal and never with `--json`: scripts and pipes get nothing extra.
 */
import type { BudgetWait } from '../aws/rate-limiter.js';
import type { ReconcileProgress } from '../sync/reconcile.js';

export interface Progress {
  /** Replace the progress line. */
  update(text: string): void;
  /** Erase the progress line (before printing results). */
  done(): void;
}

export const silentProgress: Progress = { update: () => undefined, done: () => undefined };

const FAMILY_WORDS = { users: 'user reads', groups: 'group reads' } as const;

/** `Waiting 8 s for the shared UMAPI budget (25 user reads a minute, shared with the deployed functions)`. */
export function describeBudgetWait(wait: BudgetWait, remainingMs = wait.waitMs): string {
  return `Waiting ${Math.max(1, Math.ceil(remainingMs / 1000))} s for the shared UMAPI budget (${wait.perMinute} ${FAMILY_WORDS[wait.family]} a minute, shared with the sync's functions)`;
}

/** The wait on the progress line, counted down each second until it is over or the line moves on. */
export function showBudgetWait(progress: Progress, wait: BudgetWait, everyMs = 1000): void {
  if (progress === silentProgress) return;
  const until = Date.now() + wait.waitMs;
  let shown = describeBudgetWait(wait);
  progress.update(shown);
  const timer = setInterval(() => {
    const remaining = until - Date.now();
    if (remaining <= 0) return clearInterval(timer);
    const next = describeBudgetWait(wait, remaining);
    if (next !== shown) progress.update((shown = next));
  }, everyMs);
  timer.unref();
}

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
