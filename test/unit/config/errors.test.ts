import { describe, expect, it } from 'vitest';
import type { Document } from 'yaml';
import { issuesOf, validDocument } from './fixtures.js';

interface Case {
  readonly name: string;
  readonly edit: (doc: Document) => void;
  readonly expected: readonly string[];
  readonly env?: Record<string, string>;
}

const cases: readonly Case[] = [
  {
    name: 'duplicate target ids',
    edit: (doc) => doc.setIn(['targets', 1, 'id'], 'acme-author'),
    expected: ['targets[1].id: "acme-author" is already the id of targets[0] — every target needs its own id (it keys the state, the audit and the work queue)'],
  },
  {
    name: 'an association mask without a capture group',
    edit: (doc) => doc.setIn(['targets', 1, 'associationMask'], 'Campaign - acme - .*'),
    expected: ['targets[1].associationMask: needs exactly one capture group, got 0 — e.g. "Campaign - acme - (.*)"'],
  },
  {
    name: 'an association mask with two capture groups',
    edit: (doc) => doc.setIn(['targets', 1, 'associationMask'], 'Campaign - (acme) - (.*)'),
    expected: ['targets[1].associationMask: needs exactly one capture group, got 2 — e.g. "Campaign - acme - (.*)"'],
  },
  {
    name: 'an association mask that does not compile',
    edit: (doc) => doc.setIn(['targets', 1, 'associationMask'], 'Campaign - acme - (.*'),
    expected: ['targets[1].associationMask: is not a valid regular expression (Unterminated group) — e.g. "Campaign - acme - (.*)"'],
  },
  {
    name: 'a managed group with both name and pattern',
    edit: (doc) => doc.setIn(['targets', 0, 'managedGroups', 1, 'name'], 'AEM-DAM-Users'),
    expected: [
      'targets[0].managedGroups[1]: has both "name" and "pattern" — keep one: "name" for one exact IMS group, "pattern" for a regular expression over group names',
    ],
  },
  {
    name: 'a managed group with neither name nor pattern',
    edit: (doc) => doc.deleteIn(['targets', 0, 'managedGroups', 1, 'pattern']),
    expected: [
      'targets[0].managedGroups[1]: needs "name" (an exact IMS group name) or "pattern" (a regular expression over the whole name), e.g. { name: "AEM-Authors", memberOf: ["content-authors"] }',
    ],
  },
  {
    name: 'a managed group pattern that does not compile',
    edit: (doc) => doc.setIn(['targets', 0, 'managedGroups', 1, 'pattern'], 'AEM-DAM-[a-'),
    expected: [
      'targets[0].managedGroups[1].pattern: is not a valid regular expression (Unterminated character class) — it matches the whole IMS group name, case-insensitively, e.g. "AEM-DAM-.*"',
    ],
  },
  {
    name: 'a managed group pattern that only compiles wrapped in anchors',
    edit: (doc) => doc.setIn(['targets', 0, 'managedGroups', 1, 'pattern'], 'AEM-DAM-.*)|(.*'),
    expected: [
      "targets[0].managedGroups[1].pattern: is not a valid regular expression (Unmatched ')') — it matches the whole IMS group name, case-insensitively, e.g. \"AEM-DAM-.*\"",
    ],
  },
  {
    name: 'an admin role as a managed group',
    edit: (doc) => doc.setIn(['targets', 0, 'managedGroups', 0, 'name'], '_admin_AEM'),
    expected: [
      'targets[0].managedGroups[0].name: "_admin_AEM" is an Admin Console role, not a user group — admin roles are never mapped to target groups; name an IMS user group instead',
    ],
  },
  {
    name: 'a managed group (by name, any case) nested in another',
    edit: (doc) => doc.setIn(['targets', 0, 'managedGroups', 1, 'memberOf', 0], 'aem-authors'),
    expected: [
      'targets[0].managedGroups[1].memberOf[0]: "aem-authors" is itself a managed IMS group (managedGroups[0]) — memberOf lists AEM-provided groups, e.g. "content-authors"',
    ],
  },
  {
    name: 'a managed group (by pattern) nested in another',
    edit: (doc) => doc.setIn(['targets', 0, 'managedGroups', 0, 'memberOf', 0], 'AEM-DAM-Editors'),
    expected: [
      'targets[0].managedGroups[0].memberOf[0]: "AEM-DAM-Editors" is itself a managed IMS group (managedGroups[1]) — memberOf lists AEM-provided groups, e.g. "content-authors"',
    ],
  },
  {
    name: 'an AEM target without product profiles',
    edit: (doc) => doc.deleteIn(['targets', 0, 'productProfiles']),
    expected: [
      'targets[0].productProfiles: an AEM target needs at least one product profile — access to an AEM instance is granted by its product profile, e.g. ["AEM Managed Services - acme-prod-author"]',
    ],
  },
  {
    name: 'an AEM target with an empty product profile list',
    edit: (doc) => doc.setIn(['targets', 0, 'productProfiles'], doc.createNode([])),
    expected: [
      'targets[0].productProfiles: an AEM target needs at least one product profile — access to an AEM instance is granted by its product profile, e.g. ["AEM Managed Services - acme-prod-author"]',
    ],
  },
  {
    name: 'personal Adobe IDs allowed',
    edit: (doc) => doc.setIn(['identity'], doc.createNode({ allowedTypes: ['federatedID', 'adobeID'] })),
    expected: [
      'identity.allowedTypes[1]: only "enterpriseID" and "federatedID" may be allowed; personal Adobe IDs ("adobeID") are not supported by AEM or Campaign IMS login, so they can never be granted access',
    ],
  },
  {
    name: 'an inline AEM password',
    edit: (doc) => doc.setIn(['targets', 0, 'auth', 'password'], 'hunter2-inline'),
    expected: ['targets[0].auth.password: must be a secret reference: "env:NAME", "ssm:/path" or "secretsmanager:<arn>", never the secret itself'],
  },
  {
    name: 'an inline IMS client secret',
    edit: (doc) => doc.setIn(['org', 'clientSecret'], 'p8e-hunter2-inline'),
    expected: ['org.clientSecret: must be a secret reference: "env:NAME", "ssm:/path" or "secretsmanager:<arn>", never the secret itself'],
  },
  {
    name: 'an inline webhook secret',
    edit: (doc) => doc.setIn(['webhooks', 'generic', 'secret'], 'whsec_hunter2-inline'),
    expected: ['webhooks.generic.secret: must be a secret reference: "env:NAME", "ssm:/path" or "secretsmanager:<arn>", never the secret itself'],
  },
  {
    name: 'a plain-http key host that is not loopback',
    edit: (doc) => doc.setIn(['webhooks', 'adobeIo', 'keyHost'], 'http://static.adobeioevents.com'),
    expected: [
      'webhooks.adobeIo.keyHost: must be an https URL (the public keys that verify webhook signatures must not travel in clear), e.g. "https://static.adobeioevents.com"; http is accepted only for a loopback address',
    ],
  },
  {
    name: 'a password in a target URL',
    edit: (doc) => doc.setIn(['targets', 0, 'baseUrl'], 'https://svc:hunter2-in-url@author.acme.com'),
    expected: [
      'targets[0].baseUrl: must not carry a user name or password (the value is not shown) — remove "user:password@"; credentials belong in auth, as a secret reference',
    ],
  },
  {
    name: 'a user in the UMAPI URL',
    edit: (doc) => doc.setIn(['org', 'umapiBaseUrl'], 'https://hunter2-user@usermanagement.adobe.io/v2/usermanagement'),
    expected: [
      'org.umapiBaseUrl: must not carry a user name or password (the value is not shown) — remove "user:password@"; credentials belong in auth, as a secret reference',
    ],
  },
  {
    name: 'a misspelt key with a close match',
    edit: (doc) => {
      doc.setIn(['targets', 0, 'managedGroup'], doc.getIn(['targets', 0, 'managedGroups']));
      doc.deleteIn(['targets', 0, 'managedGroups']);
    },
    expected: ['targets[0].managedGroup: unknown key — did you mean "managedGroups"?'],
  },
  {
    name: 'an unknown key with no close match',
    edit: (doc) => doc.setIn(['targets', 0, 'limits'], doc.createNode({ burst: 5 })),
    expected: ['targets[0].limits.burst: unknown key — allowed keys: requestsPerSecond, concurrency, timeoutMs'],
  },
  {
    name: 'a missing environment variable',
    edit: (doc) => doc.setIn(['targets', 0, 'baseUrl'], '${AEM_URL}/'),
    expected: ['targets[0].baseUrl: environment variable AEM_URL is not set — set it, or give a default: "${AEM_URL:-value}"'],
  },
  {
    name: 'a "${" that is not a reference',
    edit: (doc) => doc.setIn(['targets', 0, 'baseUrl'], 'https://${aem host}'),
    expected: [
      'targets[0].baseUrl: has a "${" that is not a reference — write "${NAME}" or "${NAME:-default}" (NAME: letters, digits, _), or "$${" for a literal "${"',
    ],
  },
  {
    name: 'an unknown target kind',
    edit: (doc) => doc.setIn(['targets', 0, 'kind'], 'aen'),
    expected: ['targets[0].kind: must be one of "aem", "campaign", got "aen" — did you mean "aem"?'],
  },
  {
    name: 'an auth type the target kind does not take',
    edit: (doc) => doc.setIn(['targets', 1, 'auth', 'type'], 'basic'),
    expected: ['targets[1].auth.type: must be one of "session", "bearer", got "basic"'],
  },
  {
    name: 'a required key left out',
    edit: (doc) => doc.deleteIn(['org', 'clientId']),
    expected: ['org.clientId: required — a string (The client id of the OAuth server-to-server credential that reads UMAPI)'],
  },
  {
    name: 'a value of the wrong type',
    edit: (doc) => doc.setIn(['guard'], doc.createNode({ maxRemovals: 'fifty' })),
    expected: ['guard.maxRemovals: expected a number, got a string'],
  },
  {
    name: 'a generic webhook tolerance above 5 minutes (contract io-events.md §6)',
    edit: (doc) => doc.setIn(['webhooks', 'generic', 'toleranceSeconds'], 301),
    expected: ['webhooks.generic.toleranceSeconds: must be at most 300'],
  },
  ...[0, -0.2, 1.01, 'most'].map((share) => ({
    name: `a reconciliation share of ${JSON.stringify(share)} (0 < share ≤ 1)`,
    edit: (doc: Document) => doc.setIn(['org', 'rateLimit'], doc.createNode({ reconcileShare: share })),
    expected: [
      "org.rateLimit.reconcileShare: must be a number greater than 0 and at most 1 — the share of each minute's UMAPI budget a reconciliation may use, e.g. 0.8 keeps 20% for event work",
    ],
  })),
  {
    name: 'a number out of range',
    edit: (doc) => doc.setIn(['targets', 0, 'limits'], doc.createNode({ concurrency: 0 })),
    expected: ['targets[0].limits.concurrency: must be at least 1'],
  },
  {
    name: 'a value outside an enumeration',
    edit: (doc) => doc.setIn(['targets', 0, 'revocation'], 'remove-membership'),
    expected: ['targets[0].revocation: must be one of "remove-memberships", "disable-user", got "remove-membership" — did you mean "remove-memberships"?'],
  },
  {
    name: 'no targets',
    edit: (doc) => doc.setIn(['targets'], doc.createNode([])),
    expected: ['targets: needs at least one target (an AEM or Campaign instance)'],
  },
];

