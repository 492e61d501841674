/**
 * The configuration a customer writes (YAML), as a closed zod schema.
 *
 * Closed (`.strict()`) so that a typo in a key is an error, not a silently ignored setting.
 * Every field that holds a secret takes a *reference* (`env:NAME`, `ssm:/path`,
 * `secretsmanager:<arn>`), never the secret itself: see `secrets.ts`.
 */
import { z } from 'zod';

/** `env:NAME`, `ssm:/path/to/param` or `secretsmanager:<arn or name>`. */
export const SECRET_REF_PATTERN = /^(env:[A-Za-z_][A-Za-z0-9_]*|ssm:\/[\w./-]+|secretsmanager:[\w:/+=.@-]+)$/;
export const SecretRef = z
  .string()
  .regex(SECRET_REF_PATTERN, {
    message: 'must be a secret reference: "env:NAME", "ssm:/path" or "secretsmanager:<arn>", never the secret itself',
  })
  .describe('A secret reference: env:NAME, ssm:/path or secretsmanager:<arn>. Resolved once per cold start, never logged.');

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
    requestsPerSecond: z.number().positive().max(1000).default(10),
    concurrency: z.number().int().min(1).max(64).default(4),
    timeoutMs: z.number().int().min(100).max(120_000).default(10_000),
  })
  .strict();
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

const BasicAuth = z.object({ type: z.literal('basic'), username: z.string().min(1), password: SecretRef }).strict();
const BearerAuth = z.object({ type: z.literal('bearer'), token: SecretRef }).strict();
const SessionAuth = z.object({ type: z.literal('session'), login: z.string().min(1), password: SecretRef }).strict();

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
    .regex(/^[a-z0-9][a-z0-9-]{1,62}$/, { message: 'must be lower-case letters, digits and dashes, 2-63 long, e.g. "acme-prod-author"' }),
  baseUrl: httpUrl,
  productProfiles: z
    .array(z.string().min(1))
    .default([])
    .describe('Product profiles that grant access to this instance (read with directOnly=false, so through user groups too).'),
  userIdAttribute: UserIdAttribute.default('email'),
  limits: Limits.default({ requestsPerSecond: 10, concurrency: 4, timeoutMs: 10_000 }),
  guard: Guard.optional().describe('Overrides the global guard for this target.'),
};

export const AemTarget = z
  .object({
    ...TargetCommon,
    kind: z.literal('aem'),
    auth: z.discriminatedUnion('type', [BasicAuth, BearerAuth]),
    managedGroups: z.array(ManagedGroup).min(1, { message: 'needs at least one managed group, e.g. [{ name: "AEM-Authors", memberOf: ["content-authors"] }]' }),
    revocation: z.enum(['remove-memberships', 'disable-user']).default('remove-memberships'),
  })
  .strict();
export type AemTarget = z.infer<typeof AemTarget>;

export const CampaignTarget = z
  .object({
    ...TargetCommon,
    kind: z.literal('campaign'),
    auth: z.discriminatedUnion('type', [SessionAuth, BearerAuth]),
    associationMask: z.string().min(1).describe('Regex with exactly one capture group, e.g. "Campaign - acme-prod - (.*)".'),
    revocation: z.enum(['remove-memberships']).default('remove-memberships'),
  })
  .strict();
export type CampaignTarget = z.infer<typeof CampaignTarget>;

export const Target = z.discriminatedUnion('kind', [AemTarget, CampaignTarget]);
export type Target = z.infer<typeof Target>;

export const Org = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9]+@AdobeOrg$/, { message: 'must look like "A495E53A5C1B1FFC0A495E53@AdobeOrg"' }),
    imsTokenUrl: httpUrl.default('https://ims-na1.adobelogin.com/ims/token/v3'),
    umapiBaseUrl: httpUrl.default('https://usermanagement.adobe.io/v2/usermanagement'),
    clientId: z.string().min(1),
    clientSecret: SecretRef,
    scopes: z.array(z.string().min(1)).default(['openid', 'AdobeID', 'user_management_sdk']),
    rateLimit: z
      .object({
        usersPerMinute: z.number().int().min(1).max(100).default(25),
        groupsPerMinute: z.number().int().min(1).max(100).default(5),
      })
      .strict()
      .default({ usersPerMinute: 25, groupsPerMinute: 5 })
      .describe("UMAPI's published per-client limits; the shared limiter keeps every Lambda within them."),
  })
  .strict();
export type Org = z.infer<typeof Org>;

export const Identity = z
  .object({
    allowedTypes: z.array(AllowedIdentityType).min(1).default(['enterpriseID', 'federatedID']),
  })
  .strict();

export const Webhooks = z
  .object({
    adobeIo: z
      .object({
        clientId: z.string().min(1).describe('The I/O Events recipient client id of this integration.'),
        keyHost: httpUrl.default('https://static.adobeioevents.com'),
      })
      .strict()
      .optional(),
    generic: z
      .object({
        secret: SecretRef,
        toleranceSeconds: z.number().int().min(1).max(3600).default(300),
      })
      .strict()
      .optional(),
    maxBodyBytes: z.number().int().min(1024).max(6_000_000).default(1_000_000),
  })
  .strict();

export const SyncConfig = z
  .object({
    org: Org,
    identity: Identity.default({ allowedTypes: ['enterpriseID', 'federatedID'] }),
    guard: Guard.default({ maxRemovals: 50, maxRemovalPercent: 10 }),
    webhooks: Webhooks.default({ maxBodyBytes: 1_000_000 }),
    targets: z.array(Target).min(1, { message: 'needs at least one target (an AEM or Campaign instance)' }),
  })
  .strict();
export type SyncConfig = z.infer<typeof SyncConfig>;
export type SyncConfigInput = z.input<typeof SyncConfig>;
