import { describe, expect, it } from 'vitest';
import { isManagedName, managedAemGroups, managedCampaignGroups, managedGroupsFor } from '../../../lib/domain/managed.js';
import { aemTarget, campaignTarget } from './builders.js';

const entries = (groups: ReadonlyMap<string, { name: string; memberOf: readonly string[] }>) =>
  [...groups.entries()].map(([key, group]) => [key, group.name, [...group.memberOf]]);

describe('managedAemGroups', () => {
  it('keeps configured exact names with their spelling and adds pattern matches from the candidates', () => {
    const target = aemTarget([
      { name: 'AEM-Authors', memberOf: ['content-authors'] },
      { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] },
    ]);
    const managed = managedAemGroups(target, ['aem-authors', 'AEM-DAM-Users', 'aem-dam-editors', 'Marketing', 'xAEM-DAM-Users']);
    expect(entries(managed)).toEqual([
      ['aem-authors', 'AEM-Authors', ['content-authors']],
      ['aem-dam-users', 'AEM-DAM-Users', ['dam-users']],
      ['aem-dam-editors', 'aem-dam-editors', ['dam-users']],
    ]);
  });

  it('never manages a name starting with "_" (admin roles), even when a pattern matches it', () => {
    const target = aemTarget([{ pattern: '.*Authors' }, { name: '_admin_AEM-Authors' }]);
    expect([...managedAemGroups(target, ['_admin_AEM-Authors', 'AEM-Authors']).keys()]).toEqual(['aem-authors']);
  });

  it('never manages an AEM-provided group or a wiring target: users are never put into those', () => {
    const target = aemTarget([{ pattern: '.*', memberOf: ['Custom-Parent'] }]);
    const managed = managedAemGroups(target, ['administrators', 'Content-Authors', 'custom-parent', 'AEM-Authors']);
    expect([...managed.keys()]).toEqual(['aem-authors']);
  });

  it('joins the parents of every entry that matches a name, without duplicates', () => {
    const target = aemTarget([
      { name: 'AEM-Authors', memberOf: ['content-authors'] },
      { pattern: 'AEM-.*', memberOf: ['Content-Authors', 'workflow-users'] },
    ]);
    expect(managedAemGroups(target, ['AEM-Authors']).get('aem-authors')?.memberOf).toEqual(['content-authors', 'workflow-users']);
  });
});

describe('managedCampaignGroups', () => {
  it('captures internal names from the profile names the mask matches, keeping their case', () => {
    const managed = managedCampaignGroups(campaignTarget(), [
      'Campaign - acme-prod - delivery',
      'Campaign - acme-prod - Campaign-Managers',
      'Campaign - acme-stage - delivery',
      'AEM-Authors',
      '_admin_Campaign - acme-prod - x',
    ]);
    expect(entries(managed)).toEqual([
      ['delivery', 'delivery', []],
      ['campaign-managers', 'Campaign-Managers', []],
    ]);
  });

  it('is what managedGroupsFor returns for a Campaign target', () => {
    expect([...managedGroupsFor(campaignTarget(), ['Campaign - acme-prod - delivery']).keys()]).toEqual(['delivery']);
  });
});

describe('isManagedName', () => {
  const aem = aemTarget([{ name: 'AEM-Authors' }, { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] }]);

  it.each([
    ['aem-authors', true],
    ['AEM-DAM-Users', true],
    ['AEM-Reviewers', false],
    ['xAEM-DAM-Users', false],
    ['_admin_AEM-Authors', false],
    ['dam-users', false],
  ])('AEM: %s → %s', (name, expected) => {
    expect(isManagedName(aem, name)).toBe(expected);
  });

  it.each([
    ['Campaign - acme-prod - delivery', true],
    ['Campaign - acme-stage - delivery', false],
    ['Campaign - acme-prod - ', false],
  ])('Campaign: %s → %s', (name, expected) => {
    expect(isManagedName(campaignTarget(), name)).toBe(expected);
  });
});
