/**
 * A configuration problem before it becomes a line of `ConfigError.issues`: where (a path into the
 * YAML document) and what (what was expected and how to fix it). Paths print in YAML notation,
 * `targets[1].auth.password`, so a customer can find the key in the file.
 */
import { ConfigError } from '../errors.js';

export type ConfigPath = readonly (string | number)[];

export interface ConfigIssue {
  readonly path: ConfigPath;
  readonly message: string;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** `['targets', 1, 'auth', 'password']` → `targets[1].auth.password`; the whole document is `(top level)`. */
export function formatPath(path: ConfigPath): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text === '' ? '(top level)' : text;
}

export function formatIssue(issue: ConfigIssue): string {
  return `${formatPath(issue.path)}: ${issue.message}`;
}

export function samePath(a: ConfigPath, b: ConfigPath): boolean {
  return a.length === b.length && a.every((segment, i) => segment === b[i]);
}

/** One error carrying every problem, each printed once, in the order given. */
export function toConfigError(issues: readonly ConfigIssue[]): ConfigError {
  const lines = issues.map(formatIssue);
  return new ConfigError([...new Set(lines)]);
}
