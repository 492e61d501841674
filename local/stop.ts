/**
 * `npm run stop`: stop the local stack started in the background (`npm start &`, a terminal closed
 * on it…). It reads the stack's pid from `.local-state/stack.env`, sends SIGTERM (the stack then
 * stops as on Ctrl-C and removes the file), and waits until the process is gone. A file left by a
 * stack that no longer runs is removed. Exit 0 when no stack runs any more, 1 otherwise.
 */
import { readFileSync, rmSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { isRunning, LOCAL_STACK_ENV, LOCAL_STACK_PID } from '../lib/cli/env.js';
import { stackEnvPath } from './state-dir.js';

const WAIT_MS = 20_000;
const file = stackEnvPath();

function stackPid(): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(parseEnv(text)[LOCAL_STACK_PID]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

const pid = stackPid();
if (pid === undefined) {
  console.log(`No local stack to stop: there is no ${LOCAL_STACK_ENV} with a pid here.`);
  process.exit(0);
}
if (!isRunning(pid)) {
  rmSync(file, { force: true });
  // Stale: a stack killed outright (SIGKILL, a crash) could not remove it.
  console.log(`The local stack (pid ${pid}) was no longer running; removed its stale ${LOCAL_STACK_ENV}.`);
  process.exit(0);
}

process.kill(pid, 'SIGTERM');
const deadline = Date.now() + WAIT_MS;
while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
if (isRunning(pid)) {
  console.error(`The local stack (pid ${pid}) did not stop within ${WAIT_MS / 1000} s — stop it with \`kill -KILL ${pid}\`, then run \`npm run stop\` again to remove ${LOCAL_STACK_ENV}.`);
  process.exit(1);
}
// The stack removes its own file; a crash while stopping may not have (another stack's file stays).
if (stackPid() === pid) rmSync(file, { force: true });
console.log(`Stopped the local stack (pid ${pid}).`);
