/**
 * Rules that span fields, which a per-field schema cannot say. They read the raw (interpolated)
 * document rather than the parsed config, so that they report together with the schema's own
 * problems; a value of the wrong shape is left to the schema and skipped here.
 */
import { compileWholeName, countCaptureGroups } from '../domain/patterns.js';
import { foldName, isAdminRoleGroup } from '../domain/ims.js';
import type { ConfigIssue, ConfigPath } from './issues.js';

const MASK_EXAMPLE = 'e.g. "Campaign - acme - (.*)"';

export function checkCrossFieldRules(input: unknown): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const root = asRecord(input);
  const targets = asArray(root?.targets) ?? [];
  checkUniqueTargetIds(targets, issues);
  targets.forEach((target, index) => {
    const record = asRecord(target);
    if (record === undefined) return;
    const path = ['targets', index];
    if (record.kind === 'campaign') checkAssociationMask(record.associationMask, [...path, 'associationMask'], issues);
    if (record.kind === 'aem') {
      checkProductProfiles(record.productProfiles, [...path, 'productProfiles'], issues);
      checkManagedGroups(asArray(record.managedGroups) ?? [], [...path, 'managedGroups'], issues);
    }
  });
  checkKeyHost(asRecord(asRecord(root?.webhooks)?.adobeIo)?.keyHost, ['webhooks', 'adobeIo', 'keyHost'], issues);
  checkNoCredentialsInUrls(root, targets, issues);
  return issues;
}

/**
 * A user or password in a URL is a secret outside a secret reference: it would be printed with the
 * URL (check-config, every "cannot reach <url>" error and log line). Refused, and never repeated.
 */
function checkNoCredentialsInUrls(root: Record<string, unknown> | undefined, targets: readonly unknown[], issues: ConfigIssue[]): void {
  const org = asRecord(root?.org);
  const urls: [unknown, ConfigPath][] = [
    [org?.imsTokenUrl, ['org', 'imsTokenUrl']],
    [org?.umapiBaseUrl, ['org', 'umapiBaseUrl']],
    [asRecord(asRecord(root?.webhooks)?.adobeIo)?.keyHost, ['webhooks', 'adobeIo', 'keyHost']],
    ...targets.map((target, index): [unknown, ConfigPath] => [asRecord(target)?.baseUrl, ['targets', index, 'baseUrl']]),
  ];
  for (const [value, path] of urls) {
    if (typeof value !== 'string' || !URL.canParse(value)) continue;
    const url = new URL(value);
    if (url.username === '' && url.password === '') continue;
    issues.push({
      path,
      message: 'must not carry a user name or password (the value is not shown) — remove "user:password@"; credentials belong in auth, as a secret reference',
    });
  }
}

function checkUniqueTargetIds(targets: readonly unknown[], issues: ConfigIssue[]): void {
  const firstIndex = new Map<string, number>();
  targets.forEach((target, index) => {
    const id = asRecord(target)?.id;
    if (typeof id !== 'string') return;
    const first = firstIndex.get(id);
    if (first === undefined) {
      firstIndex.set(id, index);
      return;
    }
    issues.push({
      path: ['targets', index, 'id'],
      message: `"${id}" is already the id of targets[${first}] — every target needs its own id (it keys the state, the audit and the work queue)`,
    });
  });
}

function checkAssociationMask(mask: unknown, path: ConfigPath, issues: ConfigIssue[]): void {
  if (typeof mask !== 'string' || mask === '') return;
  const problem = regexProblem(mask);
  if (problem !== undefined) {
    issues.push({ path, message: `is not a valid regular expression (${problem}) — ${MASK_EXAMPLE}` });
    return;
  }
  const groups = countCaptureGroups(mask);
  if (groups !== 1) {
    // The one capture group is the operator group's internal name (contracts/campaign.md §1).
    issues.push({ path, message: `needs exactly one capture group, got ${groups} — ${MASK_EXAMPLE}` });
  }
}

