/**
 * The simulated instance's user store: authorizables by id and by home, declared memberships,
 * disabled users. Ids are looked up case-insensitively, as Oak does, and kept as spelled.
 */
import type { FixtureAemInstance } from '../../fixtures/types.js';
import { homeFor } from './homes.js';

export type SimKind = 'user' | 'group';

export interface SimAuthorizable {
  readonly id: string;
  readonly kind: SimKind;
  readonly home: string;
  readonly ims: boolean;
  /** The disable reason; undefined when enabled. */
  disabled: string | undefined;
  /** Declared members by id, in insertion order (groups only). */
  readonly members: Set<string>;
}

export interface AemSnapshot {
  targetId: string;
  users: { id: string; home: string; ims: boolean; disabled: string | null }[];
  groups: { id: string; home: string; ims: boolean; members: string[]; memberOf: string[] }[];
}

const fold = (id: string): string => id.toLowerCase();

/** A declared membership that changed through the HTTP API (`POST <home>.rw.html`), as spelled in AEM. */
export interface MembershipChange {
  readonly group: string;
  readonly member: string;
  readonly change: 'added' | 'removed';
  /** Epoch ms. */
  readonly at: number;
}

export class AemModel {
  private readonly byId = new Map<string, SimAuthorizable>();
  private readonly byHome = new Map<string, SimAuthorizable>();
  /** Told of every membership written through the API (not of fixture seeding or `login`). */
  readonly membershipListeners = new Set<(change: MembershipChange) => void>();

  constructor(readonly targetId: string, instance?: FixtureAemInstance) {
    if (!instance) return;
    for (const user of instance.users) this.create(user.id, 'user', user.ims).disabled = user.disabled ? 'disabled in fixture' : undefined;
    for (const group of instance.groups) this.create(group.id, 'group', group.ims);
    for (const group of instance.groups) {
      const entry = this.require(group.id);
      for (const member of group.members) entry.members.add(this.require(member).id);
    }
  }

  get(id: string): SimAuthorizable | undefined {
    return this.byId.get(fold(id));
  }

  atHome(home: string): SimAuthorizable | undefined {
    return this.byHome.get(home);
  }

  all(): SimAuthorizable[] {
    return [...this.byId.values()];
  }

  require(id: string): SimAuthorizable {
    const found = this.get(id);
    if (!found) throw new Error(`AEM simulator ${this.targetId}: no authorizable "${id}"`);
    return found;
  }

  create(id: string, kind: SimKind, ims: boolean): SimAuthorizable {
    if (this.get(id)) throw new Error(`AEM simulator ${this.targetId}: authorizable "${id}" exists already`);
    const home = homeFor(this.targetId, kind, id, (h) => this.byHome.has(h));
    const entry: SimAuthorizable = { id, kind, home, ims, disabled: undefined, members: new Set() };
    this.byId.set(fold(id), entry);
    this.byHome.set(home, entry);
    return entry;
  }

  /** Tell the listeners that a write changed a membership. */
  noteMembership(group: SimAuthorizable, member: SimAuthorizable, change: MembershipChange['change']): void {
    for (const listener of this.membershipListeners) listener({ group: group.id, member: member.id, change, at: Date.now() });
  }

  /** Groups that declare `id` as a member. */
  memberOf(id: string): SimAuthorizable[] {
    const target = this.require(id);
    return this.all().filter((a) => a.kind === 'group' && a.members.has(target.id));
  }

  snapshot(): AemSnapshot {
    const all = this.all();
    return {
      targetId: this.targetId,
      users: all.filter((a) => a.kind === 'user').map((u) => ({ id: u.id, home: u.home, ims: u.ims, disabled: u.disabled ?? null })),
      groups: all
        .filter((a) => a.kind === 'group')
        .map((g) => ({ id: g.id, home: g.home, ims: g.ims, members: [...g.members], memberOf: this.memberOf(g.id).map((p) => p.id) })),
    };
  }
}
