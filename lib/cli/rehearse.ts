/**
 * A dry run of the worker's own code path: the same use case over a runtime whose targets record
 * the slice they are asked to apply instead of applying it, and whose stores write nothing. So the
 * plan `sync-user` shows is the one the real run applies, with no second planner to drift from it.
 */
import type { Umapi } from '../ims/port.js';
import type { PlanSlice } from '../domain/plan-types.js';
import type { DeferredRecord } from '../sync/ports.js';
import { createMemoryMetrics } from '../observability/memory.js';
import type { Stores, SyncRuntime } from '../sync/runtime.js';

export interface Rehearsal {
  readonly runtime: SyncRuntime;
  /** What each target was asked to apply, by target id. */
  readonly slices: ReadonlyMap<string, PlanSlice>;
  /** What each target would defer, by target id. */
  readonly deferred: ReadonlyMap<string, readonly DeferredRecord[]>;
}

export function rehearsalOf(rt: SyncRuntime): Rehearsal {
  const slices = new Map<string, PlanSlice>();
  const deferred = new Map<string, DeferredRecord[]>();
  const stores: Stores = {
    idempotency: { begin: async () => 'started', complete: async () => undefined, release: async () => undefined, doneEverywhere: async () => new Set() },
    // Reads stay real: a change a newer event already made is left out, as in the real run.
    versions: { get: (...keys) => rt.stores.versions.get(...keys), putIfNewer: async () => true },
    deferred: {
      put: async (records) => {
        for (const record of records) deferred.set(record.targetId, [...(deferred.get(record.targetId) ?? []), record]);
      },
      clear: async () => undefined,
      list: (targetId) => rt.stores.deferred.list(targetId),
    },
    runs: rt.stores.runs,
    audit: { record: async () => undefined, byMember: (...a) => rt.stores.audit.byMember(...a), byGroup: (...a) => rt.stores.audit.byGroup(...a) },
    managedGroups: { list: (...a) => rt.stores.managedGroups.list(...a), remember: async () => undefined },
  };
  const targets = rt.targets.map((binding) => ({
    config: binding.config,
    adapter: {
      id: binding.adapter.id,
      kind: binding.adapter.kind,
      listGroups: () => binding.adapter.listGroups(),
      readState: (scope: Parameters<typeof binding.adapter.readState>[0]) => binding.adapter.readState(scope),
      apply: async (slice: PlanSlice) => {
        slices.set(binding.config.id, slice);
        return { applied: [], failed: [] };
      },
    },
  }));
  // Follow-up work (a removal's re-check) is not queued by a rehearsal.
  return { runtime: { ...rt, targets, stores, queue: { send: async () => undefined }, metrics: createMemoryMetrics() }, slices, deferred };
}

/** A Umapi that reads each user once: the rehearsal and the real run see the same answer. */
export function readUsersOnce(umapi: Umapi): Umapi {
  const users = new Map<string, ReturnType<Umapi['getUser']>>();
  return {
    listUsers: (options) => umapi.listUsers(options),
    getUser: (email) => {
      const key = email.toLowerCase();
      const cached = users.get(key) ?? umapi.getUser(email);
      users.set(key, cached);
      return cached;
    },
    listGroupUsers: (group) => umapi.listGroupUsers(group),
    listGroups: () => umapi.listGroups(),
  };
}
