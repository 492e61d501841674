/**
 * The small chaos run (`npm run chaos -- --small --json`, docs/chaos.md), as CI runs it: a few
 * hundred events through both webhook doors with the same faults as the default run (target 5xx
 * and hangs, an AEM outage, UMAPI 429s, the worker process SIGKILLed mid-batch, a poison message),
 * then drain, replay, one reconciliation. Every check must hold, and the JSON must carry its figures.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function runChaosCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/chaos.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm run chaos -- --small', () => {
  it('keeps every promise under faults and prints one JSON object with its figures', async () => {
    const { code, stdout, stderr } = await runChaosCli(['--small', '--json']);

    const report = JSON.parse(stdout) as Record<string, unknown> & { checks: { name: string; ok: boolean; detail: string }[]; faults: Record<string, number> };
    const failed = report.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
    expect(failed, stderr.split('\n').slice(-40).join('\n')).toEqual([]);
    for (const key of ['events', 'duplicates', 'faults', 'users', 'convergedUsers', 'lost', 'writes', 'minimumWrites', 'umapiLimitBreaches', 'wrongChanges', 'dlqParked', 'dlqReplayed', 'dlqLeft', 'seconds', 'ok']) {
      expect(report, key).toHaveProperty(key);
    }
    expect(report.events).toBeGreaterThanOrEqual(200);
    expect((report.duplicates as number) / (report.events as number)).toBeGreaterThanOrEqual(0.2);
    expect(report.faults).toMatchObject({ workerKilledMidBatch: 1, poisonMessages: 1 });
    expect(report.faults.target5xx).toBeGreaterThan(0);
    expect(report.faults.umapi429).toBeGreaterThan(0);
    expect(report.convergedUsers).toBe(report.users);
    expect(report.lost).toBe(0);
    expect(report.wrongChanges).toBe(0);
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  }, 600_000);
});
