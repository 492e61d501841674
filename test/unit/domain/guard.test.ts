import { describe, expect, it } from 'vitest';
import { evaluateGuard, isEmptySlice, sliceSize, splitForGuard } from '../../../lib/domain/guard.js';
import type { TargetPlan } from '../../../lib/domain/plan-types.js';
import { actualOf, known, planWith } from './builders.js';

const removing = (count: number, disable: string[] = []): TargetPlan =>
  planWith({ changes: [{ group: 'G', add: ['new@x'], remove: Array.from({ length: count }, (_, i) => `u${i}@x`) }], disable });

/** 20 IMS memberships in a known group, plus a local member and a member of an unknown group that do not count. */
const members = Array.from({ length: 20 }, (_, i) => `u${i}@x`);
const actual = actualOf(
  { g: known('G', [...members, 'admin']), h: { status: 'unknown', reason: 'timeout' }, m: { status: 'missing' } },
  { ...Object.fromEntries(members.map((key) => [key, 'ims' as const])), admin: 'local' },
);

describe('evaluateGuard', () => {
  it('counts removals (removes + disables) and managed memberships of IMS identities in known groups', () => {
    const verdict = evaluateGuard(removing(2, ['x@x']), actual, { maxRemovals: 50, maxRemovalPercent: 100 });
    expect(verdict).toEqual({ verdict: 'pass', removals: 3, managedMemberships: 20, maxRemovals: 50, maxRemovalPercent: 100 });
  });

  it.each([
    // removals, maxRemovals, maxRemovalPercent, verdict (20 managed memberships)
    [0, 0, 0, 'pass'],
    [2, 2, 10, 'pass'],
    [3, 2, 100, 'hold'],
    [3, 50, 10, 'hold'],
    [2, 50, 10, 'pass'],
  ] as const)('%i removals with maxRemovals %i and maxRemovalPercent %i → %s', (count, maxRemovals, maxRemovalPercent, expected) => {
    expect(evaluateGuard(removing(count), actual, { maxRemovals, maxRemovalPercent }).verdict).toBe(expected);
  });

  it('a plan with no removals always passes, even with limits at zero', () => {
    expect(evaluateGuard(planWith({ changes: [{ group: 'G', add: ['a@x'], remove: [] }] }), actual, { maxRemovals: 0, maxRemovalPercent: 0 }).verdict).toBe('pass');
  });

  it('names both numbers, the setting and the target in the reason', () => {
    const verdict = evaluateGuard(removing(12), actualOf({}, {}), { maxRemovals: 10, maxRemovalPercent: 10 });
    expect(verdict.reason).toBe('12 removals exceed guard.maxRemovals 10 for target acme-prod-author; approve the run or raise the limit');
  });

  it('explains a percentage hold with the share and the managed memberships', () => {
    const verdict = evaluateGuard(removing(5), actual, { maxRemovals: 50, maxRemovalPercent: 10 });
    expect(verdict.reason).toBe(
      '5 removals are 25% of 20 managed memberships, above guard.maxRemovalPercent 10 for target acme-prod-author; approve the run or raise the limit',
    );
  });

  it('skips the percentage rule when there are no managed memberships', () => {
    expect(evaluateGuard(removing(3), actualOf({}, {}), { maxRemovals: 5, maxRemovalPercent: 1 }).verdict).toBe('pass');
  });
});

describe('splitForGuard and slice helpers', () => {
  const plan = planWith({
    changes: [
      { group: 'A', add: ['a@x'], remove: ['b@x', 'c@x'] },
      { group: 'B', add: [], remove: ['d@x'] },
      { group: 'C', add: ['e@x'], remove: [] },
    ],
    wiring: [{ group: 'A', memberOf: ['content-authors', 'workflow-users'] }],
    disable: ['d@x'],
  });

  it('puts adds, wiring and enable in safe, removes and disable in risky', () => {
    const { safe, risky } = splitForGuard(plan);
    expect(safe).toEqual({
      changes: [
        { group: 'A', add: ['a@x'], remove: [] },
        { group: 'C', add: ['e@x'], remove: [] },
      ],
      wiring: plan.wiring,
      disable: [],
      enable: [],
    });
    expect(risky).toEqual({
      changes: [
        { group: 'A', add: [], remove: ['b@x', 'c@x'] },
        { group: 'B', add: [], remove: ['d@x'] },
      ],
      wiring: [],
      disable: ['d@x'],
      enable: [],
    });
  });

  it('counts each kind of change (wiring counts parent memberships)', () => {
    expect(sliceSize(plan)).toEqual({ adds: 2, removes: 3, wiring: 2, disable: 1, enable: 0 });
  });

  it('tells an empty slice from a non-empty one', () => {
    expect(isEmptySlice({ changes: [], wiring: [], disable: [], enable: [] })).toBe(true);
    expect(isEmptySlice({ changes: [], wiring: [], disable: [], enable: ['a@x'] })).toBe(false);
    expect(isEmptySlice(splitForGuard(planWith({ changes: [{ group: 'B', add: [], remove: ['d@x'] }] })).safe)).toBe(true);
  });
});
