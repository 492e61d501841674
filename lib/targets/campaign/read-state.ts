/**
 * Reading what a Campaign instance holds for the managed groups (contract campaign.md §4, §6), in
 * as few calls as the paging allows:
 * 1. which managed groups exist: one `xtk:group` select (a group absent there is `missing`);
 * 2. their memberships: one paged `xtk:operatorGroup` select per chunk of group names (and, for a
 *    user-centric read, of user keys); a failed chunk makes its groups `unknown`, never empty;
 * 3. identities: reconciliation reads every IMS operator (`authenticationType = 'ims'`) in one paged
 *    `xtk:operator` select, and any member that is not among them is, by elimination, a local
 *    operator (it exists: it is a member). A user-centric read asks for just those operators with
 *    their authentication type. A failed identity read throws.
 */
import { foldName } from '../../domain/ims.js';
import type { GroupState, IdentityKind, TargetActual } from '../../domain/state.js';
import type { ReadScope } from '../port.js';
import { chunk, equalsCondition, hasControlCharacter, inCondition, selectAll, type SoapCall } from './query.js';
import {
  AUTHENTICATION_TYPE,
  GROUP,
  ID,
  IMS_AUTHENTICATION,
  MEMBER_GROUP_NAME,
  MEMBER_OPERATOR_NAME,
  MEMBERSHIP_ORDER,
  NAME,
  OPERATOR,
  OPERATOR_GROUP,
  lower,
  optionalValue,
  rowValues,
} from './schema.js';

export interface ReadTuning {
  readonly lineCount: number;
  readonly namesPerCondition: number;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Existing groups among `folded`, by folded name → name as Campaign spells it. */
async function existingGroups(call: SoapCall, folded: readonly string[], tuning: ReadTuning): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const pages = await Promise.all(
    chunk(folded, tuning.namesPerCondition).map((names) =>
      selectAll(call, { schema: GROUP, select: [NAME], where: [inCondition(lower(NAME), names)], orderBy: [ID] }, tuning.lineCount),
    ),
  );
  for (const row of pages.flat()) {
    const { name } = rowValues(row, GROUP, { name: NAME });
    found.set(foldName(name), name);
  }
  return found;
}

/** Members (folded operator names) of each folded group of one chunk. */
async function membersOf(
  call: SoapCall,
  groups: readonly string[],
  users: readonly string[] | undefined,
  tuning: ReadTuning,
): Promise<Map<string, Set<string>>> {
  const userChunks = users === undefined ? [undefined] : chunk(users, tuning.namesPerCondition);
  const members = new Map<string, Set<string>>(groups.map((g) => [g, new Set<string>()]));
  const pages = await Promise.all(
    userChunks.map((userChunk) =>
      selectAll(
        call,
        {
          schema: OPERATOR_GROUP,
          select: [MEMBER_OPERATOR_NAME, MEMBER_GROUP_NAME],
          where: [
            inCondition(lower(MEMBER_GROUP_NAME), groups),
            ...(userChunk ? [inCondition(lower(MEMBER_OPERATOR_NAME), userChunk)] : []),
          ],
          orderBy: MEMBERSHIP_ORDER,
        },
        tuning.lineCount,
      ),
    ),
  );
  for (const row of pages.flat()) {
    const { operator, group } = rowValues(row, OPERATOR_GROUP, { operator: MEMBER_OPERATOR_NAME, group: MEMBER_GROUP_NAME });
    members.get(foldName(group))?.add(foldName(operator));
  }
  return members;
}

async function imsOperators(call: SoapCall, tuning: ReadTuning): Promise<Set<string>> {
  const rows = await selectAll(
    call,
    { schema: OPERATOR, select: [NAME], where: [equalsCondition(AUTHENTICATION_TYPE, IMS_AUTHENTICATION)], orderBy: [ID] },
    tuning.lineCount,
  );
  return new Set(rows.map((row) => foldName(rowValues(row, OPERATOR, { name: NAME }).name)));
}

