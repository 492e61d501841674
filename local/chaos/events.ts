/**
 * The chaos run's event script, fixed by its seed: what changes in the IMS org, in which order,
 * and which deliveries announce each change (door, duplicates, order within a window, bursts).
 *
 * The script keeps its own mirror of the org to pick only changes that change something (add to a
 * group the user is not in, remove from one they are in), and to compute, with the reference
 * (reference.ts), what each change means for every target: which memberships must flip, hence the
 * minimum number of write calls an exact event-at-a-time sync needs (`minimumWrites`).
 */
import { aemProfile, campaignProfile } from '../fixtures/generate.js';
import type { FixtureUser, OrgFixture } from '../fixtures/types.js';
import { desiredOf, type ReferenceTarget } from './reference.js';
import { prng } from '../fixtures/generate.js';
import { HOSTILE_AEM_GROUP, HOSTILE_CAMPAIGN_ROLE, UNMANAGED_AEM_GROUP } from './world.js';

export type ChangeType = 'membership.added' | 'membership.removed' | 'user.removed' | 'user.changed';

export type OrgOp =
  | { readonly op: 'addUserToGroup'; readonly email: string; readonly group: string }
  | { readonly op: 'removeUserFromGroup'; readonly email: string; readonly group: string }
  | { readonly op: 'removeUser'; readonly email: string };

/** A membership of a target that one change flips: `desired` is what it must become. */
export interface Flip {
  readonly targetId: string;
  readonly user: string;
  readonly group: string;
  readonly desired: boolean;
}

export interface ScriptedChange {
  /** The event id (FIFO deduplication id and idempotency key). */
  readonly id: string;
  readonly door: 'adobe-io' | 'generic';
  readonly type: ChangeType;
  readonly email: string;
  readonly group?: string;
  readonly entityType?: 'User Group' | 'Product Profile';
  /** What changes in IMS before the event is sent. */
  readonly orgOp: OrgOp;
  /** The memberships of the targets this change flips (for the minimum writes and the never-wrong checks). */
  readonly flips: readonly Flip[];
  /** Part of a pair that cancels out (add then remove, or remove then add, in one window). */
  readonly cancelling: boolean;
}

export interface ScriptWindow {
  /** Changes in the order IMS sees them. */
  readonly changes: readonly ScriptedChange[];
  /** Deliveries in the order they are sent: an index into `changes`, or a duplicate of an earlier window's change. */
  readonly deliveries: readonly { readonly change: ScriptedChange; readonly duplicate: boolean }[];
  readonly burst: boolean;
}

export interface EventScript {
  readonly windows: readonly ScriptWindow[];
  readonly deliveries: number;
  readonly duplicates: number;
  readonly distinct: number;
  readonly cancellingPairs: number;
  readonly usersRemoved: number;
  /** Per target: the write calls an exact sync needs, one per (change, target group) whose membership flips. */
  readonly minimumWritesByTarget: Readonly<Record<string, number>>;
}

export interface ScriptOptions {
  /** Deliveries in all (duplicates included). */
  readonly events: number;
  /** Share of deliveries that are exact duplicates of an earlier one. */
  readonly duplicateShare: number;
  /** How many users the changes concentrate on. */
  readonly hotUsers: number;
  readonly seed: number;
  readonly burstSize: number;
  readonly windowSize: number;
}

