import { describe, expect, it } from 'vitest';
import type { DesiredMembers } from '../../../lib/domain/desired.js';
import { managedAemGroups, managedCampaignGroups } from '../../../lib/domain/managed.js';
import { planTarget } from '../../../lib/domain/plan.js';
import type { TargetActual } from '../../../lib/domain/state.js';
import { actualOf, aemTarget, campaignTarget, known } from './builders.js';

const target = aemTarget([
  { name: 'AEM-Authors', memberOf: ['content-authors'] },
  { name: 'AEM-DAM-Users', memberOf: ['dam-users'] },
]);
const managed = managedAemGroups(target, []);
const desiredOf = (entries: Record<string, string[]>): DesiredMembers => new Map(Object.entries(entries).map(([key, groups]) => [key, new Set(groups)]));
const wired = (name: string, members: string[], parent: string) => known(name, members, [parent]);

function plan(desired: Record<string, string[]>, actual: TargetActual, scope?: string[], t = target) {
  return planTarget({ target: t, managed: t === target ? managed : managedAemGroups(t, []), desired: desiredOf(desired), actual, ...(scope ? { scope } : {}) });
}

describe('planTarget: adds and removes', () => {
  it('groups adds and removes per group, spelled as the target spells the group, sorted', () => {
    const actual = actualOf(
      { 'AEM-Authors': wired('aem-AUTHORS', ['c@x', 'b@x'], 'content-authors'), 'AEM-DAM-Users': wired('AEM-DAM-Users', [], 'dam-users') },
      { 'a@x': 'ims', 'b@x': 'ims', 'c@x': 'ims', 'd@x': 'ims' },
    );
    const result = plan({ 'd@x': ['aem-authors', 'aem-dam-users'], 'a@x': ['aem-authors'], 'b@x': ['aem-authors'] }, actual);
    expect(result.changes).toEqual([
      { group: 'aem-AUTHORS', add: ['a@x', 'd@x'], remove: ['c@x'] },
      { group: 'AEM-DAM-Users', add: ['d@x'], remove: [] },
    ]);
    expect(result.wiring).toEqual([]);
  });

  it('produces the same output whatever the order of its inputs (deterministic)', () => {
    const groups = { 'AEM-Authors': wired('AEM-Authors', ['z@x', 'y@x'], 'content-authors') };
    const one = plan({ 'a@x': ['aem-authors'], 'b@x': ['aem-authors'] }, actualOf(groups, { 'a@x': 'ims', 'b@x': 'ims', 'y@x': 'ims', 'z@x': 'ims' }));
    const two = plan({ 'b@x': ['aem-authors'], 'a@x': ['aem-authors'] }, actualOf(groups, { 'z@x': 'ims', 'y@x': 'ims', 'b@x': 'ims', 'a@x': 'ims' }));
    expect(two).toEqual(one);
  });

  it('in reconciliation, an IMS identity absent from desired (left the org) is removed from every managed group', () => {
    const actual = actualOf({ 'AEM-Authors': wired('AEM-Authors', ['sam@x'], 'content-authors') }, { 'sam@x': 'ims' });
    expect(plan({}, actual).changes).toEqual([{ group: 'AEM-Authors', add: [], remove: ['sam@x'] }]);
  });

  it('compares names case-insensitively: a member spelled differently is not re-added', () => {
    const actual = actualOf({ 'aem-authors': wired('AEM-Authors', ['jane@x'], 'Content-Authors') }, { 'jane@x': 'ims' });
    const result = planTarget({ target, managed, desired: desiredOf({ 'jane@x': ['aem-authors'] }), actual, scope: ['JANE@X'] });
    expect(result.changes).toEqual([]);
    expect(result.wiring).toEqual([]);
  });
});

describe('planTarget: only managed groups are touched', () => {
  it('never lists an unmanaged group in changes or wiring, even when desired or actual mention it', () => {
    const actual = actualOf(
      { 'AEM-Authors': wired('AEM-Authors', [], 'content-authors'), Marketing: known('Marketing', ['a@x']) },
      { 'a@x': 'ims' },
    );
    const result = plan({ 'a@x': ['marketing', 'aem-authors'] }, actual);
    expect(result.changes).toEqual([{ group: 'AEM-Authors', add: ['a@x'], remove: [] }]);
    expect(result.wiring.map((wire) => wire.group)).not.toContain('Marketing');
  });

  it('never writes users into an AEM-provided group, even when handed a managed set that claims it', () => {
    const claimed = new Map([
      ['aem-authors', { name: 'AEM-Authors', memberOf: ['content-authors'] }],
      ['content-authors', { name: 'content-authors', memberOf: [] }],
    ]);
    const actual = actualOf({ 'AEM-Authors': wired('AEM-Authors', [], 'content-authors'), 'content-authors': known('content-authors', ['old@x']) }, { 'a@x': 'ims', 'old@x': 'ims' });
    const result = planTarget({ target, managed: claimed, desired: desiredOf({ 'a@x': ['aem-authors', 'content-authors'] }), actual });
    expect(result.changes).toEqual([{ group: 'AEM-Authors', add: ['a@x'], remove: [] }]);
  });
});

