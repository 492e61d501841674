/**
 * How the local stack's life is tied to what the operator started. `npm start` runs
 * `npm → sh -c → tsx → node local/start.ts`: a signal to the outer process (npm, npx, tsx) does not
 * always reach this one (npm's `sh -c` does not pass SIGTERM on), which used to leave the stack
 * running with its ports held. So the stack watches the wrappers that launched it and stops
 * cleanly, as on Ctrl-C, when one of them is gone; `npm run stop` (local/stop.ts) signals it by the
 * pid it writes to `.local-state/stack.env`.
 */
import { execFileSync } from 'node:child_process';
import { isRunning } from '../lib/cli/env.js';

export interface Launcher {
  readonly pid: number;
  readonly command: string;
}

/** `npm start`, `npm exec`/`npx`, `tsx`, `node …`, and the `sh -c` npm runs a script with. */
const WRAPPER = /^(\S*\/)?(node|npm|npx|tsx)(\s|$)|^npm (start|run|exec|run-script)\b/;
const SCRIPT_SHELL = /^(\S*\/)?(sh|bash|dash) -c /;

function parentOf(pid: number): { ppid: number; command: string } | undefined {
  try {
    const line = execFileSync('ps', ['-o', 'ppid=,args=', '-p', String(pid)], { encoding: 'utf8' }).trim();
    const match = /^(\d+)\s+(.*)$/.exec(line);
    return match ? { ppid: Number(match[1]), command: match[2] ?? '' } : undefined;
  } catch {
    // No `ps` (or the process is gone): nothing to watch; `npm run stop` and Ctrl-C still work.
    return undefined;
  }
}

/**
 * The chain of wrapper processes above this one, nearest first, up to the first process that is
 * not a wrapper (the operator's shell, a terminal, init).
 */
export function launchers(): Launcher[] {
  const found: Launcher[] = [];
  let pid = process.ppid;
  while (pid > 1) {
    const info = parentOf(pid);
    if (info === undefined) break;
    const isWrapper = WRAPPER.test(info.command) || (SCRIPT_SHELL.test(info.command) && WRAPPER.test(parentOf(info.ppid)?.command ?? ''));
    if (!isWrapper) break;
    found.push({ pid, command: info.command });
    pid = info.ppid;
  }
  return found;
}

/** Calls `onGone` once, when the first of `watched` exits; returns a function that stops watching. */
export function watchLaunchers(watched: readonly Launcher[], onGone: (launcher: Launcher) => void, everyMs = 1000): () => void {
  if (watched.length === 0) return () => undefined;
  const timer = setInterval(() => {
    const gone = watched.find((l) => !isRunning(l.pid));
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
