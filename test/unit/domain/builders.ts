/** Plain-data builders for domain tests: users, targets and actual states, with short defaults. */
import { AemTarget, CampaignTarget } from '../../../lib/config/schema.js';
import type { IdentityRules } from '../../../lib/domain/access.js';
import { UmapiUser, type ImsUser } from '../../../lib/domain/ims.js';
import type { TargetPlan } from '../../../lib/domain/plan-types.js';
import type { GroupState, IdentityKind, KnownGroupState, TargetActual } from '../../../lib/domain/state.js';

export const RULES: IdentityRules = { allowedTypes: ['enterpriseID', 'federatedID'] };
export const PROFILE = 'AEM Managed Services - acme-prod-author';

export function imsUser(email: string, groups: string[], extra: Partial<Record<'id' | 'type' | 'status' | 'username', string>> = {}): ImsUser {
  return UmapiUser.parse({ id: extra.id ?? `${email}-id`, email, type: extra.type ?? 'federatedID', status: extra.status ?? 'active', username: extra.username, groups });
}

type ManagedEntry = { name?: string; pattern?: string; memberOf?: string[] };
export function aemTarget(managedGroups: ManagedEntry[], extra: Partial<{ revocation: 'remove-memberships' | 'disable-user'; productProfiles: string[]; userIdAttribute: 'email' | 'username' | 'id' }> = {}): AemTarget {
  return AemTarget.parse({
    id: 'acme-prod-author',
    kind: 'aem',
    baseUrl: 'http://127.0.0.1:4502',
    auth: { type: 'basic', username: 'svc', password: 'env:PW' },
    productProfiles: extra.productProfiles ?? [PROFILE],
    userIdAttribute: extra.userIdAttribute ?? 'email',
    managedGroups,
    revocation: extra.revocation ?? 'remove-memberships',
  });
}

export function campaignTarget(extra: Partial<{ productProfiles: string[]; associationMask: string }> = {}): CampaignTarget {
  return CampaignTarget.parse({
    id: 'acme-campaign',
    kind: 'campaign',
    baseUrl: 'http://127.0.0.1:4510',
    auth: { type: 'session', login: 'svc', password: 'env:PW' },
    productProfiles: extra.productProfiles ?? [],
    associationMask: extra.associationMask ?? 'Campaign - acme-prod - (.*)',
  });
}

export function known(name: string, members: string[], memberOf: string[] = []): KnownGroupState {
  return { status: 'known', name, members: new Set(members), memberOf: new Set(memberOf) };
}

export function actualOf(groups: Record<string, GroupState>, identities: Record<string, IdentityKind>, targetId = 'acme-prod-author'): TargetActual {
  return {
    targetId,
    groups: new Map(Object.entries(groups).map(([name, state]) => [name.toLowerCase(), state])),
    identities: new Map(Object.entries(identities)),
  };
}

/** A plan of acme-prod-author with nothing in it but `parts`. */
export const planWith = (parts: Partial<TargetPlan>): TargetPlan => ({
  targetId: 'acme-prod-author',
  kind: 'aem',
  changes: [],
  wiring: [],
  disable: [],
  enable: [],
  deferred: [],
  untouched: [],
  unknownGroups: [],
  ...parts,
});