describe('planTarget: only IMS identities are touched', () => {
  const actual = actualOf({ 'AEM-Authors': wired('AEM-Authors', ['admin', 'svc'], 'content-authors') }, { admin: 'local', svc: 'local', 'tech@x': 'local' });

  it('a local identity in a managed group is reported untouched and never removed', () => {
    const result = plan({}, actual);
    expect(result.changes).toEqual([]);
    expect(result.untouched).toEqual([
      { key: 'admin', group: 'AEM-Authors', reason: 'local-identity' },
      { key: 'svc', group: 'AEM-Authors', reason: 'local-identity' },
    ]);
  });

  it('a desired user who is local in the target is not added, and is reported untouched', () => {
    const result = plan({ 'tech@x': ['aem-authors'], admin: ['aem-authors'] }, actual);
    expect(result.changes).toEqual([]);
    expect(result.untouched.map((entry) => ('key' in entry ? entry.key : undefined))).toEqual(['admin', 'svc', 'tech@x']);
  });

  it('a desired user absent from the target (never logged in) is deferred, not added', () => {
    const result = plan({ 'new@x': ['aem-authors'] }, actual);
    expect(result.changes).toEqual([]);
    expect(result.deferred).toEqual([{ kind: 'user', key: 'new@x', group: 'AEM-Authors', reason: expect.stringContaining('never logged in') }]);
  });

  it('a member the target did not list as an identity (e.g. a nested group) is left alone', () => {
    const nested = actualOf({ 'AEM-Authors': wired('AEM-Authors', ['some-group'], 'content-authors') }, {});
    expect(plan({}, nested).changes).toEqual([]);
  });
});

describe('planTarget: missing and unknown groups', () => {
  it('a missing group is deferred once and nothing is added to it', () => {
    const actual = actualOf({ 'AEM-Authors': { status: 'missing' }, 'AEM-DAM-Users': wired('AEM-DAM-Users', [], 'dam-users') }, { 'a@x': 'ims', 'b@x': 'ims' });
    const result = plan({ 'a@x': ['aem-authors'], 'b@x': ['aem-authors'] }, actual);
    expect(result.changes).toEqual([]);
    expect(result.deferred).toEqual([{ kind: 'group', key: 'AEM-Authors', reason: expect.stringContaining('does not exist') }]);
  });

  it('a missing group nobody wants is not deferred', () => {
    const actual = actualOf({ 'AEM-Authors': { status: 'missing' }, 'AEM-DAM-Users': wired('AEM-DAM-Users', [], 'dam-users') }, {});
    expect(plan({}, actual).deferred).toEqual([]);
  });

  it.each([
    ['unknown (read failed)', { 'AEM-Authors': { status: 'unknown' as const, reason: 'timeout' } }],
    ['absent from actual.groups (not read)', {}],
  ])('a group %s gets no removals, adds allowed, and is listed in unknownGroups', (_label, groups) => {
    const actual = actualOf({ ...groups, 'AEM-DAM-Users': wired('AEM-DAM-Users', [], 'dam-users') }, { 'a@x': 'ims', 'gone@x': 'ims' });
    const result = plan({ 'a@x': ['aem-authors'], 'gone@x': [] }, actual);
    expect(result.unknownGroups).toEqual(['AEM-Authors']);
    expect(result.changes).toEqual([{ group: 'AEM-Authors', add: ['a@x'], remove: [] }]);
    expect(result.wiring).toEqual([]);
  });
});

describe('planTarget: wiring (AEM)', () => {
  it('wires each known managed group into the configured parents it is not a member of; never un-wires', () => {
    const multi = aemTarget([{ name: 'AEM-Authors', memberOf: ['content-authors', 'Workflow-Users'] }, { name: 'AEM-DAM-Users', memberOf: ['dam-users'] }]);
    const actual = actualOf({ 'AEM-Authors': known('AEM-Authors', [], ['CONTENT-AUTHORS', 'tag-administrators']), 'AEM-DAM-Users': { status: 'missing' } }, {});
    const result = plan({}, actual, undefined, multi);
    expect(result.wiring).toEqual([{ group: 'AEM-Authors', memberOf: ['Workflow-Users'] }]);
  });

  it('Campaign plans never wire', () => {
    const campaign = campaignTarget();
    const campaignManaged = managedCampaignGroups(campaign, ['Campaign - acme-prod - delivery']);
    const actual = actualOf({ delivery: known('delivery', ['a@x']) }, { 'a@x': 'ims' }, 'acme-campaign');
    const result = planTarget({ target: campaign, managed: campaignManaged, desired: desiredOf({ 'a@x': ['delivery'] }), actual });
    expect(result).toMatchObject({ targetId: 'acme-campaign', kind: 'campaign', changes: [], wiring: [] });
  });
});

