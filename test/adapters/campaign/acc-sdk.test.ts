import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Adobe's own Campaign client (@adobe/acc-js-sdk, a dev dependency) against our simulator: Logon,
// ExecuteQuery with an escaped hostile literal, WriteCollection, and an expired session.
describe('the Campaign simulator, as Adobe’s own SDK sees it', () => {
  it('passes every step of the SDK cross-check', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'local/simulators/campaign/acc-sdk-check.ts'], {
      env: { ...process.env, ACC_SDK_DIR: process.cwd() },
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^ok {3}Logon$/m);
    expect(stdout).toMatch(/^ok {3}ExecuteQuery/m);
    expect(stdout).toMatch(/^ok {3}WriteCollection/m);
    expect(stdout).toMatch(/^ok {3}an expired session is recognised/m);
  });
});
