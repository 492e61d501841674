/**
 * For the access review: IMS operators' memberships in operator groups no product profile maps to
 * (not managed) — access that removing the profile in the Admin Console does not take away
 * (contracts/campaign.md §6). Read only: every membership in one paged `ExecuteQuery` (a page per
 * 1,000 memberships); the IMS operators are the caller's.
 */
import type { DirectMemberships } from '../../domain/findings.js';
import { foldName } from '../../domain/ims.js';
import { selectAll, type SoapCall } from './query.js';
import type { ReadTuning } from './read-state.js';
import { MEMBER_GROUP_NAME, MEMBER_OPERATOR_NAME, MEMBERSHIP_ORDER, OPERATOR_GROUP, rowValues } from './schema.js';

export async function readCampaignDirectMemberships(
  call: SoapCall,
  managedGroups: readonly string[],
  ims: ReadonlySet<string>,
  tuning: ReadTuning,
): Promise<DirectMemberships> {
  const managed = new Set(managedGroups.map(foldName));
  const rows = await selectAll(call, { schema: OPERATOR_GROUP, select: [MEMBER_OPERATOR_NAME, MEMBER_GROUP_NAME], orderBy: MEMBERSHIP_ORDER }, tuning.lineCount);
  const byUser = new Map<string, string[]>();
  for (const row of rows) {
    const { operator, group } = rowValues(row, OPERATOR_GROUP, { operator: MEMBER_OPERATOR_NAME, group: MEMBER_GROUP_NAME });
    const key = foldName(operator);
    if (ims.has(key) && !managed.has(foldName(group))) byUser.set(key, [...(byUser.get(key) ?? []), group]);
  }
  return { byUser, unknownGroups: [] };
}
