/**
 * The scripted demo, in-process, as CI runs it: every step must pass and every target must match
 * IMS at the end. The demo starts and stops its own stack.
 */
import { describe, expect, it } from 'vitest';
import { runDemo } from '../../local/demo.js';

describe('npm run demo', () => {
  it('tells the whole story and ends with every target matching IMS', async () => {
    const lines: string[] = [];

    const result = await runDemo({ print: (line) => lines.push(line) });

    const failed = result.steps.filter((s) => !s.ok).map((s) => `${s.title}: ${s.detail}`);
    expect(failed, lines.join('\n')).toEqual([]);
    expect(result.steps.map((s) => s.title.split('.')[0])).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(result.comparison.map((c) => [c.targetId, c.adds, c.removes, c.error])).toEqual([
      ['acme-prod-author', 0, 0, undefined],
      ['acme-stage-author', 0, 0, undefined],
      ['acme-campaign', 0, 0, undefined],
    ]);
    // Step 1 goes through Adobe I/O Events: a forged delivery refused, then the signed one accepted.
    expect(lines.some((l) => l.includes('/webhooks/adobe-io forged') && l.includes('HTTP 401'))).toBe(true);
    expect(lines.some((l) => l.includes('POST /webhooks/adobe-io USER_GROUP_ADD_USER') && l.includes('HTTP 200 {"accepted":1'))).toBe(true);
    // A refusal is not something "seen in the targets".
    expect(result.steps[6]?.detail).toMatch(/^refused: handled by the worker and added to no target \d+\.\d s after/);
    expect(result.steps.slice(0, 6).every((s) => s.detail.startsWith('seen in the targets'))).toBe(true);
    expect(result.ok).toBe(true);
    expect(lines.some((l) => l.startsWith('VERDICT: PASS'))).toBe(true);
    expect(result.ms).toBeLessThan(60_000);
  });
});
