/**
 * Everything a use case may need, built once per cold start by a composition root
 * (`lib/compose/`). Use cases declare the part they use with `Pick<SyncRuntime, ...>`.
 */
import type { Clock } from '../clock.js';
import type { SyncConfig, Target } from '../config/schema.js';
import type { Umapi } from '../ims/port.js';
import type { Log, Metrics } from '../observability/log.js';
import type { TargetAdapter } from '../targets/port.js';
import type { AppliedFacts } from './applied-facts.js';
import type { OrgGroupNames } from './org-groups.js';
import type { RecentGroupReads } from './recent-group-reads.js';
import type { AuditStore, DeferredStore, IdempotencyStore, ManagedGroupStore, RunStore, VersionStore, WorkQueue } from './ports.js';

export interface TargetBinding {
  readonly config: Target;
  readonly adapter: TargetAdapter;
}

export interface Stores {
  readonly idempotency: IdempotencyStore;
  readonly versions: VersionStore;
  readonly deferred: DeferredStore;
  readonly runs: RunStore;
  readonly audit: AuditStore;
  readonly managedGroups: ManagedGroupStore;
}

export interface SyncRuntime {
  readonly config: SyncConfig;
  readonly clock: Clock;
  readonly log: Log;
  readonly metrics: Metrics;
  readonly targets: readonly TargetBinding[];
  readonly umapi: Umapi;
  /** The org's group and profile names, cached (see org-groups.ts). */
  readonly orgGroups: OrgGroupNames;
  /** UMAPI group member lists read lately by this container, to serve a burst's later batches (absent: none kept). */
  readonly recentGroupReads?: RecentGroupReads;
  /** Whole facts about users this container applied in full lately, per target (absent: none kept). */
  readonly appliedFacts?: AppliedFacts;
  readonly queue: WorkQueue;
  readonly stores: Stores;
}

/** How long one worker may hold an (event, target) claim before another delivery may take it over. */
export const IDEMPOTENCY_LEASE_MS = 5 * 60_000;
