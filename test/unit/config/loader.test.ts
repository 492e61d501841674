import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig, loadConfigFile, parseConfig } from '../../../lib/config/loader.js';
import { ConfigError } from '../../../lib/errors.js';
import { issuesOf, validDocument } from './fixtures.js';

const DEMO_PATH = fileURLToPath(new URL('../../../config/demo.yaml', import.meta.url));
const demoEnv = { IMS_URL: 'http://127.0.0.1:5500', AEM_PROD_URL: 'http://127.0.0.1:5502' };

describe('the demo configuration', () => {
  it('loads, with the environment filling in the simulator ports', () => {
    const config = loadConfigFile(DEMO_PATH, demoEnv);

    expect(config.org.imsTokenUrl).toBe('http://127.0.0.1:5500/ims/token/v3');
    expect(config.org.umapiBaseUrl).toBe('http://127.0.0.1:5500/v2/usermanagement');
    expect(config.targets.map((t) => [t.id, t.baseUrl])).toEqual([
      ['acme-prod-author', 'http://127.0.0.1:5502'],
      ['acme-stage-author', 'http://127.0.0.1:4503'],
      ['acme-campaign', 'http://127.0.0.1:4510'],
    ]);
    expect(config.webhooks.adobeIo?.keyHost).toBe('https://static.adobeioevents.com');
  });

  it('applies the defaults for what it leaves out', () => {
    const config = loadConfigFile(DEMO_PATH, {});

    expect(config.org.scopes).toEqual(['openid', 'AdobeID', 'user_management_sdk']);
    expect(config.org.rateLimit).toEqual({ usersPerMinute: 25, groupsPerMinute: 5, reconcileShare: 0.8 });
    expect(config.webhooks.maxBodyBytes).toBe(1_000_000);
    expect(config.webhooks.generic?.toleranceSeconds).toBe(300);
    const stage = config.targets[1];
    expect(stage?.userIdAttribute).toBe('email');
    expect(stage?.limits).toEqual({ requestsPerSecond: 10, concurrency: 4, timeoutMs: 10_000 });
    expect(stage?.kind === 'aem' ? stage.revocation : undefined).toBe('remove-memberships');
    expect(stage?.kind === 'aem' ? stage.managedGroups[0]?.memberOf : undefined).toEqual(['content-authors']);
  });

  it('applies the top-level defaults when a section is left out', () => {
    const doc = validDocument();

    const config = parseConfig(doc.toString(), {});

    expect(config.identity).toEqual({ allowedTypes: ['enterpriseID', 'federatedID'] });
    expect(config.guard).toEqual({ maxRemovals: 50, maxRemovalPercent: 10 });
    expect(config.targets[1]?.productProfiles).toEqual([]);
  });

  it('keeps 20% of the UMAPI budget for events when only the limits are given, and accepts a share of 1', () => {
    const limitsOnly = validDocument();
    limitsOnly.setIn(['org', 'rateLimit'], limitsOnly.createNode({ usersPerMinute: 100 }));
    const wholeBudget = validDocument();
    wholeBudget.setIn(['org', 'rateLimit'], wholeBudget.createNode({ reconcileShare: 1 }));

    expect(parseConfig(limitsOnly.toString(), {}).org.rateLimit).toEqual({ usersPerMinute: 100, groupsPerMinute: 5, reconcileShare: 0.8 });
    expect(parseConfig(wholeBudget.toString(), {}).org.rateLimit.reconcileShare).toBe(1);
  });
});

