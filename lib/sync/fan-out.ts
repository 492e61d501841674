/**
 * Cut a target's plan slice into queue messages: one per changed group (large groups in chunks, so a
 * message stays far below SQS's 256 KB), wiring and disable/enable in chunks too. Ids are derived from
 * the run, the target and the slice's content, so sending the same work twice is deduplicated by the
 * queue and the worker's idempotency, while a rerun of the run that planned something else is not.
 */
import { createHash } from 'node:crypto';
import type { ReconcileMessage } from '../domain/messages.js';
import type { PlanSlice } from '../domain/plan-types.js';

/** Members per message: 500 keys of ~40 bytes is ~20 KB. */
export const MEMBERS_PER_MESSAGE = 500;

/** Wired IMS groups per message: 500 of ~100 bytes (a group and the AEM groups it joins) is ~50 KB. */
export const WIRING_PER_MESSAGE = 500;

export interface FanOutMeta {
  readonly runId: string;
  readonly targetId: string;
  readonly snapshotAt: string;
  readonly correlationId: string;
  /** Distinguishes the held part released by approval from the run's first fan-out. */
  readonly part: 'run' | 'approved';
}

const EMPTY: PlanSlice = { changes: [], wiring: [], disable: [], enable: [] };

export function fanOut(slice: PlanSlice, meta: FanOutMeta): ReconcileMessage[] {
  const slices: PlanSlice[] = [];
  for (const change of slice.changes) {
    const members = [...change.add.map((m) => ({ m, op: 'add' as const })), ...change.remove.map((m) => ({ m, op: 'remove' as const }))];
    for (let i = 0; i < members.length; i += MEMBERS_PER_MESSAGE) {
      const chunk = members.slice(i, i + MEMBERS_PER_MESSAGE);
      slices.push({
        ...EMPTY,
        changes: [{ group: change.group, add: chunk.filter((c) => c.op === 'add').map((c) => c.m), remove: chunk.filter((c) => c.op === 'remove').map((c) => c.m) }],
      });
    }
  }
  // An instance with thousands of managed groups would otherwise put all its wiring in one message, over 256 KB.
  for (let i = 0; i < slice.wiring.length; i += WIRING_PER_MESSAGE) slices.push({ ...EMPTY, wiring: slice.wiring.slice(i, i + WIRING_PER_MESSAGE) });
  const users = [...slice.disable.map((u) => ({ u, op: 'disable' as const })), ...slice.enable.map((u) => ({ u, op: 'enable' as const }))];
  for (let i = 0; i < users.length; i += MEMBERS_PER_MESSAGE) {
    const chunk = users.slice(i, i + MEMBERS_PER_MESSAGE);
    slices.push({ ...EMPTY, disable: chunk.filter((c) => c.op === 'disable').map((c) => c.u), enable: chunk.filter((c) => c.op === 'enable').map((c) => c.u) });
  }
  return slices.map((part) => ({
    kind: 'reconcile',
    id: sliceId(meta, part),
    occurredAt: meta.snapshotAt,
    snapshotAt: meta.snapshotAt,
    correlationId: meta.correlationId,
    source: 'schedule',
    runId: meta.runId,
    targetId: meta.targetId,
    slice: {
      changes: part.changes.map((c) => ({ group: c.group, add: [...c.add], remove: [...c.remove] })),
      wiring: part.wiring.map((w) => ({ group: w.group, memberOf: [...w.memberOf] })),
      disable: [...part.disable],
      enable: [...part.enable],
    },
  }));
}

/** `<run>:<target>:<part>:<content hash>`, at most 128 characters (the message schema's limit). */
function sliceId(meta: FanOutMeta, slice: PlanSlice): string {
  const content = createHash('sha256').update(JSON.stringify(slice)).digest('hex').slice(0, 16);
  const id = `${meta.runId}:${meta.targetId}:${meta.part}:${content}`;
  return id.length <= 128 ? id : `${createHash('sha256').update(id).digest('hex')}:${content}`;
}
