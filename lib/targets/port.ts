/**
 * The Target port: what the sync needs from an AEM or Campaign instance. Each adapter
 * (`aem/`, `campaign/`) keeps its wire format to itself behind this interface.
 */
import type { TargetActual } from '../domain/state.js';
import type { PlanSlice } from '../domain/plan-types.js';
import type { DirectMemberships } from '../domain/findings.js';

export interface ReadScope {
  /** Managed groups to read, spelled as configured or as found in IMS. */
  readonly groups: readonly string[];
  /**
   * Only these users (folded user keys): a user-centric read for one webhook event. The returned
   * group states then list only these users as members, and `identities` covers only them.
   * Absent: every member of the groups and every IMS identity of the target (reconciliation).
   */
  readonly users?: readonly string[];
}

export interface AppliedChange {
  readonly op: 'add' | 'remove' | 'wire' | 'disable' | 'enable';
  /** The group written to (for wire: the AEM-provided group). */
  readonly group?: string;
  /** The user key, or for wire the IMS group made a member. */
  readonly member: string;
}

export interface FailedChange extends AppliedChange {
  readonly error: string;
  /** True when trying again later may succeed (throttled, unavailable). */
  readonly retryable: boolean;
}

export interface ApplyResult {
  readonly applied: readonly AppliedChange[];
  readonly failed: readonly FailedChange[];
}

export interface TargetAdapter {
  readonly id: string;
  readonly kind: 'aem' | 'campaign';
  /**
   * Names of the groups that exist in the target and could be managed: AEM's IMS groups
   * (`rep:externalId` ending in `;ims`), Campaign's operator groups. Used to match configured patterns.
   */
  listGroups(): Promise<readonly string[]>;
  /**
   * Read the actual state. A group whose read fails is `unknown`; a group that exists but is not the
   * sync's to write (AEM: not an IMS group) is `local`; a failed identity read throws.
   */
  readState(scope: ReadScope): Promise<TargetActual>;
  /**
   * Read only, for the access review: the memberships of these IMS identities (folded keys, as a
   * reconciliation's `readState` found them) in every group the sync does not manage (not in
   * `managedGroups`). A group whose read fails is listed as unknown; a failed group-list read throws.
   */
  readDirectMemberships?(managedGroups: readonly string[], imsIdentities: ReadonlySet<string>): Promise<DirectMemberships>;
  /** Apply a plan slice with the fewest calls: one write per changed group. Never throws for one failed group: reports it. */
  apply(slice: PlanSlice): Promise<ApplyResult>;
}
