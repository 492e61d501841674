/**
 * The chaos run's world: a generated org (local/fixtures/generate.ts) with names built to break
 * encodings, ≥ 3 AEM instances and one Campaign instance that start *in sync* with IMS, and the
 * configuration that manages them.
 *
 * Starting in sync is on purpose: every write the run sees is then caused by its own events (or
 * by the reconciliation repairing what the events missed), so writes can be compared with the
 * minimum the event sequence needs, and "lost" can be measured before the reconciliation repairs it.
 *
 * What the targets hold besides managed memberships, all of which must stay untouched:
 * - local users and operators (`admin`, service users), `admin` even inside a managed group;
 * - an unmanaged IMS group (`Partners-External`) with IMS members;
 * - an IMS user placed directly in an AEM-provided group (`contributor`);
 * - personal Adobe IDs that exist in the targets (they must never be given a managed group);
 * - IMS operators in Campaign's unmanaged `admin` group.
 */
import { stringify } from 'yaml';
import { aemProfile, aemTargetId, CAMPAIGN_ROLES, campaignProfile, campaignTargetId, generateOrg, prng } from '../fixtures/generate.js';
import type { FixtureAemInstance, FixtureCampaignInstance, FixtureGroup, FixtureUser, OrgFixture } from '../fixtures/types.js';
import { campaignMask, desiredOf, referenceTargets, type ReferenceTarget } from './reference.js';

export const CHAOS_SECRETS = {
  CHAOS_IMS_CLIENT_SECRET: 'bench-client-secret',
  CHAOS_AEM_PASSWORD: 'chaos-aem-password',
  CHAOS_CAMPAIGN_PASSWORD: 'chaos-campaign-password',
  CHAOS_WEBHOOK_SECRET: 'chaos-webhook-secret-0123456789abcdef0123',
} as const;
export const CHAOS_IO_CLIENT_ID = 'ims-sync-chaos';
export const AEM_SERVICE_USER = 'ims-sync-service';
export const CAMPAIGN_LOGIN = 'ims-sync';

/** Group names built to break encodings: quotes, `&`, `<>`, spaces, non-ASCII. */
export const HOSTILE_AEM_GROUP = `AEM-Équipe "Q&A" <beta> 日本`;
export const HOSTILE_CAMPAIGN_ROLE = `rôle "spécial" & <co> ü`;
export const UNMANAGED_AEM_GROUP = 'Partners-External';
const HOSTILE_LOCAL_PARTS = [`o'brien&sons`, 'zoë.ünal', `"q&a.team"`, 'łukasz.øre', 'ana+tag'];

export interface ChaosWorldOptions {
  readonly users: number;
  readonly seed: number;
  /** AEM instances (≥ 1); the chaos run's default is 3. */
  readonly aem: number;
}

export interface ChaosWorld {
  readonly fixture: OrgFixture;
  readonly targets: readonly ReferenceTarget[];
  /** The hostile-named users, for the report. */
  readonly hostileUsers: readonly string[];
}


export function chaosWorld(options: ChaosWorldOptions): ChaosWorld {
  const base = generateOrg({ users: options.users, seed: options.seed, aemInstances: options.aem, campaignInstances: 1 });
  const random = prng(options.seed ^ 0x5eed);
  const aemIds = Array.from({ length: options.aem }, (_, k) => k + 1);

  const groups: FixtureGroup[] = [
    ...base.groups,
    // A managed user group (matches AEM-.*) granting the first two instances, with a hostile name.
    { name: HOSTILE_AEM_GROUP, type: 'USER_GROUP', profiles: aemIds.slice(0, 2).map(aemProfile) },
    { name: UNMANAGED_AEM_GROUP, type: 'USER_GROUP', profiles: [] },
    { name: campaignProfile(1, HOSTILE_CAMPAIGN_ROLE), type: 'PRODUCT_PROFILE', productName: 'Adobe Campaign' },
    // Campaign access through a user group too.
    { name: 'Campaign-Delivery-Team', type: 'USER_GROUP', profiles: [campaignProfile(1, 'delivery')] },
  ];
  const users: FixtureUser[] = base.users.map((u) => structuredClone(u));
  const hostileUsers: string[] = [];
  for (let k = 0; k < Math.max(10, Math.round(options.users * 0.01)); k += 1) {
    const local = HOSTILE_LOCAL_PARTS[k % HOSTILE_LOCAL_PARTS.length] ?? 'x';
    const email = local.startsWith('"') ? `${local.slice(0, -1)}.${k}"@acme.com` : `${local}.${k}@acme.eu`;
    hostileUsers.push(email);
    users.push({
      id: `C4A05000${k.toString(16).toUpperCase().padStart(8, '0')}@AdobeID`,
      email,
      type: 'federatedID',
      firstname: 'Zoë',
      lastname: `O'Brien & <Söhne>`,
      groups: [HOSTILE_AEM_GROUP, 'AEM-Authors', ...(k % 2 === 0 ? [campaignProfile(1, HOSTILE_CAMPAIGN_ROLE)] : ['Campaign-Delivery-Team'])],
    });
  }
  // Some users get the hostile and the unmanaged groups too.
  for (const user of users) {
    if (random() < 0.03) user.groups.push(HOSTILE_AEM_GROUP);
    if (random() < 0.05) user.groups.push(UNMANAGED_AEM_GROUP);
    if (random() < 0.03 && user.type !== 'adobeID') user.groups.push(campaignProfile(1, HOSTILE_CAMPAIGN_ROLE));
    if (random() < 0.03) user.groups.push('Campaign-Delivery-Team');
  }
  const org: OrgFixture = { ...base, users, groups };
  const aem = base.aem.map((instance, index) => inSyncAem(instance, index + 1, org, random));
  const campaign = base.campaign.map((instance) => inSyncCampaign(instance, org, random));
  return { fixture: { ...org, aem, campaign }, targets: referenceTargets({ ...org, aem, campaign }, options.aem), hostileUsers };
}

