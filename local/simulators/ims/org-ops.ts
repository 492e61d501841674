/**
 * Changing the simulated org over HTTP, for curl in demos:
 *   curl -X POST $IMS_URL/__ims/org -d '{"op":"addUserToGroup","email":"li@acme.com","group":"AEM-DAM-Users"}'
 */
import { z } from 'zod';
import type { SimResponse } from '../http-sim.js';
import type { OrgChanges } from './org.js';

const IdentityType = z.enum(['adobeID', 'enterpriseID', 'federatedID', 'unknown']);

const FixtureUserInput = z
  .object({
    id: z.string().min(1),
    email: z.string().min(1),
    username: z.string().optional(),
    type: IdentityType,
    status: z.enum(['active', 'disabled', 'locked', 'removed']).optional(),
    firstname: z.string().optional(),
    lastname: z.string().optional(),
    groups: z.array(z.string()).default([]),
  })
  .strict();

export const OrgOp = z.discriminatedUnion('op', [
  z.object({ op: z.literal('addUserToGroup'), email: z.string().min(1), group: z.string().min(1) }).strict(),
  z.object({ op: z.literal('removeUserFromGroup'), email: z.string().min(1), group: z.string().min(1) }).strict(),
  z.object({ op: z.literal('removeUser'), email: z.string().min(1) }).strict(),
  z.object({ op: z.literal('addUser'), user: FixtureUserInput }).strict(),
  z.object({ op: z.literal('setUserType'), email: z.string().min(1), type: IdentityType }).strict(),
  z.object({ op: z.literal('setGroupProfiles'), group: z.string().min(1), profiles: z.array(z.string().min(1)) }).strict(),
  z
    .object({
      op: z.literal('addGroup'),
      group: z
        .object({
          name: z.string().min(1),
          type: z.enum(['USER_GROUP', 'PRODUCT_PROFILE']),
          profiles: z.array(z.string()).optional(),
          productName: z.string().optional(),
        })
        .strict(),
    })
    .strict(),
  z.object({ op: z.literal('expireTokens') }).strict(),
]);
export type OrgOp = z.infer<typeof OrgOp>;

/** The org as changed from code (tests, demos); the same operations as over HTTP. */
export interface ImsOrgControl extends OrgChanges {
  /** Every token minted so far is refused from now on (401), as after expiry. */
  expireTokens(): void;
}

const json = (status: number, value: unknown): SimResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

export function applyOrgOp(control: ImsOrgControl, body: string): SimResponse {
  let input: unknown;
  try {
    input = JSON.parse(body || '{}');
  } catch {
    return json(400, { error: 'body must be JSON, e.g. {"op":"addUserToGroup","email":"li@acme.com","group":"AEM-Authors"}' });
  }
  const parsed = OrgOp.safeParse(input);
  if (!parsed.success) {
    return json(400, { error: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ') });
  }
  const op = parsed.data;
  try {
    switch (op.op) {
      case 'addUserToGroup':
        control.addUserToGroup(op.email, op.group);
        break;
      case 'removeUserFromGroup':
        control.removeUserFromGroup(op.email, op.group);
        break;
      case 'removeUser':
        control.removeUser(op.email);
        break;
      case 'addUser':
        control.addUser(op.user);
        break;
      case 'setUserType':
        control.setUserType(op.email, op.type);
        break;
      case 'setGroupProfiles':
        control.setGroupProfiles(op.group, op.profiles);
        break;
      case 'addGroup':
        control.addGroup(op.group);
        break;
      case 'expireTokens':
        control.expireTokens();
        break;
    }
  } catch (error) {
    return json(400, { error: error instanceof Error ? error.message : String(error) });
  }
  return json(200, { ok: true, op: op.op });
}
