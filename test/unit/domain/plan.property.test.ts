/** Property tests of the plan's security invariants over random orgs, targets and target states. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../../lib/config/schema.js';
import { desiredMembers } from '../../../lib/domain/desired.js';
import type { ImsUser } from '../../../lib/domain/ims.js';
import { managedGroupsFor } from '../../../lib/domain/managed.js';
import { planTarget, type PlanInput } from '../../../lib/domain/plan.js';
import { applySlice } from '../../../lib/domain/simulate.js';
import type { GroupState, IdentityKind, TargetActual } from '../../../lib/domain/state.js';
import { aemTarget, campaignTarget, imsUser, PROFILE, RULES } from './builders.js';

// A fixed seed keeps the suite deterministic; fast-check prints the seed and path of any failure to replay it.
const RUNS = { numRuns: 200, seed: 20_261_123 };
const KEYS = ['u0@x', 'u1@x', 'u2@x', 'u3@x', 'u4@x', 'u5@x', 'admin'];
const GROUPS = ['G0', 'G1', 'G2', 'G3', 'content-authors'];
const PARENTS = ['content-authors', 'dam-users', 'Parent-X'];
const MASK_PREFIX = 'C - ';

/** The same name in one of a few spellings: names compare case-insensitively everywhere. */
const spelled = (name: string) => fc.constantFrom(name, name.toLowerCase(), name.toUpperCase());
const subsetOf = <T>(items: readonly T[]) => fc.subarray([...items]);

const aemTargetArb = fc
  .record({
    exact: subsetOf(GROUPS),
    pattern: fc.option(fc.constantFrom('G[23]', 'g.*', '.*'), { nil: undefined }),
    memberOf: fc.array(subsetOf(PARENTS), { minLength: 6, maxLength: 6 }),
    revocation: fc.constantFrom('remove-memberships' as const, 'disable-user' as const),
  })
  .map(({ exact, pattern, memberOf, revocation }) =>
    aemTarget(
      [...exact.map((name, i) => ({ name, memberOf: memberOf[i] ?? [] })), ...(pattern ? [{ pattern, memberOf: memberOf[5] ?? [] }] : [])].concat(
        exact.length === 0 && !pattern ? [{ name: 'G0', memberOf: [] }] : [],
      ),
      { revocation },
    ),
  );
const campaignTargetArb = fc.constant(campaignTarget({ associationMask: `${MASK_PREFIX}(.*)` }));
const targetArb: fc.Arbitrary<Target> = fc.oneof(aemTargetArb, campaignTargetArb);

/** Users biased towards access (most carry the AEM profile, most are eligible), so that plans have work to do. */
const userArb = fc
  .record({
    key: fc.constantFrom(...KEYS),
    type: fc.constantFrom('federatedID', 'enterpriseID', 'federatedID', 'adobeID'),
    status: fc.constantFrom('active', 'active', 'active', 'disabled'),
    profile: fc.constantFrom(true, true, false),
    userGroups: subsetOf(GROUPS).chain((names) => fc.tuple(...names.map(spelled))),
    campaignProfiles: subsetOf(GROUPS).chain((names) => fc.tuple(...names.map((name) => spelled(MASK_PREFIX + name)))),
    other: subsetOf(['_admin_G0', 'Other']),
  })
  .map(({ key, type, status, profile, userGroups, campaignProfiles, other }): ImsUser =>
    imsUser(key, [...(profile ? [PROFILE] : []), ...userGroups, ...campaignProfiles, ...other], { type, status }),
  );

const stateArb = (name: string, allowUnknown: boolean): fc.Arbitrary<GroupState | undefined> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.record({ name: spelled(name), members: subsetOf([...KEYS, 'nested-group']), memberOf: subsetOf(PARENTS.map((p) => p.toLowerCase())) }).map(
      ({ name: spelling, members, memberOf }): GroupState => ({ status: 'known', name: spelling, members: new Set(members), memberOf: new Set(memberOf) }),
    ) },
    { weight: 1, arbitrary: fc.constant<GroupState | undefined>({ status: 'missing' }) },
    ...(allowUnknown
      ? [{ weight: 1, arbitrary: fc.constant<GroupState | undefined>({ status: 'unknown', reason: 'timeout' }) }, { weight: 1, arbitrary: fc.constant(undefined) }]
      : []),
  );

const actualArb = (allowUnknown: boolean): fc.Arbitrary<TargetActual> =>
  fc
    .record({
      states: fc.tuple(...GROUPS.map((name) => stateArb(name, allowUnknown))),
      kinds: fc.tuple(...KEYS.map(() => fc.constantFrom<IdentityKind | undefined>('ims', 'ims', 'local', undefined))),
    })
    .map(({ states, kinds }) => {
      const groups = new Map<string, GroupState>();
      GROUPS.forEach((name, i) => {
        const state = states[i];
        if (state !== undefined) groups.set(name.toLowerCase(), state);
      });
      const identities = new Map<string, IdentityKind>();
      KEYS.forEach((key, i) => {
        const kind = kinds[i];
        if (kind !== undefined) identities.set(key, kind);
      });
      return { targetId: 't', groups, identities };
    });

