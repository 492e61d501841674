import { describe, expect, it } from 'vitest';
import { effectiveGroups, hasAccess, isAccessProfile, isEligible, userKeyOf } from '../../../lib/domain/access.js';
import { aemTarget, campaignTarget, imsUser, PROFILE, RULES } from './builders.js';

describe('isEligible', () => {
  it.each([
    ['federatedID', 'active', true],
    ['enterpriseID', 'active', true],
    ['adobeID', 'active', false],
    ['unknown', 'active', false],
    ['federatedID', 'disabled', false],
    ['enterpriseID', 'locked', false],
    ['federatedID', 'removed', false],
  ])('type %s, status %s → %s', (type, status, expected) => {
    expect(isEligible(imsUser('u@acme.com', [], { type, status }), RULES)).toBe(expected);
  });

  it('never admits a personal Adobe ID, even when the rules list it', () => {
    const rules = { allowedTypes: ['adobeID', 'federatedID'] };
    expect(isEligible(imsUser('max@gmail.com', [PROFILE], { type: 'adobeID' }), rules)).toBe(false);
  });

  it('admits only the types the rules list', () => {
    expect(isEligible(imsUser('u@acme.com', [], { type: 'enterpriseID' }), { allowedTypes: ['federatedID'] })).toBe(false);
  });
});

describe('effectiveGroups', () => {
  it('folds names and drops admin-role entries', () => {
    const user = imsUser('u@acme.com', ['AEM-Authors', '_admin_AEM-Authors', '_org_admin', 'Marketing']);
    expect([...effectiveGroups(user)].sort()).toEqual(['aem-authors', 'marketing']);
  });
});

describe('hasAccess', () => {
  const aem = aemTarget([{ name: 'AEM-Authors' }]);

  it('AEM: grants access when one of the product profiles is among the groups, case-insensitively', () => {
    expect(hasAccess(imsUser('u@acme.com', [PROFILE.toUpperCase()]), aem)).toBe(true);
  });

  it('AEM: a managed user group alone does not grant access', () => {
    expect(hasAccess(imsUser('u@acme.com', ['AEM-Authors']), aem)).toBe(false);
  });

  it('AEM: a target without product profiles grants access to nobody (fail closed)', () => {
    expect(hasAccess(imsUser('u@acme.com', [PROFILE]), aemTarget([{ name: 'AEM-Authors' }], { productProfiles: [] }))).toBe(false);
  });

  it('AEM: an admin role named like the profile does not grant access', () => {
    const target = aemTarget([{ name: 'AEM-Authors' }], { productProfiles: ['_admin_x'] });
    expect(hasAccess(imsUser('u@acme.com', ['_admin_x']), target)).toBe(false);
  });

  it.each([
    [['Campaign - acme-prod - delivery'], true],
    [['campaign - ACME-PROD - Delivery'], true],
    [['Campaign - acme-stage - delivery'], false],
    [['AEM-Authors'], false],
    [[], false],
  ])('Campaign without profiles: %j → %s (any profile matched by the mask)', (groups, expected) => {
    expect(hasAccess(imsUser('u@acme.com', groups), campaignTarget())).toBe(expected);
  });

  it('Campaign with profiles: only the listed profiles grant access', () => {
    const target = campaignTarget({ productProfiles: ['Campaign - acme-prod - delivery'] });
    expect(hasAccess(imsUser('a@acme.com', ['Campaign - acme-prod - delivery']), target)).toBe(true);
    expect(hasAccess(imsUser('b@acme.com', ['Campaign - acme-prod - reviewers']), target)).toBe(false);
  });
});

describe('isAccessProfile', () => {
  it('names the profiles that grant access to AEM and the masked profiles of Campaign', () => {
    expect(isAccessProfile(aemTarget([{ name: 'AEM-Authors' }]), PROFILE.toLowerCase())).toBe(true);
    expect(isAccessProfile(aemTarget([{ name: 'AEM-Authors' }]), 'AEM-Authors')).toBe(false);
    expect(isAccessProfile(campaignTarget(), 'Campaign - acme-prod - delivery')).toBe(true);
    expect(isAccessProfile(campaignTarget(), 'Campaign - other - delivery')).toBe(false);
  });
});

describe('userKeyOf', () => {
  const user = imsUser('Jane.Doe@Acme.com', [], { id: 'A1@AdobeID', username: 'JDoe' });

  it.each([
    ['email', 'jane.doe@acme.com'],
    ['username', 'jdoe'],
    ['id', 'a1@adobeid'],
  ] as const)('%s → %s (folded)', (attribute, expected) => {
    expect(userKeyOf(user, aemTarget([{ name: 'G' }], { userIdAttribute: attribute }))).toBe(expected);
  });

  it('is undefined when the attribute is missing', () => {
    expect(userKeyOf(imsUser('u@acme.com', []), aemTarget([{ name: 'G' }], { userIdAttribute: 'username' }))).toBeUndefined();
  });
});
