import { describe, expect, it } from 'vitest';
import { accessKeys, desiredMembers } from '../../../lib/domain/desired.js';
import { managedAemGroups, managedCampaignGroups } from '../../../lib/domain/managed.js';
import { aemTarget, campaignTarget, imsUser, PROFILE, RULES } from './builders.js';

const asObject = (desired: ReadonlyMap<string, ReadonlySet<string>>) =>
  Object.fromEntries([...desired.entries()].map(([key, groups]) => [key, [...groups].sort()]));

describe('desiredMembers (AEM)', () => {
  const target = aemTarget([{ name: 'AEM-Authors' }, { pattern: 'AEM-DAM-.*' }]);
  const managed = managedAemGroups(target, ['AEM-Authors', 'AEM-DAM-Users', 'Marketing']);

  it('gives each eligible user with access the managed groups they are in; everyone else an empty set', () => {
    const users = [
      imsUser('Jane@acme.com', ['aem-authors', PROFILE, 'Marketing', '_admin_AEM-Authors']),
      imsUser('omar@acme.com', ['AEM-DAM-Users', 'AEM-Authors', PROFILE], { type: 'enterpriseID' }),
      imsUser('max@gmail.com', ['AEM-Authors', PROFILE], { type: 'adobeID' }),
      imsUser('gone@acme.com', ['AEM-Authors', PROFILE], { status: 'disabled' }),
      imsUser('li@acme.com', ['AEM-Authors']),
      imsUser('rita@acme.com', [PROFILE]),
    ];
    expect(asObject(desiredMembers(users, target, managed, RULES))).toEqual({
      'jane@acme.com': ['aem-authors'],
      'omar@acme.com': ['aem-authors', 'aem-dam-users'],
      'max@gmail.com': [],
      'gone@acme.com': [],
      'li@acme.com': [],
      'rita@acme.com': [],
    });
  });

  it('skips users without a key in the target', () => {
    const byUsername = aemTarget([{ name: 'AEM-Authors' }], { userIdAttribute: 'username' });
    const desired = desiredMembers([imsUser('u@acme.com', ['AEM-Authors', PROFILE])], byUsername, managed, RULES);
    expect(desired.size).toBe(0);
  });

  it('unites two IMS users that share a key', () => {
    const users = [imsUser('u@acme.com', ['AEM-Authors', PROFILE]), imsUser('U@acme.com', ['AEM-DAM-Users', PROFILE], { type: 'enterpriseID' })];
    expect(asObject(desiredMembers(users, target, managed, RULES))).toEqual({ 'u@acme.com': ['aem-authors', 'aem-dam-users'] });
  });

  it('accessKeys lists users with access, with or without managed groups', () => {
    const users = [imsUser('rita@acme.com', [PROFILE]), imsUser('li@acme.com', ['AEM-Authors']), imsUser('max@gmail.com', [PROFILE], { type: 'adobeID' })];
    expect([...accessKeys(users, target, RULES)]).toEqual(['rita@acme.com']);
  });
});

describe('desiredMembers (Campaign)', () => {
  const target = campaignTarget();
  const managed = managedCampaignGroups(target, ['Campaign - acme-prod - delivery', 'Campaign - acme-prod - Managers']);

  it('maps the profiles captured by the mask to managed internal names', () => {
    const users = [
      imsUser('jane@acme.com', ['Campaign - acme-prod - delivery', 'campaign - acme-prod - managers']),
      imsUser('omar@acme.com', ['Campaign - acme-prod - unknown-group']),
      imsUser('li@acme.com', ['AEM-Authors']),
    ];
    expect(asObject(desiredMembers(users, target, managed, RULES))).toEqual({
      'jane@acme.com': ['delivery', 'managers'],
      'omar@acme.com': [],
      'li@acme.com': [],
    });
  });

  it('with productProfiles, a user without one of them has no groups', () => {
    const restricted = campaignTarget({ productProfiles: ['Campaign - acme-prod - delivery'] });
    const users = [imsUser('u@acme.com', ['Campaign - acme-prod - managers']), imsUser('v@acme.com', ['Campaign - acme-prod - delivery', 'Campaign - acme-prod - managers'])];
    expect(asObject(desiredMembers(users, restricted, managed, RULES))).toEqual({ 'u@acme.com': [], 'v@acme.com': ['delivery', 'managers'] });
  });
});
