/**
 * Property-based fuzzing (fast-check, fixed seed) of the configuration loader: any text, and the
 * valid configuration with fields replaced by anything or removed, either loads or is refused with a
 * ConfigError whose every issue names where it is — never another exception.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../lib/config/loader.js';
import { SyncConfig } from '../../../lib/config/schema.js';
import { ConfigError } from '../../../lib/errors.js';
import { validDocument } from '../config/fixtures.js';

const SEED = 20261204;
const ENV = { IMS_CLIENT_SECRET: 'x', AEM_PASSWORD: 'y' };

/** Loads, or throws a ConfigError with readable issues; anything else fails the property. */
function loadsOrExplains(text: string): 'loaded' | 'refused' {
  try {
    const config = parseConfig(text, ENV, 'fuzz.yaml');
    expect(SyncConfig.safeParse(config).success).toBe(true);
    return 'loaded';
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    expect(error.issues.length).toBeGreaterThan(0);
    for (const issue of error.issues) {
      expect(issue.trim().length).toBeGreaterThan(5);
      expect(issue).not.toMatch(/\n\s+at |TypeError|RangeError|\[object Object\]/);
    }
    return 'refused';
  }
}

const PATHS: readonly (readonly (string | number)[])[] = [
  ['org'], ['org', 'id'], ['org', 'clientId'], ['org', 'clientSecret'], ['org', 'rateLimit'], ['org', 'rateLimit', 'usersPerMinute'],
  ['webhooks'], ['webhooks', 'adobeIo'], ['webhooks', 'adobeIo', 'keyHost'], ['webhooks', 'generic', 'secret'], ['webhooks', 'maxBodyBytes'],
  ['targets'], ['targets', 0], ['targets', 0, 'id'], ['targets', 0, 'kind'], ['targets', 0, 'baseUrl'], ['targets', 0, 'auth'], ['targets', 0, 'auth', 'type'],
  ['targets', 0, 'managedGroups'], ['targets', 0, 'managedGroups', 0, 'pattern'], ['targets', 0, 'managedGroups', 1, 'pattern'], ['targets', 0, 'limits'],
  ['targets', 1, 'associationMask'], ['targets', 1, 'id'], ['targets', 2], ['guard'], ['guard', 'maxRemovals'], ['identity', 'allowedTypes'], ['typo'],
];

const value = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('${MISSING}', '${IMS_CLIENT_SECRET}', 'env:', 'ssm:/../x', '(.*)(.*)', '[', '*', 'http://', 'https://x/../y', '\u202e', 'A495E53A5C1B1FFC0A495E53@AdobeOrg', -1, 1e308, 'acme-author'),
);
const edit = fc.oneof(
  fc.record({ path: fc.constantFrom(...PATHS), value }),
  fc.record({ path: fc.constantFrom(...PATHS), remove: fc.constant(true as const) }),
);

describe('the configuration loader, fuzzed', () => {
  it('loads or explains any text', () => {
    const text = fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: 'binary', maxLength: 200 }), fc.json().map((j) => j), fc.constantFrom('', '---', '- a\n- b', 'org: [', '&a [*a]', '!!js/function "x"', 'a: &a\n  b: *a\n'));
    fc.assert(
      fc.property(text, (t) => {
        loadsOrExplains(t);
      }),
      { seed: SEED, numRuns: 200 },
    );
  }, 20_000);

  it('loads or explains the valid configuration with fields replaced by anything or removed', () => {
    const outcomes = { loaded: 0, refused: 0 };
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const doc = validDocument();
        for (const e of edits) {
          try {
            if ('remove' in e) doc.deleteIn(e.path);
            else doc.setIn(e.path, e.value);
          } catch {
            // yaml refuses to set a path through a scalar: that edit is simply not made.
          }
        }
        outcomes[loadsOrExplains(doc.toString())] += 1;
      }),
      { seed: SEED, numRuns: 150 },
    );
    // Both sides are exercised: some edits keep the configuration valid, most do not.
    expect(outcomes.loaded).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  }, 20_000);
});
