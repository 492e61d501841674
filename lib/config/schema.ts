/**
 * The configuration a customer writes (YAML), as a closed zod schema.
 *
 * Closed (`.strict()`) so that a typo in a key is an error, not a silently ignored setting.
 * Every field that holds a secret takes a *reference* (`env:NAME`, `ssm:/path`,
 * `secretsmanager:<arn>`), never the secret itself: see `secrets.ts`.
 */
import { z } from 'zod';
import { DEFAULT_RECONCILE_SHARE } from '../ims/token-bucket.js';

/** `env:NAME`, `ssm:/path/to/param` or `secretsmanager:<arn or name>`. */
export const SECRET_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|ssm:\/[\w./-]+|secretsmanager:[\w:/+=.@-]+)$/;
export const SecretRef = z
  .string()
  .regex(SECRET_REF_PATTERN, {
    message: 'must be a secret reference: "env:NAME", "ssm:/path" or "secretsmanager:<arn>", never the secret itself',
  })
  .describe('A secret reference: env:NAME, ssm:/path or secretsmanager:<arn>. Resolved when first needed, cached 5 minutes, never logged.');

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL, e.g. "https://author.acme.com"' });

/** Identity types UMAPI reports. `adobeID` (personal Adobe IDs) is never allowed: AEM and Campaign IMS logins support only Enterprise and Federated IDs. */
export const IdentityType = z.enum(['adobeID', 'enterpriseID', 'federatedID', 'unknown']);
export type IdentityType = z.infer<typeof IdentityType>;

export const AllowedIdentityType = z.enum(['enterpriseID', 'federatedID'], {
  message:
    'only "enterpriseID" and "federatedID" may be allowed; personal Adobe IDs ("adobeID") are not supported by AEM or Campaign IMS login, so they can never be granted access',
});

/** Which user attribute is the user's id inside a target (AEM authorizable id, Campaign operator @name). */
export const UserIdAttribute = z.enum(['email', 'username', 'id']);
export type UserIdAttribute = z.infer<typeof UserIdAttribute>;

export const Limits = z
  .object({
    requestsPerSecond: z.number().positive().max(1000).default(10).describe('Most requests per second this sync sends to the instance.'),
    concurrency: z.number().int().min(1).max(64).default(4).describe('Most requests in flight at once to the instance.'),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('How long one request may take, in milliseconds, before it counts as failed.'),
  })
  .strict()
  .describe('How hard the sync may press on this instance.');
export type Limits = z.infer<typeof Limits>;

export const Guard = z
  .object({
    maxRemovals: z.number().int().min(0).default(50).describe('Most removals one reconciliation may make per target before it is held for approval.'),
    maxRemovalPercent: z
      .number()
      .min(0)
      .max(100)
      .default(10)
      .describe("Most removals as a percentage of the target's managed memberships."),
  })
  .strict();
export type Guard = z.infer<typeof Guard>;

const BasicAuth = z
  .object({ type: z.literal('basic'), username: z.string().min(1), password: SecretRef })
  .strict()
  .describe('HTTP Basic authentication with a service user (AEM).');
const BearerAuth = z
  .object({ type: z.literal('bearer'), token: SecretRef })
  .strict()
  .describe('A bearer token sent as "Authorization: Bearer <token>".');
const SessionAuth = z
  .object({ type: z.literal('session'), login: z.string().min(1), password: SecretRef })
  .strict()
  .describe('Campaign session logon (xtk:session#Logon) with an operator login.');

/** A managed IMS user group of an AEM instance: an exact name or a regular expression, and the AEM-provided groups it must be a member of. */
export const ManagedGroup = z
  .object({
    name: z.string().min(1).optional().describe('Exact IMS user group name (compared case-insensitively).'),
    pattern: z.string().min(1).optional().describe('Regular expression over the whole IMS user group name (anchored, case-insensitive).'),
    memberOf: z.array(z.string().min(1)).default([]).describe('AEM-provided groups this IMS group must be a member of, e.g. content-authors.'),
  })
  .strict();
export type ManagedGroup = z.infer<typeof ManagedGroup>;

const TargetCommon = {
  id: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'must be lower-case letters, digits and dashes, 2-63 long, e.g. "acme-prod-author"' })
    .describe('This target\'s own id, used in state, audit, logs and the CLI, e.g. "acme-prod-author".'),
  baseUrl: httpUrl.describe('The instance\'s base URL, e.g. "https://author.acme.com".'),
  productProfiles: z
    .array(z.string().min(1))
    .default([])
    .describe('Product profiles that grant access to this instance (read with directOnly=false, so through user groups too).'),
  userIdAttribute: UserIdAttribute.default('email').describe('The IMS user attribute that is the user\'s id in this instance: email, username or id.'),
  limits: Limits.default({ requestsPerSecond: 10, concurrency: 4, timeoutMs: 10_000 }),
  guard: Guard.optional().describe('Overrides the global guard for this target.'),
};

export const AemTarget = z
  .object({
    ...TargetCommon,
    kind: z.literal('aem'),
    auth: z.discriminatedUnion('type', [BasicAuth, BearerAuth]).describe('How the sync signs in to AEM: basic or bearer.'),
    managedGroups: z.array(ManagedGroup).min(1, { message: 'needs at least one managed group, e.g. [{ name: "AEM-Authors", memberOf: ["content-authors"] }]' }),
    revocation: z
      .enum(['remove-memberships', 'disable-user'])
      .default('remove-memberships')
      .describe('What happens to a user who loses access: remove-memberships (of managed groups) or disable-user as well.'),
  })
  .strict()
  .describe('An AEM 6.4/6.5 instance (author or publish).');