function checkProductProfiles(profiles: unknown, path: ConfigPath, issues: ConfigIssue[]): void {
  if (profiles !== undefined && !Array.isArray(profiles)) return;
  if (profiles !== undefined && profiles.length > 0) return;
  issues.push({
    path,
    message:
      'an AEM target needs at least one product profile — access to an AEM instance is granted by its product profile, e.g. ["AEM Managed Services - acme-prod-author"]',
  });
}

interface ManagedMatcher {
  readonly index: number;
  readonly matches: (groupName: string) => boolean;
}

function checkManagedGroups(groups: readonly unknown[], path: ConfigPath, issues: ConfigIssue[]): void {
  const matchers: ManagedMatcher[] = [];
  groups.forEach((group, index) => {
    const record = asRecord(group);
    if (record === undefined) return;
    const groupPath = [...path, index];
    const { name, pattern } = record;
    if (name !== undefined && pattern !== undefined) {
      issues.push({
        path: groupPath,
        message: 'has both "name" and "pattern" — keep one: "name" for one exact IMS group, "pattern" for a regular expression over group names',
      });
    } else if (name === undefined && pattern === undefined) {
      issues.push({
        path: groupPath,
        message: 'needs "name" (an exact IMS group name) or "pattern" (a regular expression over the whole name), e.g. { name: "AEM-Authors", memberOf: ["content-authors"] }',
      });
    }
    if (typeof name === 'string' && name !== '') {
      if (isAdminRoleGroup(name)) {
        issues.push({
          path: [...groupPath, 'name'],
          message: `"${name}" is an Admin Console role, not a user group — admin roles are never mapped to target groups; name an IMS user group instead`,
        });
      } else {
        matchers.push({ index, matches: (groupName) => foldName(groupName) === foldName(name) });
      }
    }
    if (typeof pattern === 'string' && pattern !== '') {
      const problem = regexProblem(pattern);
      if (problem !== undefined) {
        issues.push({
          path: [...groupPath, 'pattern'],
          message: `is not a valid regular expression (${problem}) — it matches the whole IMS group name, case-insensitively, e.g. "AEM-DAM-.*"`,
        });
      } else {
        const regex = compileWholeName(pattern);
        matchers.push({ index, matches: (groupName) => regex.test(groupName) });
      }
    }
  });
  groups.forEach((group, index) => {
    const memberOf = asArray(asRecord(group)?.memberOf) ?? [];
    memberOf.forEach((parent, parentIndex) => {
      if (typeof parent !== 'string') return;
      const managed = matchers.find((matcher) => matcher.matches(parent));
      if (managed === undefined) return;
      // The sync owns the members of a managed group; nesting one inside another would let it
      // rewrite the members of a group that grants permissions.
      issues.push({
        path: [...path, index, 'memberOf', parentIndex],
        message: `"${parent}" is itself a managed IMS group (managedGroups[${managed.index}]) — memberOf lists AEM-provided groups, e.g. "content-authors"`,
      });
    });
  });
}

function checkKeyHost(keyHost: unknown, path: ConfigPath, issues: ConfigIssue[]): void {
  if (typeof keyHost !== 'string' || !URL.canParse(keyHost)) return;
  const url = new URL(keyHost);
  if (url.protocol !== 'http:' || isLoopback(url.hostname)) return;
  issues.push({
    path,
    message:
      'must be an https URL (the public keys that verify webhook signatures must not travel in clear), e.g. "https://static.adobeioevents.com"; http is accepted only for a loopback address',
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * Why a pattern does not compile, without repeating the pattern (the path already points at it).
 * Compiled alone first: wrapped in `^(?:…)$`, an unbalanced source such as `a)|(b` would compile and
 * escape the anchors.
 */
function regexProblem(source: string): string | undefined {
  try {
    new RegExp(source, 'u');
    compileWholeName(source);
    return undefined;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return message.slice(message.lastIndexOf(': ') + 2);
  }
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function asArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? value : undefined;
}
