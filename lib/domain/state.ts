/**
 * What a target (AEM or Campaign instance) actually holds, as read by its adapter.
 *
 * "Unknown" is explicit: a group whose read failed is `{ status: 'unknown' }`, never an empty member
 * list, so that planning can refuse to remove anything it could not see.
 * Keys of users inside a target are folded to lower case (see `foldName`).
 */

/** How an identity exists in a target. `ims`: created by IMS login (AEM `rep:externalId` ends in `;ims`, Campaign `authenticationType = ims`); `local`: anything else (admin, service users, technical operators) — never touched. */
export type IdentityKind = 'ims' | 'local';

export interface KnownGroupState {
  readonly status: 'known';
  /** The group's id in the target, as the target spells it. */
  readonly name: string;
  /** Declared members (user keys, folded). Complete: adapters never return a cut list. */
  readonly members: ReadonlySet<string>;
  /**
   * Groups this group is a declared member of (AEM wiring; empty for Campaign). Folded. Read only by
   * a reconciliation's read; a user-centric read leaves it empty, and its plans make no wiring.
   */
  readonly memberOf: ReadonlySet<string>;
}
export interface MissingGroupState {
  /** The group does not exist in the target (yet): AEM creates IMS groups at first login. */
  readonly status: 'missing';
}
export interface UnknownGroupState {
  /** The read failed or was incomplete: nothing may be removed from this group. */
  readonly status: 'unknown';
  readonly reason: string;
}
export interface LocalGroupState {
  /**
   * The group exists in the target but is not an IMS group (AEM: no `rep:externalId` ending in
   * `;ims`): a local group that happens to match a managed name or pattern. Never written, reported.
   */
  readonly status: 'local';
  /** The group's id in the target, as the target spells it. */
  readonly name: string;
}
export type GroupState = KnownGroupState | MissingGroupState | UnknownGroupState | LocalGroupState;

/**
 * Who disabled a user in the target: the sync itself (its own reason text), or anyone else — an
 * administrator during an incident, say. Only the sync's own disabling is ever undone.
 */
export type DisabledBy = 'sync' | 'other';

export interface TargetActual {
  readonly targetId: string;
  /** Managed groups keyed by folded name. A managed group absent from this map was not read: unknown. */
  readonly groups: ReadonlyMap<string, GroupState>;
  /** Identities in the target that the plan may need to know, keyed by folded user key. Absent: does not exist in the target. */
  readonly identities: ReadonlyMap<string, IdentityKind>;
  /**
   * IMS users that are disabled in the target (AEM `rep:disabled`), folded, with who disabled them.
   * Absent when the adapter did not read it: then a plan never re-enables anyone by guess.
   */
  readonly disabled?: ReadonlyMap<string, DisabledBy>;
}