describe('interpolation', () => {
  const withBaseUrl = (value: string): string => {
    const doc = validDocument();
    doc.setIn(['targets', 0, 'baseUrl'], value);
    return doc.toString();
  };

  it.each([
    ['${AEM_URL}', { AEM_URL: 'https://a.example.com' }, 'https://a.example.com'],
    ['${AEM_URL:-https://default.example.com}', {}, 'https://default.example.com'],
    ['${AEM_URL:-https://default.example.com}', { AEM_URL: '' }, 'https://default.example.com'],
    ['${AEM_URL:-https://default.example.com}', { AEM_URL: 'https://set.example.com' }, 'https://set.example.com'],
    ['https://${HOST}:${PORT:-4502}/', { HOST: 'aem.example.com' }, 'https://aem.example.com:4502/'],
  ])('%s with %o gives %s', (value, env, expected) => {
    const config = parseConfig(withBaseUrl(value), env);

    expect(config.targets[0]?.baseUrl).toBe(expected);
  });

  it('keeps "$${" as a literal "${"', () => {
    const doc = validDocument();
    doc.setIn(['targets', 0, 'managedGroups', 0, 'name'], 'Group $${not-a-variable}');

    const config = parseConfig(doc.toString(), {});

    expect(config.targets[0]?.kind === 'aem' ? config.targets[0].managedGroups[0]?.name : undefined).toBe('Group ${not-a-variable}');
  });

  it('reads an unquoted interpolated number as a number, and a quoted one as a string', () => {
    const base = validDocument().toString();
    const plain = `${base}guard:\n  maxRemovals: \${MAX_REMOVALS:-7}\n`;
    const quoted = `${base}guard:\n  maxRemovals: "\${MAX_REMOVALS:-7}"\n`;

    expect(parseConfig(plain, {}).guard.maxRemovals).toBe(7);
    expect(parseConfig(plain, { MAX_REMOVALS: '12' }).guard.maxRemovals).toBe(12);
    expect(issuesOf(quoted)).toEqual(['guard.maxRemovals: expected a number, got a string']);
  });

  it('does not read the environment for anything but ${...} references', () => {
    const config = parseConfig(validDocument().toString(), { AEM_PASSWORD: 'hunter2' });

    expect(config.targets[0]?.auth).toEqual({ type: 'basic', username: 'ims-sync-service', password: 'env:AEM_PASSWORD' });
  });
});

describe('reporting', () => {
  it('reports every problem at once, in the order of the file', () => {
    const doc = validDocument();
    doc.setIn(['org', 'clientSecret'], 'inline-secret');
    doc.setIn(['targets', 0, 'baseUrl'], '${AEM_URL}');
    doc.setIn(['targets', 0, 'managedGroups', 0, 'name'], '_org_admin');
    doc.setIn(['targets', 1, 'id'], 'acme-author');
    doc.setIn(['targets', 1, 'associationMask'], 'Campaign - acme - .*');
    doc.setIn(['targets', 1, 'limits'], doc.createNode({ concurency: 2 }));

    const issues = issuesOf(doc.toString());

    expect(issues).toEqual([
      'org.clientSecret: must be a secret reference: "env:NAME", "ssm:/path" or "secretsmanager:<arn>", never the secret itself',
      'targets[0].baseUrl: environment variable AEM_URL is not set — set it, or give a default: "${AEM_URL:-value}"',
      'targets[0].managedGroups[0].name: "_org_admin" is an Admin Console role, not a user group — admin roles are never mapped to target groups; name an IMS user group instead',
      'targets[1].id: "acme-author" is already the id of targets[0] — every target needs its own id (it keys the state, the audit and the work queue)',
      'targets[1].associationMask: needs exactly one capture group, got 0 — e.g. "Campaign - acme - (.*)"',
      'targets[1].limits.concurency: unknown key — did you mean "concurrency"?',
    ]);
  });

  it('puts every issue in the error message, one a line', () => {
    const doc = validDocument();
    doc.setIn(['org', 'id'], 'acme');
    doc.setIn(['targets', 1, 'kind'], 'campaing');

    const error = catchConfigError(() => parseConfig(doc.toString(), {}));

    expect(error.message).toBe(
      [
        'Invalid configuration:',
        '  - org.id: must look like "A495E53A5C1B1FFC0A495E53@AdobeOrg"',
        '  - targets[1].kind: must be one of "aem", "campaign", got "campaing" — did you mean "campaign"?',
      ].join('\n'),
    );
  });

  it('reports only the first of a cascade of syntax errors', () => {
    // `{` and `}` are flow indicators: a ${...} in a flow mapping must be quoted.
    const issues = issuesOf('guard: { maxRemovals: ${MAX:-5}, maxRemovalPercent: 10 }\n');

    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(/^line \d+, column \d+: YAML syntax error — .+ \(fix this first; \d+ more syntax errors? may follow from it\)$/);
  });

  it.each(['', '# only a comment\n'])('says what an empty configuration needs (%j)', (text) => {
    expect(issuesOf(text)).toEqual(['(top level): the configuration is empty — it needs at least "org" and "targets" (see docs/configuration.md)']);
  });

  it('says what the whole document should be when it is not a mapping', () => {
    expect(issuesOf('- org\n- targets\n')).toEqual([
      '(top level): expected a mapping (key: value), got a list (ims-group-sync configuration. Secrets are references (env:NAME, ssm:/path, secretsmanager:<arn>), never values)',
    ]);
  });
});