describe('planTarget: a managed name or pattern matching a local group of the target', () => {
  const patterned = aemTarget([
    { name: 'AEM-Authors', memberOf: ['content-authors'] },
    { pattern: 'AEM-.*', memberOf: ['dam-users'] },
  ]);
  const patternedManaged = managedAemGroups(patterned, ['AEM-Local-Team']);
  const actual = actualOf(
    { 'AEM-Authors': { status: 'local', name: 'AEM-Authors' }, 'AEM-Local-Team': { status: 'local', name: 'AEM-Local-Team' } },
    { 'a@x': 'ims', 'b@x': 'ims' },
  );
  const run = (scope?: string[]) =>
    planTarget({ target: patterned, managed: patternedManaged, desired: desiredOf({ 'a@x': ['aem-authors', 'aem-local-team'] }), actual, ...(scope ? { scope } : {}) });

  it('never adds, removes or wires there, in reconciliation, and reports each such group', () => {
    const result = run();
    expect(result.changes).toEqual([]);
    expect(result.wiring).toEqual([]);
    expect(result.deferred).toEqual([]);
    expect(result.unknownGroups).toEqual([]);
    expect(result.untouched).toEqual([
      { reason: 'local-group', group: 'AEM-Authors' },
      { reason: 'local-group', group: 'AEM-Local-Team' },
    ]);
  });

  it('never writes there in a user-centric (webhook) plan either', () => {
    const result = run(['a@x']);
    expect(result.changes).toEqual([]);
    expect(result.untouched).toContainEqual({ reason: 'local-group', group: 'AEM-Local-Team' });
  });
});

describe('planTarget: scope (user-centric webhook plan)', () => {
  const actual = actualOf({ 'AEM-Authors': wired('AEM-Authors', ['a@x', 'b@x', 'admin'], 'content-authors') }, { 'a@x': 'ims', 'b@x': 'ims', admin: 'local' });

  it('considers only users in scope: others are neither removed nor reported', () => {
    const result = plan({ 'b@x': ['aem-authors'] }, actual, ['A@X']);
    expect(result.changes).toEqual([{ group: 'AEM-Authors', add: [], remove: ['a@x'] }]);
    expect(result.untouched).toEqual([]);
  });

  it('a scoped user absent from desired is desired in nothing', () => {
    expect(plan({}, actual, ['b@x']).changes).toEqual([{ group: 'AEM-Authors', add: [], remove: ['b@x'] }]);
  });
});

