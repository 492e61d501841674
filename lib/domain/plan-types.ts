/**
 * The shapes of desired state and plans. Pure data: what planning produces, what `plan`/dry-run
 * prints, what the worker applies. Names in a plan are spelled as the target spells them; user keys
 * are folded to lower case.
 */

/** The adds and removes of one group in one target: one write carries them all. */
export interface GroupChange {
  readonly group: string;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/** An IMS group to be made a member of AEM-provided groups (AEM only). */
export interface Wiring {
  readonly group: string;
  readonly memberOf: readonly string[];
}

/** Something that cannot be applied yet: the user never logged in to the target, or the group does not exist there yet. Retried by reconciliation. */
export interface Deferred {
  readonly kind: 'user' | 'group';
  /** The user key (kind user) or the group name (kind group). */
  readonly key: string;
  readonly group?: string;
  readonly reason: string;
}

/** Something the sync found within its reach and deliberately leaves alone, reported for the operator. */
export type Untouched =
  /** A local identity (admin, service user) in a managed group: never added or removed. */
  | { readonly reason: 'local-identity'; readonly key: string; readonly group: string }
  /** A group a managed name or pattern matches that is not an IMS group in the target: never written. */
  | { readonly reason: 'local-group'; readonly group: string }
  /** An IMS user with access again, disabled by someone else than the sync: never re-enabled. */
  | { readonly reason: 'disabled-by-other'; readonly key: string }
  /**
   * An IMS identity in a managed group that the org read did not list while the org changed under
   * it (`unlistedUnknown`): it may have shifted across a page boundary, so it keeps every group.
   */
  | { readonly reason: 'not-listed'; readonly key: string };

/** What one target must change: the part that can travel in a message and be applied. */
export interface PlanSlice {
  readonly changes: readonly GroupChange[];
  readonly wiring: readonly Wiring[];
  /** Users to disable (AEM revocation mode `disable-user`). */
  readonly disable: readonly string[];
  /** Users to re-enable: they have access again. */
  readonly enable: readonly string[];
}

export interface TargetPlan extends PlanSlice {
  readonly targetId: string;
  readonly kind: 'aem' | 'campaign';
  readonly deferred: readonly Deferred[];
  readonly untouched: readonly Untouched[];
  /** Managed groups whose actual state is unknown: nothing is removed from them. */
  readonly unknownGroups: readonly string[];
}

export interface GuardVerdict {
  readonly verdict: 'pass' | 'hold';
  readonly removals: number;
  /** Managed memberships of IMS identities in the target before the plan. */
  readonly managedMemberships: number;
  readonly maxRemovals: number;
  readonly maxRemovalPercent: number;
  /** Why it holds, in words an operator can act on. */
  readonly reason?: string;
}
