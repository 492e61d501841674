/** The access review's findings and holdings, one kind at a time, over plain data. */
import { describe, expect, it } from 'vitest';
import type { Target } from '../../../lib/config/schema.js';
import { accessKeys, desiredMembers } from '../../../lib/domain/desired.js';
import { countFindings, findingsOf, type DirectMemberships, type Finding } from '../../../lib/domain/findings.js';
import { holdingsOf } from '../../../lib/domain/holdings.js';
import type { ImsUser } from '../../../lib/domain/ims.js';
import { managedGroupsFor } from '../../../lib/domain/managed.js';
import { planTarget } from '../../../lib/domain/plan.js';
import type { TargetActual } from '../../../lib/domain/state.js';
import { actualOf, aemTarget, campaignTarget, imsUser, known, PROFILE, RULES } from './builders.js';

const AUTHORS = [{ name: 'AEM-Authors', memberOf: ['content-authors'] }];

function review(target: Target, users: ImsUser[], actual: TargetActual, direct?: DirectMemberships) {
  const managed = managedGroupsFor(target, users.flatMap((u) => u.groups));
  const desired = desiredMembers(users, target, managed, RULES);
  const plan = planTarget({ target, managed, desired, actual, access: accessKeys(users, target, RULES) });
  const input = { target, users, rules: RULES, actual, desired, plan, managed, ...(direct ? { direct } : {}) };
  return { findings: findingsOf(input), holdings: holdingsOf(input) };
}

const direct = (byUser: Record<string, string[]>, unknownGroups: string[] = []): DirectMemberships => ({ byUser: new Map(Object.entries(byUser)), unknownGroups });
const kinds = (findings: readonly Finding[]) => findings.map((f) => [f.kind, f.identity, f.group]);