describe('planTarget: revocation disable-user (AEM)', () => {
  const disabling = aemTarget([{ name: 'AEM-Authors', memberOf: ['content-authors'] }], { revocation: 'disable-user' });
  const actual = actualOf(
    { 'AEM-Authors': wired('AEM-Authors', ['gone@x', 'keep@x', 'admin'], 'content-authors') },
    { 'gone@x': 'ims', 'keep@x': 'ims', 'idle@x': 'ims', 'direct@x': 'ims', admin: 'local' },
  );
  const run = (desired: Record<string, string[]>, scope?: string[], access?: string[]) =>
    planTarget({ target: disabling, managed: managedAemGroups(disabling, []), desired: desiredOf(desired), actual, ...(scope ? { scope } : {}), ...(access ? { access: new Set(access) } : {}) });

  it('disables an IMS identity that loses its last managed group and has no access; never a local one; enable stays empty', () => {
    const result = run({ 'keep@x': ['aem-authors'] });
    expect(result.disable).toEqual(['gone@x']);
    expect(result.changes).toEqual([{ group: 'AEM-Authors', add: [], remove: ['gone@x'] }]);
    expect(result.enable).toEqual([]);
  });

  it('disables a scoped user without access even when in no managed group', () => {
    expect(run({}, ['idle@x']).disable).toEqual(['idle@x']);
  });

  it('does not disable a user who has access without a managed group, when access is given', () => {
    expect(run({ 'direct@x': [] }, ['direct@x'], ['direct@x']).disable).toEqual([]);
  });

  it('remove-memberships mode never disables', () => {
    expect(plan({}, actual).disable).toEqual([]);
  });

  describe('when the adapter read who is disabled', () => {
    const withDisabled = {
      ...actual,
      identities: new Map([...actual.identities, ['hand@x', 'ims' as const]]),
      disabled: new Map([['gone@x', 'sync'], ['idle@x', 'sync'], ['admin', 'sync'], ['hand@x', 'other']] as const),
    };
    const runDisabled = (desired: Record<string, string[]>, scope?: string[]) =>
      planTarget({ target: disabling, managed: managedAemGroups(disabling, []), desired: desiredOf(desired), actual: withDisabled, ...(scope ? { scope } : {}) });

    it('re-enables a disabled IMS user who has access again, and never a local one', () => {
      expect(runDisabled({ 'keep@x': ['aem-authors'], 'idle@x': ['aem-authors'], admin: ['aem-authors'] }).enable).toEqual(['idle@x']);
    });

    it('does not disable a user who is disabled already', () => {
      expect(runDisabled({ 'keep@x': ['aem-authors'] }).disable).toEqual([]);
    });

    it('keeps a disabled user without access disabled', () => {
      expect(runDisabled({ 'keep@x': ['aem-authors'] }).enable).toEqual([]);
    });

    it('re-enables only within the scope of a user-centric plan', () => {
      expect(runDisabled({ 'idle@x': ['aem-authors'] }, ['gone@x']).enable).toEqual([]);
    });

    it('never re-enables a user someone else disabled (another reason), and reports them instead', () => {
      const result = runDisabled({ 'keep@x': ['aem-authors'], 'hand@x': ['aem-authors'], 'idle@x': ['aem-authors'] });
      expect(result.enable).toEqual(['idle@x']);
      expect(result.disable).toEqual([]);
      expect(result.untouched).toContainEqual({ reason: 'disabled-by-other', key: 'hand@x' });
    });

    it('reports a user disabled by someone else only when the sync would have re-enabled them, and only in scope', () => {
      expect(runDisabled({ 'keep@x': ['aem-authors'] }).untouched.filter((u) => u.reason === 'disabled-by-other')).toEqual([]);
      expect(runDisabled({ 'hand@x': ['aem-authors'] }, ['idle@x']).untouched.filter((u) => u.reason === 'disabled-by-other')).toEqual([]);
    });
  });
});

describe('planTarget: an org read that churned (unlistedUnknown)', () => {
  // shifted@x was not listed: the org changed during the read and they may have slid across a page
  // boundary. leaver@x was listed without access; stays@x was listed and keeps Authors only.
  const disabling = aemTarget([{ name: 'AEM-Authors' }, { name: 'AEM-DAM-Users' }], { revocation: 'disable-user' });
  const actual = actualOf(
    { 'AEM-Authors': known('AEM-Authors', ['shifted@x', 'leaver@x', 'stays@x']), 'AEM-DAM-Users': known('AEM-DAM-Users', ['shifted@x', 'stays@x']) },
    { 'shifted@x': 'ims', 'leaver@x': 'ims', 'stays@x': 'ims' },
  );
  const listed = { 'leaver@x': [], 'stays@x': ['aem-authors'] };
  const run = (unlistedUnknown?: boolean) =>
    planTarget({ target: disabling, managed: managedAemGroups(disabling, []), desired: desiredOf(listed), actual, ...(unlistedUnknown ? { unlistedUnknown } : {}) });

  it('keeps every group of a target member the read did not list and does not disable them; listed users are planned as usual', () => {
    const result = run(true);
    expect(result.changes).toEqual([
      { group: 'AEM-Authors', add: [], remove: ['leaver@x'] },
      { group: 'AEM-DAM-Users', add: [], remove: ['stays@x'] },
    ]);
    expect(result.disable).toEqual(['leaver@x']);
    expect(result.untouched).toEqual([{ reason: 'not-listed', key: 'shifted@x' }]);
  });

  it('without it, a member the read did not list is taken to have left: removed everywhere and disabled', () => {
    const result = run();
    expect(result.changes.flatMap((c) => c.remove)).toContain('shifted@x');
    expect(result.disable).toEqual(['leaver@x', 'shifted@x']);
  });

  it('keeps a Campaign operator the read did not list in their groups', () => {
    const campaign = campaignTarget();
    const campaignManaged = managedCampaignGroups(campaign, ['Campaign - acme-prod - delivery']);
    const campaignActual = actualOf({ delivery: known('delivery', ['shifted@x', 'leaver@x']) }, { 'shifted@x': 'ims', 'leaver@x': 'ims' }, 'acme-campaign');
    const result = planTarget({ target: campaign, managed: campaignManaged, desired: desiredOf({ 'leaver@x': [] }), actual: campaignActual, unlistedUnknown: true });
    expect(result.changes).toEqual([{ group: 'delivery', add: [], remove: ['leaver@x'] }]);
  });
});