export function scriptEvents(org: OrgFixture, targets: readonly ReferenceTarget[], aemCount: number, options: ScriptOptions): EventScript {
  const random = prng(options.seed ^ 0xe7e7);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const profilesOf = new Map(org.groups.map((g) => [g.name, g.profiles ?? []]));
  const profileNames = new Set(org.groups.filter((g) => g.type === 'PRODUCT_PROFILE').map((g) => g.name));
  const mirror = new Map<string, FixtureUser>(org.users.map((u) => [u.email.toLowerCase(), structuredClone(u)]));

  // Concentrate on users the targets know (so most changes matter), plus some they do not.
  const inTargets = org.users.filter((u) => targets.some((t) => t.users.has(u.email.toLowerCase())));
  const others = org.users.filter((u) => !targets.some((t) => t.users.has(u.email.toLowerCase())));
  const shuffled = <T>(items: readonly T[]): T[] => {
    const copy = [...items];
    for (let i = copy.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };
  const hot = [...shuffled(inTargets).slice(0, Math.round(options.hotUsers * 0.9)), ...shuffled(others).slice(0, Math.round(options.hotUsers * 0.1))].map((u) => u.email);
  const groupPool = [
    'AEM-Authors', 'AEM-Authors', 'AEM-DAM-Users', 'AEM-Reviewers', 'AEM-Team-1', 'AEM-Team-2', 'AEM-Team-5', HOSTILE_AEM_GROUP,
    UNMANAGED_AEM_GROUP, 'Marketing', 'Campaign-Delivery-Team',
    ...Array.from({ length: aemCount }, (_, k) => aemProfile(k + 1)),
    campaignProfile(1, 'delivery'), campaignProfile(1, 'campaign-managers'), campaignProfile(1, HOSTILE_CAMPAIGN_ROLE),
  ];

  const minimum: Record<string, number> = Object.fromEntries(targets.map((t) => [t.id, 0]));
  const desiredNow = (email: string): Map<string, Set<string>> => {
    const user = mirror.get(email.toLowerCase());
    return new Map(targets.map((t) => [t.id, user ? desiredOf(user, t, profilesOf) : new Set<string>()]));
  };
  let sequence = 0;
  let usersRemoved = 0;
  let cancellingPairs = 0;

  const makeChange = (type: ChangeType, email: string, orgOp: OrgOp, group: string | undefined, cancelling: boolean): ScriptedChange => {
    const before = desiredNow(email);
    const key = email.toLowerCase();
    if (orgOp.op === 'removeUser') mirror.delete(key);
    else {
      const user = mirror.get(key);
      if (!user) throw new Error(`chaos script: no user ${email}`);
      if (orgOp.op === 'addUserToGroup') user.groups.push(orgOp.group);
      else user.groups = user.groups.filter((g) => g.toLowerCase() !== orgOp.group.toLowerCase());
    }
    const after = desiredNow(email);
    const flips: Flip[] = [];
    for (const target of targets) {
      const was = before.get(target.id) ?? new Set<string>();
      const now = after.get(target.id) ?? new Set<string>();
      for (const g of now) if (!was.has(g)) flips.push({ targetId: target.id, user: key, group: g, desired: true });
      for (const g of was) if (!now.has(g)) flips.push({ targetId: target.id, user: key, group: g, desired: false });
    }
    for (const flip of flips) minimum[flip.targetId] = (minimum[flip.targetId] ?? 0) + 1;
    sequence += 1;
    const door = random() < 0.5 ? 'adobe-io' : 'generic';
    return {
      id: `chaos-${options.seed}-${String(sequence).padStart(6, '0')}`,
      door,
      type,
      email,
      ...(group !== undefined ? { group, entityType: profileNames.has(group) ? 'Product Profile' : 'User Group' } : {}),
      orgOp,
      flips,
      cancelling,
    };
  };

  /** A change of one membership that changes something in IMS: add when absent, remove when present. */
  const membershipChange = (email: string, group: string, type: 'membership.added' | 'membership.removed' | 'user.changed', cancelling: boolean): ScriptedChange => {
    const user = mirror.get(email.toLowerCase());
    const isIn = user?.groups.some((g) => g.toLowerCase() === group.toLowerCase()) ?? false;
    const change: 'membership.added' | 'membership.removed' = isIn ? 'membership.removed' : 'membership.added';
    const orgOp: OrgOp = isIn ? { op: 'removeUserFromGroup', email, group } : { op: 'addUserToGroup', email, group };
    return makeChange(type === 'user.changed' ? 'user.changed' : change, email, orgOp, type === 'user.changed' ? undefined : group, cancelling);
  };

  const distinctTarget = Math.max(1, Math.round(options.events * (1 - options.duplicateShare)));
  const duplicatesTarget = options.events - distinctTarget;
  const windows: ScriptWindow[] = [];
  let distinct = 0;
  let duplicates = 0;
  let previous: ScriptedChange[] = [];
  while (distinct < distinctTarget) {
    const burst = windows.length % 12 === 11;
    const size = Math.min(distinctTarget - distinct, burst ? options.burstSize : options.windowSize);
    const changes: ScriptedChange[] = [];
    while (changes.length < size) {
      const live = hot.filter((email) => mirror.has(email.toLowerCase()));
      const email = pick(live);
      const roll = random();
      if (roll < 0.02 && live.length > 10) {
        changes.push(makeChange('user.removed', email, { op: 'removeUser', email }, undefined, false));
        usersRemoved += 1;
      } else if (roll < 0.12 && changes.length + 2 <= size) {
        const group = pick(groupPool);
        changes.push(membershipChange(email, group, 'membership.added', true));
        changes.push(membershipChange(email, group, 'membership.added', true));
        cancellingPairs += 1;
      } else if (roll < 0.15) {
        changes.push(membershipChange(email, pick(groupPool), 'user.changed', false));
      } else {
        changes.push(membershipChange(email, pick(groupPool), 'membership.added', false));
      }
    }
    distinct += changes.length;
    // Exact duplicates of this window's and the previous window's deliveries (so some arrive a window late).
    const wanted = Math.round(((distinct / distinctTarget) * duplicatesTarget) - duplicates);
    const pool = [...changes, ...previous];
    const copies = Array.from({ length: Math.max(0, wanted) }, () => ({ change: pick(pool), duplicate: true }));
    duplicates += copies.length;
    const deliveries = shuffled([...changes.map((change) => ({ change, duplicate: false })), ...copies]);
    // A duplicate is never sent before its original.
    const firstIndex = new Map<string, number>();
    deliveries.forEach((d, i) => {
      if (!d.duplicate && !firstIndex.has(d.change.id)) firstIndex.set(d.change.id, i);
    });
    const ordered = deliveries.filter((d) => !d.duplicate || (firstIndex.get(d.change.id) ?? -1) < deliveries.indexOf(d));
    const late = deliveries.filter((d) => d.duplicate && (firstIndex.get(d.change.id) ?? -1) >= deliveries.indexOf(d));
    windows.push({ changes, deliveries: [...ordered, ...late], burst });
    previous = changes;
  }
  return {
    windows,
    deliveries: distinct + duplicates,
    duplicates,
    distinct,
    cancellingPairs,
    usersRemoved,
    minimumWritesByTarget: minimum,
  };
}
