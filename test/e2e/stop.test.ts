/**
 * Stopping the local stack as a newcomer would: `npm start` in the background, then SIGTERM to the
 * process they started (npm, not the node process three levels down), or `npm run stop`. Either
 * way the stack process ends and leaves no `stack.env` pointing at nothing. Each test starts a
 * real stack in its own state directory (IMS_SYNC_STATE_DIR), so a developer's stack is untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isRunning, LOCAL_STACK_PID } from '../../lib/cli/env.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let stateDir: string;
let started: ChildProcess[] = [];
let stackPids: number[] = [];

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'ims-sync-stop-'));
});
afterEach(async () => {
  // Whatever a failed test left behind, by pid: never anyone else's processes.
  for (const pid of stackPids) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  started = [];
  stackPids = [];
  await rm(stateDir, { recursive: true, force: true });
});

const envFile = () => join(stateDir, 'stack.env');
const env = () => ({ ...process.env, IMS_SYNC_STATE_DIR: stateDir });

function launch(command: string, args: string[]): ChildProcess {
  const child = spawn(command, args, { cwd: ROOT, env: env(), stdio: 'ignore' });
  started.push(child);
  return child;
}

/** The stack's pid, once its env file is written (it is the last step of starting). */
async function stackPid(): Promise<number> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    const text = await readFile(envFile(), 'utf8').catch(() => '');
    const pid = Number(parseEnv(text)[LOCAL_STACK_PID]);
    if (Number.isInteger(pid) && pid > 0) {
      stackPids.push(pid);
      return pid;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the stack did not write ${envFile()} within 90 s`);
}

async function gone(pid: number, withinMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (isRunning(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
  return !isRunning(pid);
}

const exists = (path: string) => readFile(path).then(() => true, () => false);

describe('stopping the local stack', () => {
  it('stops cleanly on SIGTERM to the `npm start` the operator ran, removing stack.env', async () => {
    const npm = launch(NPM, ['start']);
    const pid = await stackPid();
    expect(pid).not.toBe(npm.pid);

    npm.kill('SIGTERM');

    expect(await gone(pid)).toBe(true);
    expect(await exists(envFile())).toBe(false);
  });

  it('`npm run stop` stops a stack started with npx tsx, and says so', async () => {
    launch('npx', ['tsx', 'local/start.ts']);
    const pid = await stackPid();

    const stop = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(NPM, ['run', '--silent', 'stop'], { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.on('close', (code) => resolve({ code, out }));
    });

    expect(stop).toEqual({ code: 0, out: `Stopped the local stack (pid ${pid}).\n` });
    expect(isRunning(pid)).toBe(false);
    expect(await exists(envFile())).toBe(false);
  });
});