describe('findings', () => {
  const jane = imsUser('jane@acme.com', ['AEM-Authors', PROFILE]);
  const wired = known('AEM-Authors', ['jane@acme.com'], ['content-authors']);

  it('direct-member: an IMS user with access placed straight in a local group', () => {
    const actual = actualOf({ 'AEM-Authors': wired }, { 'jane@acme.com': 'ims' });
    const { findings } = review(aemTarget(AUTHORS), [jane], actual, direct({ 'jane@acme.com': ['workflow-users'] }));
    expect(kinds(findings)).toEqual([['direct-member', 'jane@acme.com', 'workflow-users']]);
    expect(findings[0]?.action).toContain('remove the user from the group in AEM');
  });

  it('direct-member in Campaign: an IMS operator in a group no profile maps to', () => {
    const omar = imsUser('omar@acme.com', ['Campaign - acme-prod - delivery']);
    const actual = actualOf({ delivery: known('delivery', ['omar@acme.com']) }, { 'omar@acme.com': 'ims' }, 'acme-campaign');
    const { findings } = review(campaignTarget(), [omar], actual, direct({ 'omar@acme.com': ['admin'] }));
    expect(kinds(findings)).toEqual([['direct-member', 'omar@acme.com', 'admin']]);
  });

  it('local-in-managed: a local identity in a managed group', () => {
    const actual = actualOf({ 'AEM-Authors': known('AEM-Authors', ['jane@acme.com', 'admin'], ['content-authors']) }, { 'jane@acme.com': 'ims', admin: 'local' });
    expect(kinds(review(aemTarget(AUTHORS), [jane], actual, direct({})).findings)).toEqual([['local-in-managed', 'admin', 'AEM-Authors']]);
  });

  it('unwired: a managed IMS group not in the AEM-provided group its memberOf names', () => {
    const actual = actualOf({ 'AEM-Authors': known('AEM-Authors', ['jane@acme.com']) }, { 'jane@acme.com': 'ims' });
    expect(kinds(review(aemTarget(AUTHORS), [jane], actual, direct({})).findings)).toEqual([['unwired', 'AEM-Authors', 'content-authors']]);
  });

  it('orphan: a user gone from the org still in a managed group and in a local group; not a direct-member', () => {
    const actual = actualOf({ 'AEM-Authors': known('AEM-Authors', ['jane@acme.com', 'sam@acme.com'], ['content-authors']) }, { 'jane@acme.com': 'ims', 'sam@acme.com': 'ims' });
    const { findings } = review(aemTarget(AUTHORS), [jane], actual, direct({ 'sam@acme.com': ['dam-users'] }));
    expect(kinds(findings)).toEqual([
      ['orphan', 'sam@acme.com', 'AEM-Authors'],
      ['orphan', 'sam@acme.com', 'dam-users'],
    ]);
  });

  it('orphan: a user in the org without the instance’s profile counts too', () => {
    const lost = imsUser('lost@acme.com', ['AEM-Authors']);
    const actual = actualOf({ 'AEM-Authors': wired }, { 'jane@acme.com': 'ims', 'lost@acme.com': 'ims' });
    expect(kinds(review(aemTarget(AUTHORS), [jane, lost], actual, direct({ 'lost@acme.com': ['workflow-users'] })).findings)).toEqual([['orphan', 'lost@acme.com', 'workflow-users']]);
  });

  it('disabled-mismatch: disabled while IMS grants access, in any revocation mode', () => {
    const actual = { ...actualOf({ 'AEM-Authors': wired }, { 'jane@acme.com': 'ims' }), disabled: new Map([['jane@acme.com', 'other' as const]]) };
    expect(kinds(review(aemTarget(AUTHORS), [jane], actual, direct({})).findings)).toEqual([['disabled-mismatch', 'jane@acme.com', undefined]]);
  });

  it('disabled-mismatch: enabled without access only with revocation disable-user', () => {
    const actual = { ...actualOf({ 'AEM-Authors': wired }, { 'jane@acme.com': 'ims', 'gone@acme.com': 'ims' }), disabled: new Map<string, 'sync' | 'other'>() };
    expect(kinds(review(aemTarget(AUTHORS, { revocation: 'disable-user' }), [jane], actual, direct({})).findings)).toEqual([['disabled-mismatch', 'gone@acme.com', undefined]]);
    expect(review(aemTarget(AUTHORS), [jane], actual, direct({})).findings).toEqual([]);
  });

  it('after an org read that churned, a user the read did not list is neither an orphan nor enabled without access; a listed one still is', () => {
    const target = aemTarget(AUTHORS, { revocation: 'disable-user' });
    const lost = imsUser('lost@acme.com', ['AEM-Authors']);
    const users = [jane, lost];
    const actual = {
      ...actualOf({ 'AEM-Authors': known('AEM-Authors', ['jane@acme.com', 'lost@acme.com', 'shifted@acme.com'], ['content-authors']) }, { 'jane@acme.com': 'ims', 'lost@acme.com': 'ims', 'shifted@acme.com': 'ims' }),
      disabled: new Map<string, 'sync' | 'other'>(),
    };
    const managed = managedGroupsFor(target, users.flatMap((u) => u.groups));
    const desired = desiredMembers(users, target, managed, RULES);
    const plan = planTarget({ target, managed, desired, actual, access: accessKeys(users, target, RULES), unlistedUnknown: true });
    const findings = findingsOf({ target, users, rules: RULES, actual, desired, plan, direct: direct({ 'shifted@acme.com': ['dam-users'] }), unlistedUnknown: true });
    expect(kinds(findings)).toEqual([
      ['disabled-mismatch', 'lost@acme.com', undefined],
      ['orphan', 'lost@acme.com', 'AEM-Authors'],
    ]);
  });

  it('deferred: a user who never logged in, and every user of a group not in the target yet', () => {
    const nina = imsUser('nina@acme.com', ['AEM-Authors', 'AEM-Reviewers', PROFILE]);
    const target = aemTarget([...AUTHORS, { name: 'AEM-Reviewers', memberOf: ['contributor'] }]);
    const actual = actualOf({ 'AEM-Authors': wired, 'AEM-Reviewers': { status: 'missing' } }, { 'jane@acme.com': 'ims' });
    expect(kinds(review(target, [jane, nina], actual, direct({})).findings)).toEqual([
      ['deferred', 'nina@acme.com', 'AEM-Authors'],
      ['deferred', 'nina@acme.com', 'AEM-Reviewers'],
    ]);
  });

  it('finds nothing when the target is exactly as IMS says', () => {
    const actual = { ...actualOf({ 'AEM-Authors': wired }, { 'jane@acme.com': 'ims' }), disabled: new Map<string, 'sync' | 'other'>() };
    expect(review(aemTarget(AUTHORS), [jane], actual, direct({})).findings).toEqual([]);
  });

  it('without the direct memberships, reports no direct-member rather than guessing', () => {
    const actual = actualOf({ 'AEM-Authors': wired }, { 'jane@acme.com': 'ims' });
    expect(review(aemTarget(AUTHORS), [jane], actual).findings).toEqual([]);
  });

  it('counts every kind, zero included', () => {
    const actual = actualOf({ 'AEM-Authors': known('AEM-Authors', ['jane@acme.com']) }, { 'jane@acme.com': 'ims' });
    expect(countFindings(review(aemTarget(AUTHORS), [jane], actual, direct({})).findings)).toEqual({
      'direct-member': 0,
      'local-in-managed': 0,
      unwired: 1,
      orphan: 0,
      'disabled-mismatch': 0,
      deferred: 0,
    });
  });
});

