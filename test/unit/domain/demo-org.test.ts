/** The demo org (local/fixtures/demo-org.ts) planned end to end, with every expected plan written out. */
import { describe, expect, it } from 'vitest';
import type { Target } from '../../../lib/config/schema.js';
import { desiredMembers } from '../../../lib/domain/desired.js';
import { evaluateGuard } from '../../../lib/domain/guard.js';
import { UmapiUser, type ImsUser } from '../../../lib/domain/ims.js';
import { managedGroupsFor, type ManagedGroups } from '../../../lib/domain/managed.js';
import { planTarget } from '../../../lib/domain/plan.js';
import { applySlice } from '../../../lib/domain/simulate.js';
import type { GroupState, IdentityKind, TargetActual } from '../../../lib/domain/state.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import type { FixtureAemInstance, FixtureCampaignInstance, OrgFixture } from '../../../local/fixtures/types.js';
import { aemTarget, campaignTarget, RULES } from './builders.js';

/** Users as UMAPI returns them with directOnly=false: the profiles of their user groups are in `groups` too. */
function umapiUsers(org: OrgFixture): ImsUser[] {
  const profilesOf = new Map(org.groups.map((group) => [group.name, group.profiles ?? []]));
  return org.users.map((user) =>
    UmapiUser.parse({ ...user, groups: [...new Set(user.groups.flatMap((name) => [name, ...(profilesOf.get(name) ?? [])]))] }),
  );
}

/** What the AEM adapter reads: the managed groups (members and parents, folded) and the users' identity kinds. */
function aemActual(instance: FixtureAemInstance, managed: ManagedGroups): TargetActual {
  const groups = new Map<string, GroupState>();
  for (const key of managed.keys()) {
    const group = instance.groups.find((candidate) => candidate.id.toLowerCase() === key);
    if (group === undefined) {
      groups.set(key, { status: 'missing' });
      continue;
    }
    const parents = instance.groups.filter((parent) => parent.members.some((member) => member.toLowerCase() === key)).map((parent) => parent.id.toLowerCase());
    groups.set(key, { status: 'known', name: group.id, members: new Set(group.members.map((member) => member.toLowerCase())), memberOf: new Set(parents) });
  }
  const identities = new Map<string, IdentityKind>(instance.users.map((user) => [user.id.toLowerCase(), user.ims ? 'ims' : 'local']));
  return { targetId: instance.targetId, groups, identities };
}

function campaignActual(instance: FixtureCampaignInstance, managed: ManagedGroups): TargetActual {
  const groups = new Map<string, GroupState>();
  for (const key of managed.keys()) {
    const group = instance.groups.find((candidate) => candidate.name.toLowerCase() === key);
    if (group === undefined) groups.set(key, { status: 'missing' });
    else {
      const members = instance.memberships.filter((entry) => entry.group === group.name).map((entry) => entry.operator.toLowerCase());
      groups.set(key, { status: 'known', name: group.name, members: new Set(members), memberOf: new Set() });
    }
  }
  const identities = new Map<string, IdentityKind>(instance.operators.map((operator) => [operator.name.toLowerCase(), operator.ims ? 'ims' : 'local']));
  return { targetId: instance.targetId, groups, identities };
}

// The three targets of config/demo.yaml.
const prod = aemTarget([
  { name: 'AEM-Authors', memberOf: ['content-authors'] },
  { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] },
]);
const stage = {
  ...aemTarget([
    { name: 'AEM-Authors', memberOf: ['content-authors'] },
    { name: 'AEM-Reviewers', memberOf: ['contributor'] },
  ], { productProfiles: ['AEM Managed Services - acme-stage-author'] }),
  id: 'acme-stage-author',
};
const campaign = campaignTarget();

function planDemo(target: Target) {
  const org = demoOrg();
  const candidates = target.kind === 'aem' ? org.groups.filter((group) => group.type === 'USER_GROUP').map((group) => group.name) : org.groups.map((group) => group.name);
  const managed = managedGroupsFor(target, candidates);
  const actual =
    target.kind === 'aem'
      ? aemActual(org.aem.find((instance) => instance.targetId === target.id)!, managed)
      : campaignActual(org.campaign.find((instance) => instance.targetId === target.id)!, managed);
  const desired = desiredMembers(umapiUsers(org), target, managed, RULES);
  return { managed, actual, desired, plan: planTarget({ target, managed, desired, actual }) };
}

describe('demo org', () => {
  it('acme-prod-author: adds Nina, removes Sam (left) and Li (left DAM), wires AEM-DAM-Users, leaves admin alone', () => {
    const { plan, actual } = planDemo(prod);
    expect(plan).toEqual({
      targetId: 'acme-prod-author',
      kind: 'aem',
      changes: [
        { group: 'AEM-Authors', add: ['nina@acme.com'], remove: ['sam@acme.com'] },
        { group: 'AEM-DAM-Users', add: [], remove: ['li@acme.com', 'sam@acme.com'] },
      ],
      wiring: [{ group: 'AEM-DAM-Users', memberOf: ['dam-users'] }],
      disable: [],
      enable: [],
      deferred: [],
      untouched: [{ key: 'admin', group: 'AEM-Authors', reason: 'local-identity' }],
      unknownGroups: [],
    });
    // 3 removals of 6 IMS memberships = 50%, under the demo's 60%.
    expect(evaluateGuard(plan, actual, { maxRemovals: 50, maxRemovalPercent: 60 })).toMatchObject({ verdict: 'pass', removals: 3, managedMemberships: 6 });
  });

  it('acme-stage-author: adds Li, removes Sam, defers Nina (never logged in) and AEM-Reviewers (not created yet)', () => {
    const { plan } = planDemo(stage);
    expect(plan).toEqual({
      targetId: 'acme-stage-author',
      kind: 'aem',
      changes: [{ group: 'AEM-Authors', add: ['li@acme.com'], remove: ['sam@acme.com'] }],
      wiring: [],
      disable: [],
      enable: [],
      deferred: [
        { kind: 'group', key: 'AEM-Reviewers', reason: 'does not exist in acme-stage-author yet: the group appears at the first IMS login of one of its members' },
        { kind: 'user', key: 'nina@acme.com', group: 'AEM-Authors', reason: 'never logged in to acme-stage-author: the user appears at the first IMS login' },
      ],
      untouched: [],
      unknownGroups: [],
    });
  });

  it('acme-campaign: moves Omar from campaign-managers to content-reviewers, removes Sam, defers Rita, leaves the API operator alone', () => {
    const { plan } = planDemo(campaign);
    expect(plan).toEqual({
      targetId: 'acme-campaign',
      kind: 'campaign',
      changes: [
        { group: 'campaign-managers', add: [], remove: ['omar@acme.com'] },
        { group: 'content-reviewers', add: ['omar@acme.com'], remove: [] },
        { group: 'delivery', add: [], remove: ['sam@acme.com'] },
      ],
      wiring: [],
      disable: [],
      enable: [],
      deferred: [{ kind: 'user', key: 'rita@acme.com', group: 'campaign-managers', reason: 'never logged in to acme-campaign: the user appears at the first IMS login' }],
      untouched: [{ key: 'webservice-api', group: 'delivery', reason: 'local-identity' }],
      unknownGroups: [],
    });
  });

  it.each([prod, stage, campaign])('$id: planning again after applying the plan changes nothing', (target) => {
    const { managed, actual, desired, plan } = planDemo(target);
    const again = planTarget({ target, managed, desired, actual: applySlice(actual, plan) });
    expect(again.changes).toEqual([]);
    expect(again.wiring).toEqual([]);
  });
});