describe('loadConfig (SYNC_CONFIG)', () => {
  const text = validDocument().toString();

  it('reads a file path with the injected reader', async () => {
    const read: string[] = [];

    const config = await loadConfig('/etc/ims-sync/acme.yaml', {
      env: {},
      readFile: async (path) => {
        read.push(path);
        return text;
      },
    });

    expect(read).toEqual(['/etc/ims-sync/acme.yaml']);
    expect(config.targets).toHaveLength(2);
  });

  it('reads the real file system by default', async () => {
    const config = await loadConfig(DEMO_PATH, { env: {} });

    expect(config).toEqual(parseConfig(readFileSync(DEMO_PATH, 'utf8'), {}));
  });

  it('reads "ssm:<name>" from SSM Parameter Store through the injected lookup', async () => {
    const asked: string[] = [];

    const config = await loadConfig('ssm:/ims-sync/prod/config', {
      env: {},
      ssmGetParameter: async (name) => {
        asked.push(name);
        return text;
      },
    });

    expect(asked).toEqual(['/ims-sync/prod/config']);
    expect(config.org.clientId).toBe('ims-sync');
  });

  it('interpolates a configuration read from SSM with the environment', async () => {
    const doc = validDocument();
    doc.setIn(['targets', 0, 'baseUrl'], '${AEM_URL}');

    const config = await loadConfig('ssm:ims-sync-config', {
      env: { AEM_URL: 'https://aem.example.com' },
      ssmGetParameter: async () => doc.toString(),
    });

    expect(config.targets[0]?.baseUrl).toBe('https://aem.example.com');
  });

  it.each([
    ['ssm:/ims-sync/config', {}, ['ssm:/ims-sync/config: cannot read the configuration — no SSM client was given to the loader']],
    [
      'ssm:/ims-sync/config',
      { ssmGetParameter: () => Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })) },
      ["ssm:/ims-sync/config: cannot read the configuration parameter (AccessDeniedException) — check the name and the function's ssm:GetParameter permission"],
    ],
    [
      '/nowhere/acme.yaml',
      { readFile: () => Promise.reject(Object.assign(new Error('no such file'), { code: 'ENOENT' })) },
      ['/nowhere/acme.yaml: cannot read the configuration file (ENOENT) — check the path given in SYNC_CONFIG'],
    ],
    ['  ', {}, ['SYNC_CONFIG: is empty — set it to a file path (config/acme.yaml) or "ssm:<parameter-name>"']],
  ])('explains why %s cannot be loaded', async (ref, deps, expected) => {
    const error = await loadConfig(ref, { env: {}, ...deps }).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ConfigError);
    expect(error instanceof ConfigError ? error.issues : undefined).toEqual(expected);
  });

  it('names a configuration file that does not exist', () => {
    const error = catchConfigError(() => loadConfigFile('/nowhere/acme.yaml', {}));

    expect(error.issues).toEqual(['/nowhere/acme.yaml: cannot read the configuration file (ENOENT) — check the path given in SYNC_CONFIG']);
  });
});

function catchConfigError(act: () => unknown): ConfigError {
  try {
    act();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}