describe('holdings', () => {
  it('lists each identity’s groups with their state and the IMS path that grants them', () => {
    const jane = imsUser('jane@acme.com', ['AEM-Authors', PROFILE]);
    const li = imsUser('li@acme.com', ['AEM-Authors', PROFILE]);
    const actual = actualOf(
      { 'AEM-Authors': known('AEM-Authors', ['jane@acme.com', 'sam@acme.com', 'admin'], ['content-authors']) },
      { 'jane@acme.com': 'ims', 'li@acme.com': 'ims', 'sam@acme.com': 'ims', admin: 'local' },
    );
    const { holdings } = review(aemTarget(AUTHORS), [jane, li], actual, direct({ 'jane@acme.com': ['workflow-users'] }));
    const path = `${PROFILE} → AEM-Authors → AEM-Authors`;
    expect(holdings).toEqual([
      { key: 'admin', kind: 'local', status: 'untouched', groups: [{ group: 'AEM-Authors', managed: true, status: 'untouched' }] },
      {
        key: 'jane@acme.com',
        kind: 'ims',
        status: 'in-sync',
        groups: [
          { group: 'AEM-Authors', managed: true, status: 'in-sync', path },
          { group: 'workflow-users', managed: false, status: 'direct' },
        ],
      },
      { key: 'li@acme.com', kind: 'ims', status: 'pending', groups: [{ group: 'AEM-Authors', managed: true, status: 'pending-add', path }] },
      { key: 'sam@acme.com', kind: 'ims', status: 'pending', groups: [{ group: 'AEM-Authors', managed: true, status: 'pending-remove' }] },
    ]);
  });

  it('Campaign: the path is the profile the association mask maps; a never-logged-in operator is deferred', () => {
    const rita = imsUser('rita@acme.com', ['Campaign - acme-prod - campaign-managers']);
    const actual = actualOf({ 'campaign-managers': known('campaign-managers', []) }, {}, 'acme-campaign');
    const { holdings } = review(campaignTarget(), [rita], actual, direct({}));
    expect(holdings).toEqual([
      {
        key: 'rita@acme.com',
        kind: 'ims',
        status: 'deferred',
        groups: [{ group: 'campaign-managers', managed: true, status: 'deferred', path: 'Campaign - acme-prod - campaign-managers → campaign-managers' }],
      },
    ]);
  });

  it('an identity holding only unmanaged groups is direct-only, never in-sync', () => {
    const jane = imsUser('jane@acme.com', ['AEM-Authors', PROFILE]);
    const actual = actualOf({ 'AEM-Authors': known('AEM-Authors', ['jane@acme.com'], ['content-authors']) }, { 'jane@acme.com': 'ims', 'sam@acme.com': 'ims' });
    const { holdings, findings } = review(aemTarget(AUTHORS), [jane], actual, direct({ 'sam@acme.com': ['workflow-users'] }));
    expect(holdings[1]).toEqual({ key: 'sam@acme.com', kind: 'ims', status: 'direct-only', groups: [{ group: 'workflow-users', managed: false, status: 'direct' }] });
    expect(findings[0]?.action).toContain('remove the user from this group by hand');
  });

  it('a group whose read failed is unknown for those IMS grants it to, never empty', () => {
    const jane = imsUser('jane@acme.com', ['AEM-Authors', PROFILE]);
    const actual = actualOf({ 'AEM-Authors': { status: 'unknown', reason: 'timeout' } }, { 'jane@acme.com': 'ims' });
    const { holdings } = review(aemTarget(AUTHORS), [jane], actual, direct({}));
    expect(holdings[0]).toMatchObject({ key: 'jane@acme.com', status: 'unknown', groups: [{ group: 'AEM-Authors', status: 'unknown' }] });
  });
});
