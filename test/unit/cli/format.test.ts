import { describe, expect, it } from 'vitest';
import { worst, EXIT } from '../../../lib/cli/exit-codes.js';
import { table, time } from '../../../lib/cli/format.js';
import { describeReconcileProgress, terminalProgress } from '../../../lib/cli/progress.js';

describe('tables, progress and exit codes', () => {
  it('pads columns to their widest cell, with capital headers and no trailing blanks', () => {
    expect(table(['target', 'n', 'note'], [['acme-prod-author', 3, ''], ['x', 12, 'held']])).toBe(
      ['  TARGET            N   NOTE', '  acme-prod-author  3', '  x                 12  held'].join('\n'),
    );
    expect(time(Date.parse('2026-11-23T10:00:00.123Z'))).toBe('2026-11-23 10:00:00Z');
  });

  it('describes UMAPI pages and targets as they progress', () => {
    const done = new Set<string>();
    expect(describeReconcileProgress({ phase: 'umapi', page: 2, usersSoFar: 4000, totalUsers: 5100 }, 3, done)).toBe('Reading UMAPI: page 2, 4000 of 5100 users so far');
    expect(describeReconcileProgress({ phase: 'target', targetId: 'a', step: 'reading' }, 3, done)).toBe('Targets: 0/3 done — a reading and planning');
    expect(describeReconcileProgress({ phase: 'target', targetId: 'a', step: 'failed' }, 3, done)).toBe('Targets: 1/3 done — a failed');
  });

  it('rewrites one terminal line and erases it when done', () => {
    let written = '';
    const progress = terminalProgress((text) => (written += text));
    progress.update('one');
    progress.update('two');
    progress.done();
    progress.done();
    expect(written).toBe('\r\u001b[2Kone\r\u001b[2Ktwo\r\u001b[2K');
  });

  it('keeps the most serious exit code: failed, then held, then changes', () => {
    expect(worst([])).toBe(EXIT.ok);
    expect(worst([EXIT.ok, EXIT.changes])).toBe(EXIT.changes);
    expect(worst([EXIT.changes, EXIT.held, EXIT.ok])).toBe(EXIT.held);
    expect(worst([EXIT.held, EXIT.failed, EXIT.changes])).toBe(EXIT.failed);
  });
});
