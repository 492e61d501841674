/** Field paths in error messages, written the way a sender would reach the field: `[3].user.email`. */
import type { z } from 'zod';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** The value at `path` inside `root`, or undefined when any step is missing. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** Where one issue of a vendor (open) schema is, and a short description of what is wrong there. */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown): { path: readonly PropertyKey[]; problem: string } {
  if (issue.code === 'invalid_type') {
    const got = valueAt(root, issue.path);
    return { path: issue.path, problem: got === undefined ? `missing; expected ${issue.expected}` : `expected ${issue.expected}, got ${typeOf(got)}` };
  }
  return { path: issue.path, problem: issue.message };
}

export function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Parse JSON from bytes, or undefined when the bytes are not JSON. */
export function parseJson(rawBody: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(rawBody.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}
