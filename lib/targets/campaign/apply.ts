/**
 * Applying a plan slice to Campaign (contract campaign.md §5): adds and removes regrouped by
 * operator and written with as few `xtk:session#WriteCollection` calls as possible, a chunk of
 * operators per call. A failed call fails every change it carried, and only those; nothing throws.
 *
 * User keys in a plan are folded, while Campaign matches `_key="@name"` as stored: the operators'
 * spellings are read first (one paged `xtk:operator` select per chunk of names). That read also
 * tells which operators do not exist, so one never-logged-in user cannot fault a whole batch.
 */
import { foldName } from '../../domain/ims.js';
import type { PlanSlice } from '../../domain/plan-types.js';
import { SyncError } from '../../errors.js';
import type { AppliedChange, ApplyResult, FailedChange } from '../port.js';
import { chunk, hasControlCharacter, inCondition, selectAll, type SoapCall } from './query.js';
import { ID, NAME, OPERATOR, lower, rowValues } from './schema.js';
import { writeCollectionRequest, type OperatorEdit } from './write.js';

export interface ApplyTuning {
  readonly lineCount: number;
  readonly namesPerCondition: number;
  readonly operatorsPerWrite: number;
}

interface UserChanges {
  readonly add: string[];
  readonly remove: string[];
}

const changesOf = (user: string, changes: UserChanges): AppliedChange[] => [
  ...changes.add.map((group): AppliedChange => ({ op: 'add', group, member: user })),
  ...changes.remove.map((group): AppliedChange => ({ op: 'remove', group, member: user })),
];

const failure = (error: unknown): { error: string; retryable: boolean } => ({
  error: error instanceof Error ? error.message : String(error),
  // Throttling, outages and timeouts may pass; faults (rights, unknown entity) will not by themselves.
  retryable: error instanceof SyncError ? error.retryable : false,
});

function byOperator(slice: PlanSlice): Map<string, UserChanges> {
  const users = new Map<string, UserChanges>();
  const entry = (user: string): UserChanges => {
    const key = foldName(user);
    let changes = users.get(key);
    if (!changes) users.set(key, (changes = { add: [], remove: [] }));
    return changes;
  };
  for (const change of slice.changes) {
    for (const user of change.add) entry(user).add.push(change.group);
    for (const user of change.remove) entry(user).remove.push(change.group);
  }
  return users;
}

export async function applyCampaignSlice(call: SoapCall, slice: PlanSlice, tuning: ApplyTuning): Promise<ApplyResult> {
  const applied: AppliedChange[] = [];
  const failed: FailedChange[] = [];
  const fail = (user: string, changes: UserChanges, reason: { error: string; retryable: boolean }): void => {
    for (const change of changesOf(user, changes)) failed.push({ ...change, ...reason });
  };

  // Wiring, disable and enable are AEM-only: a Campaign slice never carries work for them.
  const users = byOperator(slice);
  for (const [user, changes] of users) {
    if (hasControlCharacter(user) || [...changes.add, ...changes.remove].some(hasControlCharacter)) {
      fail(user, changes, { error: `campaign: ${JSON.stringify(user)} or one of its groups contains a control character`, retryable: false });
      users.delete(user);
    }
  }
  if (users.size === 0) return { applied, failed };

  // 1. Campaign's spelling of each operator.
  const spelled = new Map<string, string>();
  await Promise.all(
    chunk([...users.keys()], tuning.namesPerCondition).map(async (names) => {
      try {
        const rows = await selectAll(
          call,
          { schema: OPERATOR, select: [NAME], where: [inCondition(lower(NAME), names)], orderBy: [ID] },
          tuning.lineCount,
        );
        for (const row of rows) {
          const { name } = rowValues(row, OPERATOR, { name: NAME });
          spelled.set(foldName(name), name);
        }
      } catch (error) {
        const reason = failure(error);
        for (const name of names) {
          fail(name, users.get(name) ?? { add: [], remove: [] }, reason);
          users.delete(name);
        }
      }
    }),
  );

  const edits: { user: string; changes: UserChanges; edit: OperatorEdit }[] = [];
  for (const [user, changes] of users) {
    const operator = spelled.get(user);
    if (operator === undefined) {
      fail(user, changes, { error: `campaign: no operator "${user}" (never logged in through IMS?)`, retryable: false });
    } else {
      edits.push({ user, changes, edit: { operator, add: changes.add, remove: changes.remove } });
    }
  }

  // 2. One WriteCollection per chunk of operators.
  await Promise.all(
    chunk(edits, tuning.operatorsPerWrite).map(async (batch) => {
      try {
        await call(writeCollectionRequest(batch.map((b) => b.edit)));
        for (const b of batch) applied.push(...changesOf(b.user, b.changes));
      } catch (error) {
        const reason = failure(error);
        for (const b of batch) fail(b.user, b.changes, reason);
      }
    }),
  );
  return { applied, failed };
}