const mayLogIn = (u: FixtureUser): boolean => (u.type === 'enterpriseID' || u.type === 'federatedID') && (u.status ?? 'active') === 'active';

/** An AEM instance whose managed groups hold exactly what IMS implies, with the untouchables around them. */
function inSyncAem(instance: FixtureAemInstance, index: number, org: OrgFixture, random: () => number): FixtureAemInstance {
  const profile = aemProfile(index);
  const groupsByProfile = new Map(org.groups.map((g) => [g.name, g.profiles ?? []]));
  const reaches = (u: FixtureUser): boolean => u.groups.some((g) => g === profile || (groupsByProfile.get(g) ?? []).includes(profile));
  // IMS users: who logged in (from the generator, departed people dropped), the hostile users, and
  // some personal Adobe IDs that exist in AEM (as IMS users) but must never get a managed group.
  const known = new Set(instance.users.filter((u) => u.ims && !u.id.startsWith('departed.')).map((u) => u.id.toLowerCase()));
  const imsUsers = org.users.filter((u) => known.has(u.email.toLowerCase()) || (mayLogIn(u) && reaches(u) && u.groups.includes(HOSTILE_AEM_GROUP)));
  const adobeIds = org.users.filter((u) => u.type === 'adobeID' && random() < 0.3);
  const ids = [...new Set([...imsUsers, ...adobeIds].map((u) => u.email))];

  const managedHere = instance.groups.filter((g) => g.ims).map((g) => g.id);
  if (groupsByProfile.get(HOSTILE_AEM_GROUP)?.includes(profile)) managedHere.push(HOSTILE_AEM_GROUP);
  const withGroups: ReferenceTarget = { id: instance.targetId, kind: 'aem', profile, groups: new Set(managedHere.map((g) => g.toLowerCase())), users: new Set(ids.map((id) => id.toLowerCase())) };
  const members = new Map<string, string[]>(managedHere.map((g) => [g.toLowerCase(), []]));
  for (const user of org.users) {
    for (const group of desiredOf(user, withGroups, groupsByProfile)) members.get(group)?.push(user.email);
  }
  const someIms = ids.filter((id) => !org.users.find((u) => u.email === id && u.type === 'adobeID')).slice(0, 5);
  return {
    targetId: instance.targetId,
    users: [
      { id: 'admin', ims: false },
      { id: AEM_SERVICE_USER, ims: false },
      { id: 'replication-receiver', ims: false },
      ...ids.map((id) => ({ id, ims: true })),
    ],
    groups: [
      { id: 'administrators', ims: false, members: ['admin'] },
      // Wired as the configuration asks (memberOf), plus a local user: the sync must add nothing here.
      { id: 'content-authors', ims: false, members: ['replication-receiver', ...(managedHere.includes('AEM-Authors') ? ['AEM-Authors'] : [])] },
      { id: 'dam-users', ims: false, members: managedHere.includes('AEM-DAM-Users') ? ['AEM-DAM-Users'] : [] },
      // An IMS user directly in an AEM-provided group: not the sync's to change.
      { id: 'contributor', ims: false, members: someIms.slice(0, 2) },
      { id: UNMANAGED_AEM_GROUP, ims: true, members: someIms.slice(2, 5) },
      ...managedHere.map((g) => ({ id: g, ims: true, members: [...(members.get(g.toLowerCase()) ?? []), ...(g === 'AEM-Authors' ? ['admin'] : [])] })),
    ],
  };
}