describe('configuration error messages', () => {
  it.each(cases)('$name', ({ edit, expected, env }) => {
    const doc = validDocument();
    edit(doc);

    const issues = issuesOf(doc.toString(), env);

    expect(issues).toEqual(expected);
  });

  it('accepts the unedited configuration (so each case above fails for its own edit only)', () => {
    expect(() => issuesOf(validDocument().toString())).toThrow('expected a ConfigError');
  });

  it.each(['hunter2-inline', 'p8e-hunter2-inline'])('never echoes an inline secret (%s)', (secret) => {
    const doc = validDocument();
    doc.setIn(['org', 'clientSecret'], secret);
    doc.setIn(['targets', 0, 'auth', 'password'], secret);

    const issues = issuesOf(doc.toString());

    expect(issues).toHaveLength(2);
    expect(issues.join('\n')).not.toContain(secret);
  });

  it.each(['http://127.0.0.1:4600', 'http://localhost:4600', 'http://[::1]:4600', 'https://keys.example.com'])(
    'accepts the key host %s (https, or http on loopback for tests)',
    (keyHost) => {
      const doc = validDocument();
      doc.setIn(['webhooks', 'adobeIo', 'keyHost'], keyHost);

      expect(() => issuesOf(doc.toString())).toThrow('expected a ConfigError');
    },
  );

  it('names the line and column of a YAML syntax error, without quoting the line', () => {
    const text = 'org:\n  id: x\n  clientSecret: hunter2: x\ntargets: []\n';

    const issues = issuesOf(text, {}, 'config/acme.yaml');

    expect(issues).toEqual([
      'config/acme.yaml line 3, column 17: YAML syntax error — Nested mappings are not allowed in compact mappings',
    ]);
    expect(issues.join('\n')).not.toContain('hunter2');
  });

  it('reports a duplicate key as a syntax error with its position', () => {
    const issues = issuesOf('org: {}\ntargets: []\norg: {}\n');

    expect(issues).toEqual(['line 3, column 1: YAML syntax error — Map keys must be unique']);
  });
});
