/**
 * The bodies UMAPI answers (contracts/ims-and-umapi.md §3), as open schemas: Adobe may add fields.
 * A body that does not fit raises ProtocolError naming the call and the field.
 */
import { z } from 'zod';
import { UmapiGroup, UmapiUser } from '../domain/ims.js';
import { ProtocolError } from '../errors.js';
import type { UmapiAnswer } from './umapi-request.js';

/** §3.1 and §3.3; an empty page may leave `users` out, as UMAPI leaves out every empty field. */
export const UsersPage = z.looseObject({
  lastPage: z.boolean(),
  result: z.literal('success'),
  users: z.array(UmapiUser).default([]),
});

/** §3.4 */
export const GroupsPage = z.looseObject({
  lastPage: z.boolean(),
  result: z.literal('success'),
  groups: z.array(UmapiGroup).default([]),
});

/** §3.2 */
export const OneUser = z.looseObject({
  result: z.literal('success'),
  user: UmapiUser,
});

/** The `result` of a 404: `error.user.not_found` or `error.group.not_found`. */
export const ErrorResult = z.looseObject({ result: z.string() });

export function parseBody<T>(schema: z.ZodType<T>, answer: UmapiAnswer, call: string): T {
  let json: unknown;
  try {
    json = JSON.parse(answer.body);
  } catch {
    throw new ProtocolError('umapi', `umapi ${call} (request ${answer.requestId}): HTTP ${answer.status} body is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(body)';
  throw new ProtocolError('umapi', `umapi ${call} (request ${answer.requestId}): field "${field}": ${issue?.message ?? 'invalid'}`);
}

/** Whether a 404 is UMAPI's own "not found" answer, not some proxy's page. */
export function isNotFound(answer: UmapiAnswer, result: 'error.user.not_found' | 'error.group.not_found'): boolean {
  try {
    const parsed = ErrorResult.safeParse(JSON.parse(answer.body));
    return parsed.success && parsed.data.result === result;
  } catch {
    return false;
  }
}
