/**
 * Reading a vendor event field by field: what has the declared type is kept, what has not is set
 * aside and reported, so one unreadable field never costs the rest of the event (issue 12 §3: Adobe
 * drops a delivery answered 4xx for good, so "refuse the whole event" loses the readable parts).
 */
import type { z } from 'zod';
import { describeIssue } from './issues.js';

export interface UnreadableField {
  readonly path: readonly PropertyKey[];
  readonly problem: string;
}

/** Each pass removes every field zod reported; nested fields can only surface after their parent passed. */
const MAX_PASSES = 4;

/**
 * `schema` must be an open object schema whose every field is optional (an event read leniently):
 * removing a field that fails then always leaves a value that can pass. Undefined when the root
 * itself is not readable.
 */
export function parseLeniently<T>(schema: z.ZodType<T>, value: object): { data: T; unreadable: UnreadableField[] } | undefined {
  const unreadable: UnreadableField[] = [];
  let current: unknown = value;
  for (let pass = 0; pass < MAX_PASSES; pass += 1) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return { data: parsed.data, unreadable };
    for (const issue of parsed.error.issues) {
      if (issue.path.length === 0) return undefined;
      unreadable.push(describeIssue(issue, current));
      current = withoutField(current, issue.path);
    }
  }
  return undefined;
}

/** A copy of `root` without the field at `path`; only the objects along the path are copied. */
function withoutField(root: unknown, path: readonly PropertyKey[]): unknown {
  const [head, ...rest] = path;
  if (head === undefined || root === null || typeof root !== 'object') return root;
  const copy: Record<PropertyKey, unknown> = { ...(root as Record<PropertyKey, unknown>) };
  if (rest.length === 0) delete copy[head];
  else copy[head] = withoutField(copy[head], rest);
  return copy;
}
