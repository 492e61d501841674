/**
 * `${NAME}` and `${NAME:-default}` inside string values, read from the environment, so that one file
 * can serve several environments (the local stack points targets at its simulators' ports this way).
 *
 * Rules, like a POSIX shell's: `${NAME:-default}` uses the default when NAME is unset or empty;
 * `${NAME}` with NAME unset is an error naming the YAML path and the variable; `$${` is a literal `${`.
 * Only values are interpolated, never keys. An unquoted value that becomes a number or `true`/`false`
 * after interpolation is read as one (`maxRemovals: ${MAX_REMOVALS:-50}`); quote it to keep a string.
 */
import { isMap, isPair, isScalar, isSeq, type Document } from 'yaml';
import type { ConfigIssue, ConfigPath } from './issues.js';

export type Env = Readonly<Record<string, string | undefined>>;

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\{/g;
const YAML_NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Replace references in every string value of `doc`, in place; returns the problems found. */
export function interpolateDocument(doc: Document, env: Env): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  visit(doc.contents, [], env, issues);
  return issues;
}

/** Interpolate one string; `undefined` when a reference could not be resolved (the issues say why). */
export function interpolateString(text: string, path: ConfigPath, env: Env, issues: ConfigIssue[]): string | undefined {
  let failed = false;
  const result = text.replace(REFERENCE, (match: string, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    if (name === undefined) {
      failed = true;
      issues.push({
        path,
        message: 'has a "${" that is not a reference — write "${NAME}" or "${NAME:-default}" (NAME: letters, digits, _), or "$${" for a literal "${"',
      });
      return match;
    }
    const value = env[name];
    if (fallback !== undefined) return value === undefined || value === '' ? fallback : value;
    if (value === undefined) {
      failed = true;
      issues.push({
        path,
        message: `environment variable ${name} is not set — set it, or give a default: "\${${name}:-value}"`,
      });
      return match;
    }
    return value;
  });
  return failed ? undefined : result;
}

function visit(node: unknown, path: ConfigPath, env: Env, issues: ConfigIssue[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      visit(pair.value, [...path, key], env, issues);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => visit(item, [...path, index], env, issues));
  } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
    const interpolated = interpolateString(node.value, path, env, issues);
    if (interpolated === undefined) return;
    node.value = node.type === 'PLAIN' ? retype(interpolated) : interpolated;
  }
}

/** Read an unquoted interpolated value as YAML would have read it written literally (numbers, booleans). */
function retype(text: string): string | number | boolean {
  if (YAML_NUMBER.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
}