export type AemTarget = z.infer<typeof AemTarget>;

export const CampaignTarget = z
  .object({
    ...TargetCommon,
    kind: z.literal('campaign'),
    auth: z.discriminatedUnion('type', [SessionAuth, BearerAuth]).describe('How the sync signs in to Campaign: session or bearer.'),
    associationMask: z.string().min(1).describe('Regex with exactly one capture group, e.g. "Campaign - acme-prod - (.*)".'),
    revocation: z
      .enum(['remove-memberships'])
      .default('remove-memberships')
      .describe('What happens to an operator who loses access: their memberships of managed operator groups are removed.'),
  })
  .strict()
  .describe('An Adobe Campaign Classic v7/v8 instance.');
export type CampaignTarget = z.infer<typeof CampaignTarget>;

export const Target = z.discriminatedUnion('kind', [AemTarget, CampaignTarget]);
export type Target = z.infer<typeof Target>;

const reconcileShareRule =
  'must be a number greater than 0 and at most 1 — the share of each minute\'s UMAPI budget a reconciliation may use, e.g. 0.8 keeps 20% for event work';

export const Org = z
  .object({
    id: z
      .string()
      .regex(/^[A-Za-z0-9]+@AdobeOrg$/, { message: 'must look like "A495E53A5C1B1FFC0A495E53@AdobeOrg"' })
      .describe('The IMS org id, from the Admin Console, e.g. "A495E53A5C1B1FFC0A495E53@AdobeOrg".'),
    imsTokenUrl: httpUrl.default('https://ims-na1.adobelogin.com/ims/token/v3').describe('The IMS token endpoint.'),
    umapiBaseUrl: httpUrl.default('https://usermanagement.adobe.io/v2/usermanagement').describe('The User Management API base URL.'),
    clientId: z.string().min(1).describe('The client id of the OAuth server-to-server credential that reads UMAPI.'),
    clientSecret: SecretRef,
    scopes: z
      .array(z.string().min(1))
      .default(['openid', 'AdobeID', 'user_management_sdk'])
      .describe('The scopes asked for with the access token.'),
    rateLimit: z
      .object({
        usersPerMinute: z.number().int().min(1).max(100).default(25),
        groupsPerMinute: z.number().int().min(1).max(100).default(5),
        reconcileShare: z
          .number({ error: reconcileShareRule })
          .gt(0, { error: reconcileShareRule })
          .max(1, { error: reconcileShareRule })
          .default(DEFAULT_RECONCILE_SHARE)
          .describe(
            "The share of each minute's UMAPI budget a reconciliation (or plan) may use for its full org read; the rest is kept for event work, which never waits behind a reconciliation's pages.",
          ),
      })
      .strict()
      .default({ usersPerMinute: 25, groupsPerMinute: 5, reconcileShare: DEFAULT_RECONCILE_SHARE })
      .describe("UMAPI's published per-client limits; the shared limiter keeps every Lambda within them."),
  })
  .strict()
  .describe('The Adobe org whose users and groups are the source of truth, and the credential that reads them.');
export type Org = z.infer<typeof Org>;

export const Identity = z
  .object({
    allowedTypes: z
      .array(AllowedIdentityType)
      .min(1)
      .default(['enterpriseID', 'federatedID'])
      .describe('Identity types that may be granted access: enterpriseID and/or federatedID. Users of any other type are never given access.'),
  })
  .strict()
  .describe('Which IMS users the sync may give access to.');

export const Webhooks = z
  .object({
    adobeIo: z
      .object({
        clientId: z.string().min(1).describe('The I/O Events recipient client id of this integration.'),
        keyHost: httpUrl
          .default('https://static.adobeioevents.com')
          .describe('Where the public keys that verify I/O Events signatures are fetched from (https; http only for a loopback address).'),
      })
      .strict()
      .optional()
      .describe('Adobe I/O Events (Admin Console audit log events), verified by their RSA signatures.'),
    generic: z
      .object({
        secret: SecretRef,
        toleranceSeconds: z.number().int().min(1).max(300).default(300).describe('How far the timestamp of a signed request may be from our clock, in seconds; at most 300 (contract io-events.md §6: more than 5 minutes off is a replay).'),
      })
      .strict()
      .optional()
      .describe('A generic webhook, authenticated with an HMAC over the body and a timestamp.'),
    maxBodyBytes: z.number().int().min(1024).max(6_000_000).default(1_000_000).describe('Largest webhook body accepted, in bytes.'),
  })
  .strict()
  .describe('The webhook doors: Adobe I/O Events and a generic HMAC-signed webhook.');

export const SyncConfig = z
  .object({
    org: Org,
    identity: Identity.default({ allowedTypes: ['enterpriseID', 'federatedID'] }),
    guard: Guard.default({ maxRemovals: 50, maxRemovalPercent: 10 }),
    webhooks: Webhooks.default({ maxBodyBytes: 1_000_000 }),
    targets: z
      .array(Target)
      .min(1, { message: 'needs at least one target (an AEM or Campaign instance)' })
      .describe('The AEM and Campaign instances whose group memberships are kept in sync.'),
  })
  .strict()
  .describe('ims-group-sync configuration. Secrets are references (env:NAME, ssm:/path, secretsmanager:<arn>), never values.');
export type SyncConfig = z.infer<typeof SyncConfig>;
export type SyncConfigInput = z.input<typeof SyncConfig>;
