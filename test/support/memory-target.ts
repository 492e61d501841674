/**
 * An in-memory TargetAdapter over plain data: group members, group wiring, identities. It applies
 * what it is given and can be told to fail, so use cases can be tested without a simulator.
 */
import type { GroupState, IdentityKind, TargetActual } from '../../lib/domain/state.js';
import type { PlanSlice } from '../../lib/domain/plan-types.js';
import type { AppliedChange, ApplyResult, FailedChange, ReadScope, TargetAdapter } from '../../lib/targets/port.js';
import { TargetUnavailableError } from '../../lib/errors.js';

export interface MemoryTargetState {
  groups: Map<string, { name: string; members: Set<string>; memberOf: Set<string> }>;
  identities: Map<string, IdentityKind>;
  /** Users this target was told to disable (by the sync). */
  disabled: Set<string>;
}

export interface MemoryTarget extends TargetAdapter {
  state: MemoryTargetState;
  /** When set, reads throw and writes fail with this (retryable) error. */
  down: boolean;
  /** Groups whose read fails (unknown state). */
  unreadable: Set<string>;
  applyCalls: PlanSlice[];
  members(group: string): string[];
}

export function memoryTarget(
  id: string,
  kind: 'aem' | 'campaign',
  init: { groups: Record<string, string[]>; wiring?: Record<string, string[]>; ims?: string[]; local?: string[] },
): MemoryTarget {
  const state: MemoryTargetState = { groups: new Map(), identities: new Map(), disabled: new Set() };
  for (const [name, members] of Object.entries(init.groups)) {
    state.groups.set(name.toLowerCase(), { name, members: new Set(members.map((m) => m.toLowerCase())), memberOf: new Set((init.wiring?.[name] ?? []).map((g) => g.toLowerCase())) });
  }
  for (const u of init.ims ?? []) state.identities.set(u.toLowerCase(), 'ims');
  for (const u of init.local ?? []) state.identities.set(u.toLowerCase(), 'local');

  const target: MemoryTarget = {
    id,
    kind,
    state,
    down: false,
    unreadable: new Set(),
    applyCalls: [],
    members: (group) => [...(state.groups.get(group.toLowerCase())?.members ?? [])].sort(),
    async listGroups() {
      if (target.down) throw new TargetUnavailableError(kind, `${id} is down`);
      return [...state.groups.values()].map((g) => g.name);
    },
    async readState(scope: ReadScope): Promise<TargetActual> {
      if (target.down) throw new TargetUnavailableError(kind, `${id} is down`);
      const inScope = (key: string) => scope.users === undefined || scope.users.includes(key);
      const groups = new Map<string, GroupState>();
      for (const name of scope.groups) {
        const folded = name.toLowerCase();
        const group = state.groups.get(folded);
        if (target.unreadable.has(folded)) groups.set(folded, { status: 'unknown', reason: 'read failed' });
        else if (group === undefined) groups.set(folded, { status: 'missing' });
        else groups.set(folded, { status: 'known', name: group.name, members: new Set([...group.members].filter(inScope)), memberOf: new Set(group.memberOf) });
      }
      const identities = new Map([...state.identities].filter(([key]) => inScope(key)));
      return { targetId: id, groups, identities, disabled: new Map([...state.disabled].filter(inScope).map((key) => [key, 'sync'] as const)) };
    },
    async apply(slice: PlanSlice): Promise<ApplyResult> {
      target.applyCalls.push(slice);
      const applied: AppliedChange[] = [];
      const failed: FailedChange[] = [];
      const all: AppliedChange[] = [
        ...slice.changes.flatMap((c) => [...c.add.map((m) => ({ op: 'add' as const, group: c.group, member: m })), ...c.remove.map((m) => ({ op: 'remove' as const, group: c.group, member: m }))]),
        ...slice.wiring.flatMap((w) => w.memberOf.map((g) => ({ op: 'wire' as const, group: g, member: w.group }))),
        ...slice.disable.map((m) => ({ op: 'disable' as const, member: m })),
        ...slice.enable.map((m) => ({ op: 'enable' as const, member: m })),
      ];
      for (const change of all) {
        if (target.down) {
          failed.push({ ...change, error: `${id} is down`, retryable: true });
          continue;
        }
        const group = change.group === undefined ? undefined : state.groups.get(change.group.toLowerCase());
        if (change.op === 'add') group?.members.add(change.member);
        if (change.op === 'remove') group?.members.delete(change.member);
        if (change.op === 'wire') state.groups.get(change.member.toLowerCase())?.memberOf.add((change.group ?? '').toLowerCase());
        if (change.op === 'disable') state.disabled.add(change.member);
        if (change.op === 'enable') state.disabled.delete(change.member);
        applied.push(change);
      }
      return { applied, failed };
    },
  };
  return target;
}
