/**
 * The IMS model, as UMAPI returns it. Open schemas: Adobe adds fields, so unknown keys are ignored
 * (contracts/ims-and-umapi.md §2, §3.5). Only the fields the sync relies on are declared.
 */
import { z } from 'zod';

export const UmapiUser = z.looseObject({
  id: z.string().min(1),
  email: z.string().min(1),
  username: z.string().optional(),
  domain: z.string().optional(),
  firstname: z.string().optional(),
  lastname: z.string().optional(),
  /** adobeID | enterpriseID | federatedID | unknown; anything else is read as unknown. */
  type: z.string().default('unknown'),
  /** active | disabled | locked | removed */
  status: z.string().default('active'),
  /** Fields with no value are left out: a user in no group has no `groups` key. */
  groups: z.array(z.string()).default([]),
});
export type ImsUser = z.infer<typeof UmapiUser>;

export const UmapiGroup = z.looseObject({
  groupId: z.number().optional(),
  groupName: z.string().min(1),
  type: z.string(),
  memberCount: z.number().optional(),
  adminGroupName: z.string().optional(),
  productName: z.string().optional(),
});
export type ImsGroup = z.infer<typeof UmapiGroup>;

/** Admin-role entries in a user's `groups` start with `_` (`_admin_X`, `_org_admin`...): never mapped to target groups. */
export const isAdminRoleGroup = (name: string): boolean => name.startsWith('_');

/** Names (emails, groups, profiles) compare case-insensitively in IMS. */
export const foldName = (name: string): string => name.toLowerCase();