async function operatorKinds(call: SoapCall, users: readonly string[], tuning: ReadTuning): Promise<Map<string, IdentityKind>> {
  const kinds = new Map<string, IdentityKind>();
  const pages = await Promise.all(
    chunk(users, tuning.namesPerCondition).map((names) =>
      selectAll(
        call,
        { schema: OPERATOR, select: [NAME, AUTHENTICATION_TYPE], where: [inCondition(lower(NAME), names)], orderBy: [ID] },
        tuning.lineCount,
      ),
    ),
  );
  for (const row of pages.flat()) {
    const { name } = rowValues(row, OPERATOR, { name: NAME });
    const ims = optionalValue(row, AUTHENTICATION_TYPE)?.toLowerCase() === IMS_AUTHENTICATION;
    kinds.set(foldName(name), ims ? 'ims' : 'local');
  }
  return kinds;
}

export async function readCampaignState(call: SoapCall, targetId: string, scope: ReadScope, tuning: ReadTuning): Promise<TargetActual> {
  const requested = [...new Set(scope.groups.map(foldName))];
  // A name no query can carry is not guessed at: its state is unknown, the other groups are read.
  const groups = requested.filter((g) => !hasControlCharacter(g));
  const users = scope.users === undefined ? undefined : [...new Set(scope.users.map(foldName))];
  const noOne = users !== undefined && users.length === 0;

  const existence = groups.length === 0 ? Promise.resolve(new Map<string, string>()) : existingGroups(call, groups, tuning);
  const memberChunks = noOne ? [] : chunk(groups, tuning.namesPerCondition);
  const memberships = memberChunks.map((names) => membersOf(call, names, users, tuning));
  const identities: Promise<Map<string, IdentityKind>> = noOne
    ? Promise.resolve(new Map())
    : users !== undefined
      ? operatorKinds(call, users, tuning)
      : imsOperators(call, tuning).then((ims) => new Map([...ims].map((name) => [name, 'ims' as const])));

  const [existenceResult, identityResult, ...memberResults] = await Promise.allSettled([existence, identities, ...memberships]);
  // A failed identity read throws (port contract): the plan cannot tell IMS from local operators.
  if (identityResult.status === 'rejected') throw identityResult.reason;

  const kinds = new Map(identityResult.value);
  const states = new Map<string, GroupState>();
  const membersByGroup = new Map<string, Set<string> | { failed: string }>();
  memberResults.forEach((result, index) => {
    for (const group of memberChunks[index] ?? []) {
      membersByGroup.set(group, result.status === 'fulfilled' ? (result.value.get(group) ?? new Set()) : { failed: describe(result.reason) });
    }
  });

  for (const group of requested.filter(hasControlCharacter)) {
    states.set(group, { status: 'unknown', reason: `campaign ${targetId}: the group name ${JSON.stringify(group)} contains a control character` });
  }
  for (const group of groups) {
    if (existenceResult.status === 'rejected') {
      states.set(group, { status: 'unknown', reason: `campaign ${targetId}: cannot list groups: ${describe(existenceResult.reason)}` });
      continue;
    }
    const name = existenceResult.value.get(group);
    if (name === undefined) {
      states.set(group, { status: 'missing' });
      continue;
    }
    const members = noOne ? new Set<string>() : membersByGroup.get(group);
    if (members === undefined || !(members instanceof Set)) {
      states.set(group, { status: 'unknown', reason: `campaign ${targetId}: cannot read members of ${name}: ${members?.failed ?? 'not read'}` });
      continue;
    }
    states.set(group, { status: 'known', name, members, memberOf: new Set() });
    // Reconciliation: a member that is not an IMS operator is a local one (see above).
    if (users === undefined) for (const member of members) if (!kinds.has(member)) kinds.set(member, 'local');
  }
  return { targetId, groups: states, identities: kinds };
}