const worldArb = (allowUnknown: boolean) =>
  fc
    .record({
      target: targetArb,
      users: fc.array(userArb, { maxLength: 8 }),
      actual: actualArb(allowUnknown),
      scope: fc.option(subsetOf(KEYS.map((key) => key.toUpperCase())), { nil: undefined }),
    })
    .map(({ target, users, actual, scope }): PlanInput => {
      const candidates = target.kind === 'aem' ? GROUPS : GROUPS.map((name) => MASK_PREFIX + name);
      const managed = managedGroupsFor(target, candidates);
      return { target, managed, desired: desiredMembers(users, target, managed, RULES), actual, ...(scope ? { scope } : {}) };
    });

const stateOf = (input: PlanInput, group: string) => input.actual.groups.get(group.toLowerCase());

describe('plan properties', () => {
  it('(a) idempotence: plan → applySlice → plan again has no changes and no wiring (all groups readable)', () => {
    fc.assert(
      fc.property(worldArb(false), (input) => {
        const first = planTarget(input);
        const second = planTarget({ ...input, actual: applySlice(input.actual, first) });
        expect(second.changes).toEqual([]);
        expect(second.wiring).toEqual([]);
      }),
      RUNS,
    );
  });

  it('(a) idempotence with unreadable groups: only the adds to unknown groups are planned again', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        const first = planTarget(input);
        const second = planTarget({ ...input, actual: applySlice(input.actual, first) });
        const unknown = new Set(first.unknownGroups.map((name) => name.toLowerCase()));
        expect(second.wiring).toEqual([]);
        for (const change of second.changes) {
          expect(unknown.has(change.group.toLowerCase())).toBe(true);
          expect(change.remove).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('convergence: after the plan is applied, known managed groups hold exactly the desired IMS identities, and (reconciliation) are wired', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        const after = applySlice(input.actual, planTarget(input));
        const scope = input.scope?.map((key) => key.toLowerCase());
        const parents = new Set([...input.managed.values()].flatMap((group) => group.memberOf.map((name) => name.toLowerCase())));
        for (const [groupKey, group] of input.managed) {
          const state = after.groups.get(groupKey);
          if (state?.status !== 'known' || parents.has(groupKey)) continue;
          if (input.target.kind === 'aem' && !scope) for (const parent of group.memberOf) expect(state.memberOf).toContain(parent.toLowerCase());
          for (const [key, kind] of input.actual.identities) {
            if (kind !== 'ims' || (scope && !scope.includes(key))) continue;
            expect(state.members.has(key)).toBe(input.desired.get(key)?.has(groupKey) === true);
          }
        }
      }),
      RUNS,
    );
  });

  it('a user-centric plan (scope) never wires: wiring is the reconciliation’s', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        if (input.scope !== undefined) expect(planTarget(input).wiring).toEqual([]);
      }),
      RUNS,
    );
  });

  it('(b) no removal ever from a group that is unknown, missing or not read', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        for (const change of planTarget(input).changes) {
          if (stateOf(input, change.group)?.status !== 'known') expect(change.remove).toEqual([]);
          if (stateOf(input, change.group)?.status === 'missing') expect(change.add).toEqual([]);
        }
      }),
      RUNS,
    );
  });

  it('(c) no local or unseen identity is ever added, removed or disabled', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        const plan = planTarget(input);
        const touched = [...plan.changes.flatMap((change) => [...change.add, ...change.remove]), ...plan.disable];
        for (const key of touched) expect(input.actual.identities.get(key)).toBe('ims');
      }),
      RUNS,
    );
  });

  it('(d) nothing outside managed groups: changes and wiring name managed groups, wiring only configured parents, never a parent gets users', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        const plan = planTarget(input);
        const parents = new Set([...input.managed.values()].flatMap((group) => group.memberOf.map((name) => name.toLowerCase())));
        for (const change of plan.changes) {
          expect(input.managed.has(change.group.toLowerCase())).toBe(true);
          expect(parents.has(change.group.toLowerCase())).toBe(false);
        }
        for (const wire of plan.wiring) {
          const configured = input.managed.get(wire.group.toLowerCase())?.memberOf.map((name) => name.toLowerCase()) ?? [];
          for (const parent of wire.memberOf) expect(configured).toContain(parent.toLowerCase());
        }
      }),
      RUNS,
    );
  });

  it('adds go only to users who want the group, removes only to users who do not, and only within scope', () => {
    fc.assert(
      fc.property(worldArb(true), (input) => {
        const scope = input.scope?.map((key) => key.toLowerCase());
        for (const change of planTarget(input).changes) {
          const group = change.group.toLowerCase();
          for (const key of change.add) expect(input.desired.get(key)?.has(group)).toBe(true);
          for (const key of change.remove) expect(input.desired.get(key)?.has(group) ?? false).toBe(false);
          if (scope) for (const key of [...change.add, ...change.remove]) expect(scope).toContain(key);
        }
      }),
      RUNS,
    );
  });
});