function inSyncCampaign(instance: FixtureCampaignInstance, org: OrgFixture, random: () => number): FixtureCampaignInstance {
  const target: ReferenceTarget = { id: instance.targetId, kind: 'campaign', mask: campaignMask(), groups: new Set(), users: new Set() };
  const groupsByProfile = new Map(org.groups.map((g) => [g.name, g.profiles ?? []]));
  const roles = [...CAMPAIGN_ROLES, HOSTILE_CAMPAIGN_ROLE];
  const known = new Set(instance.operators.filter((o) => o.ims && !o.name.startsWith('departed.')).map((o) => o.name.toLowerCase()));
  const withAccess = (u: FixtureUser): boolean => desiredOf(u, { ...target, groups: new Set(roles.map((r) => r.toLowerCase())), users: new Set([u.email.toLowerCase()]) }, groupsByProfile).size > 0;
  const operators = org.users.filter((u) => known.has(u.email.toLowerCase()) || (withAccess(u) && random() < 0.9) || (u.type === 'adobeID' && random() < 0.2));
  const names = [...new Set(operators.map((u) => u.email))];
  const withOperators: ReferenceTarget = { ...target, groups: new Set(roles.map((r) => r.toLowerCase())), users: new Set(names.map((n) => n.toLowerCase())) };
  const memberships: { operator: string; group: string }[] = [
    { operator: 'admin', group: 'admin' },
    // A technical operator inside a managed group: never touched.
    { operator: 'webservice-api', group: 'delivery' },
  ];
  for (const user of org.users) {
    if (!withOperators.users.has(user.email.toLowerCase())) continue;
    for (const group of desiredOf(user, withOperators, groupsByProfile)) memberships.push({ operator: user.email, group: roles.find((r) => r.toLowerCase() === group) ?? group });
  }
  // IMS operators in the unmanaged admin group: not the sync's to change.
  for (const name of names.slice(0, 3)) memberships.push({ operator: name, group: 'admin' });
  return {
    targetId: campaignTargetId(1),
    operators: [{ name: 'admin', ims: false }, { name: 'webservice-api', ims: false }, ...names.map((name) => ({ name, ims: true }))],
    groups: [{ name: 'admin', label: 'Administrators' }, ...roles.map((role) => ({ name: role, label: role }))],
    memberships,
  };
}

export interface ChaosConfigInput {
  readonly imsUrl: string;
  readonly aemUrls: readonly string[];
  readonly campaignUrl: string;
  readonly ioKeyHost: string;
  readonly umapiPerMinute: number;
  readonly targetTimeoutMs: number;
  readonly targetConcurrency: number;
  readonly orgId: string;
  readonly clientId: string;
}

/** The configuration the run's functions load (YAML, through the real loader). */
export function chaosConfigYaml(input: ChaosConfigInput): string {
  const limits = { requestsPerSecond: 200, concurrency: input.targetConcurrency, timeoutMs: input.targetTimeoutMs };
  const config = {
    org: {
      id: input.orgId,
      imsTokenUrl: `${input.imsUrl}/ims/token/v3`,
      umapiBaseUrl: `${input.imsUrl}/v2/usermanagement`,
      clientId: input.clientId,
      clientSecret: 'env:CHAOS_IMS_CLIENT_SECRET',
      rateLimit: { usersPerMinute: input.umapiPerMinute, groupsPerMinute: Math.min(100, Math.max(5, Math.round(input.umapiPerMinute / 5))) },
    },
    identity: { allowedTypes: ['enterpriseID', 'federatedID'] },
    guard: { maxRemovals: 50, maxRemovalPercent: 10 },
    webhooks: {
      adobeIo: { clientId: CHAOS_IO_CLIENT_ID, keyHost: input.ioKeyHost },
      generic: { secret: 'env:CHAOS_WEBHOOK_SECRET' },
    },
    targets: [
      ...input.aemUrls.map((baseUrl, k) => ({
        id: aemTargetId(k + 1),
        kind: 'aem',
        baseUrl,
        auth: { type: 'basic', username: AEM_SERVICE_USER, password: 'env:CHAOS_AEM_PASSWORD' },
        productProfiles: [aemProfile(k + 1)],
        userIdAttribute: 'email',
        limits,
        managedGroups: [
          { name: 'AEM-Authors', memberOf: ['content-authors'] },
          { pattern: 'AEM-DAM-.*', memberOf: ['dam-users'] },
          { pattern: 'AEM-.*' },
        ],
        revocation: 'remove-memberships',
      })),
      {
        id: campaignTargetId(1),
        kind: 'campaign',
        baseUrl: input.campaignUrl,
        auth: { type: 'session', login: CAMPAIGN_LOGIN, password: 'env:CHAOS_CAMPAIGN_PASSWORD' },
        userIdAttribute: 'email',
        limits,
        associationMask: `Campaign - ${campaignTargetId(1)} - (.*)`,
      },
    ],
  };
  return `# generated by local/chaos/world.ts for one chaos run\n${stringify(config)}`;
}
