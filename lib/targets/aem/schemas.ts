/**
 * AEM's answers, as open zod schemas: Adobe may add fields, so unknown keys are kept and ignored
 * (contracts/aem.md). Only what the adapter relies on is declared; a missing declared field is a
 * ProtocolError naming the call, never a silent default (a missing member list is not an empty one).
 */
import { z } from 'zod';

/** `GET /libs/granite/csrf/token.json` (contracts/aem.md §2). */
export const CsrfAnswer = z.looseObject({ token: z.string().min(1) });

/**
 * One item of `GET /libs/granite/security/search/authorizables.json` (contracts/aem.md §3 documents
 * `authorizableId`, `type`, `home`, `name`). `externalId` [assumed, undocumented]: when an item
 * carries it, it is the authorizable's `rep:externalId` and says IMS or not. When it is absent the
 * answer does not say (a local user and an instance that never sends the field look alike), so the
 * Directory records IMS-ness as unknown and reads `rep:externalId` through QueryBuilder.
 */
export const SearchItem = z.looseObject({
  authorizableId: z.string().min(1),
  type: z.string(),
  home: z.string().min(1),
  name: z.string().optional(),
  externalId: z.string().optional(),
});
export const SearchAnswer = z.looseObject({ authorizables: z.array(SearchItem) });

/** `GET /bin/querybuilder.json` with `p.hits=selective` (contracts/aem.md §3, §6). */
export const QueryHit = z.looseObject({
  'jcr:path': z.string().min(1),
  'rep:authorizableId': z.string().min(1),
  'rep:externalId': z.string().optional(),
  /** Present on a disabled user: its value is the reason given to `User.disable` (./ownership.ts). */
  'rep:disabled': z.string().optional(),
});
export type QueryHit = z.infer<typeof QueryHit>;
export const QueryAnswer = z.looseObject({
  success: z.boolean(),
  total: z.number().int().optional(),
  more: z.boolean().optional(),
  hits: z.array(QueryHit),
});

/**
 * A member list item of `<home>.rw.json` (contracts/aem.md §4). Only `authorizableId` is documented;
 * `type` ("user" | "group") is used when present [assumed], else the adapter finds out otherwise.
 */
export const MemberItem = z.looseObject({ authorizableId: z.string().min(1), type: z.string().optional() });
export type MemberItem = z.infer<typeof MemberItem>;

/** `GET <home>.rw.json?props=declaredMembers,declaredMemberOf,membersTotal&ml=<n>` (contracts/aem.md §4). */
export const GroupAnswer = z.looseObject({
  authorizableId: z.string().min(1),
  declaredMembers: z.array(MemberItem),
  declaredMemberOf: z.array(MemberItem),
  /** -1 when `ml` cut the member list. */
  membersTotal: z.number().int(),
});
export type GroupAnswer = z.infer<typeof GroupAnswer>;

/** `<userHome>.rw.json?props=declaredMemberOf`: the groups one user is a declared member of. */
export const UserAnswer = z.looseObject({
  authorizableId: z.string().min(1),
  declaredMemberOf: z.array(MemberItem),
});
