/**
 * In-memory implementations of the sync's stores and queue, with the same semantics as the DynamoDB
 * and SQS adapters (conditional claims, last-writer-wins), for use-case tests over plain data.
 */
import type {
  AuditEntry,
  AuditStore,
  DeferredRecord,
  DeferredStore,
  IdempotencyOutcome,
  IdempotencyStore,
  ManagedGroupStore,
  MembershipVersion,
  RunTargetRecord,
  RunStore,
  VersionStore,
  WorkQueue,
} from '../../lib/sync/ports.js';
import type { WorkMessage } from '../../lib/domain/messages.js';
import type { Stores } from '../../lib/sync/runtime.js';

export function memoryIdempotency(now: () => number): IdempotencyStore & { claims: Map<string, { status: 'IN_PROGRESS' | 'DONE'; until: number }> } {
  const claims = new Map<string, { status: 'IN_PROGRESS' | 'DONE'; until: number }>();
  const key = (e: string, t: string) => `${e}|${t}`;
  return {
    claims,
    async begin(eventId, targetId, leaseMs): Promise<IdempotencyOutcome> {
      const current = claims.get(key(eventId, targetId));
      if (current?.status === 'DONE') return 'already-done';
      if (current?.status === 'IN_PROGRESS' && current.until > now()) return 'in-progress';
      claims.set(key(eventId, targetId), { status: 'IN_PROGRESS', until: now() + leaseMs });
      return 'started';
    },
    async complete(eventIds, targetId) {
      for (const eventId of eventIds) claims.set(key(eventId, targetId), { status: 'DONE', until: Infinity });
    },
    async release(eventId, targetId) {
      claims.delete(key(eventId, targetId));
    },
    async doneEverywhere(eventIds, targetIds) {
      return new Set(eventIds.filter((e) => targetIds.every((t) => claims.get(key(e, t))?.status === 'DONE')));
    },
  };
}

export function memoryVersions(): VersionStore & { versions: Map<string, MembershipVersion> } {
  const versions = new Map<string, MembershipVersion>();
  const key = (t: string, u: string, g: string) => `${t}|${u}|${g.toLowerCase()}`;
  return {
    versions,
    async get(t, members) {
      return members.map(({ userKey, group }) => versions.get(key(t, userKey, group)));
    },
    async putIfNewer(t, u, g, version) {
      const current = versions.get(key(t, u, g));
      // As the DynamoDB store: older loses; at the same time the larger event id wins; the same event rewrites.
      if (current && (current.at > version.at || (current.at === version.at && current.eventId > version.eventId))) return false;
      versions.set(key(t, u, g), version);
      return true;
    },
  };
}

/** Keyed like the DynamoDB store (target, kind, key, group); `since` stays the first deferral's. */
export function memoryDeferred(): DeferredStore & { readonly items: DeferredRecord[] } {
  const items = new Map<string, DeferredRecord>();
  const keyOf = (targetId: string, item: { kind: string; key: string; group?: string }) => `${targetId}\u0000${item.kind}\u0000${item.key}\u0000${item.group ?? ''}`;
  return {
    get items() {
      return [...items.values()];
    },
    async put(records) {
      for (const record of records) {
        const key = keyOf(record.targetId, record);
        const previous = items.get(key);
        items.set(key, previous === undefined ? record : { ...record, since: previous.since });
      }
    },
    async clear(targetId, cleared) {
      for (const item of cleared) items.delete(keyOf(targetId, item));
    },
    async list(targetId) {
      return [...items.values()].filter((item) => targetId === undefined || item.targetId === targetId);
    },
  };
}

export function memoryRuns(): RunStore & { records: RunTargetRecord[] } {
  const records: RunTargetRecord[] = [];
  return {
    records,
    async put(record) {
      const i = records.findIndex((r) => r.runId === record.runId && r.targetId === record.targetId);
      if (i >= 0) records[i] = record;
      else records.push(record);
    },
    async get(runId) {
      return records.filter((r) => r.runId === runId);
    },
    async list(limit) {
      return [...records].sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
    },
    async transition(runId, targetId, from, to) {
      const i = records.findIndex((r) => r.runId === runId && r.targetId === targetId);
      const record = records[i];
      if (record === undefined || record.status !== from) return false;
      records[i] = { ...record, status: to };
      return true;
    },
  };
}

export function memoryAudit(): AuditStore & { entries: AuditEntry[] } {
  const entries: AuditEntry[] = [];
  return {
    entries,
    async record(list) {
      entries.push(...list);
    },
    async byMember(member, since = 0) {
      return entries.filter((e) => e.member === member && e.at >= since);
    },
    async byGroup(group, since = 0) {
      return entries.filter((e) => e.group.toLowerCase() === group.toLowerCase() && e.at >= since);
    },
  };
}

/** As the DynamoDB store: per target, folded names, each with the mask it was managed under. */
export function memoryManagedGroups(): ManagedGroupStore & { items: Map<string, { name: string; mask: string }> } {
  const items = new Map<string, { name: string; mask: string }>();
  const key = (targetId: string, name: string) => `${targetId}\u0000${name.toLowerCase()}`;
  return {
    items,
    async remember(targetId, names, mask) {
      for (const name of names) if (items.get(key(targetId, name))?.mask !== mask) items.set(key(targetId, name), { name, mask });
    },
    async list(targetId, mask) {
      return [...items].filter(([k, v]) => k.startsWith(`${targetId}\u0000`) && v.mask === mask).map(([, v]) => v.name);
    },
  };
}

export function memoryQueue(): WorkQueue & { sent: WorkMessage[]; failNext: number } {
  const queue = {
    sent: [] as WorkMessage[],
    failNext: 0,
    async send(messages: readonly WorkMessage[]) {
      if (queue.failNext > 0) {
        queue.failNext -= 1;
        throw new Error('queue unavailable');
      }
      queue.sent.push(...messages);
    },
  };
  return queue;
}

export function memoryStores(now: () => number) {
  const stores = {
    idempotency: memoryIdempotency(now),
    versions: memoryVersions(),
    deferred: memoryDeferred(),
    runs: memoryRuns(),
    audit: memoryAudit(),
    managedGroups: memoryManagedGroups(),
  };
  return stores satisfies Stores;
}
