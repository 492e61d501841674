/**
 * The chaos run's measurements, each from the simulators' own records: their request journals
 * (arrival, end, answer of every request) and the membership changes their writes made.
 */
import type { JournalEntry } from '../simulators/http-sim.js';
import type { Flip } from './events.js';
import { isManagedIn, type ReferenceTarget } from './reference.js';

/** Write calls the simulator executed (answered 2xx by its handler, not by an injected fault). */
export function executedWrites(entries: readonly JournalEntry[]): number {
  return entries.filter((e) => e.kind === 'write' && e.by === 'handler' && (e.status ?? 0) >= 200 && (e.status ?? 0) < 300).length;
}

/**
 * Most requests open at once. A request counts from its arrival until it was answered, or until the
 * client's timeout gave up on it (the client frees its slot then; the socket may close a little later).
 */
export function peakInFlight(entries: readonly JournalEntry[], clientTimeoutMs: number, now: number): number {
  const edges: [number, number][] = [];
  for (const e of entries) {
    const end = Math.min(e.end ?? now, e.start + clientTimeoutMs);
    edges.push([e.start, 1], [end, -1]);
  }
  // Ends before starts at the same instant: a slot freed and taken in one millisecond is not two.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let peak = 0;
  for (const [, delta] of edges) {
    open += delta;
    peak = Math.max(peak, open);
  }
  return peak;
}

/** Most requests in any 60-second window (sliding), over the given arrival times. */
export function maxPerMinute(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let start = 0;
  let best = 0;
  for (let end = 0; end < sorted.length; end += 1) {
    while ((sorted[end] as number) - (sorted[start] as number) >= 60_000) start += 1;
    best = Math.max(best, end - start + 1);
  }
  return best;
}

export interface ObservedChange {
  readonly targetId: string;
  readonly group: string;
  readonly member: string;
  readonly change: 'added' | 'removed';
  readonly at: number;
}

/**
 * When each managed membership was desired or not, over the run: its value at the start, and the
 * times IMS changes flipped it (stamped just before the change was made in IMS).
 */
export class DesireHistory {
  private readonly flips = new Map<string, { at: number; desired: boolean }[]>();

  constructor(private readonly initiallyDesired: (targetId: string, user: string, group: string) => boolean) {}

  record(flip: Flip, at: number): void {
    const key = `${flip.targetId}\u0000${flip.user}\u0000${flip.group}`;
    let list = this.flips.get(key);
    if (!list) this.flips.set(key, (list = []));
    list.push({ at, desired: flip.desired });
  }

  /** Was the membership ever `desired` at or before `at`? */
  everBefore(targetId: string, user: string, group: string, desired: boolean, at: number): boolean {
    if (this.initiallyDesired(targetId, user, group) === desired) return true;
    return (this.flips.get(`${targetId}\u0000${user}\u0000${group}`) ?? []).some((f) => f.desired === desired && f.at <= at);
  }
}

export interface WrongChange extends ObservedChange {
  readonly why: string;
}

export interface JudgeContext {
  readonly targets: ReadonlyMap<string, ReferenceTarget>;
  /** Folded emails of personal Adobe IDs. */
  readonly adobeIds: ReadonlySet<string>;
  /** AEM: folded group ids that exist in the target (to tell a nested group from a user). */
  readonly aemGroupIds: ReadonlyMap<string, ReadonlySet<string>>;
  /** AEM wiring the configuration asks for: folded "parent ← managed group". */
  readonly wiring: ReadonlySet<string>;
  readonly history: DesireHistory;
}

/** Every membership change a write made that the sync must never make, with why. */
export function judgeChanges(changes: readonly ObservedChange[], context: JudgeContext): WrongChange[] {
  const wrong: WrongChange[] = [];
  for (const c of changes) {
    const target = context.targets.get(c.targetId);
    if (!target) continue;
    const group = c.group.toLowerCase();
    const member = c.member.toLowerCase();
    const isGroupMember = context.aemGroupIds.get(c.targetId)?.has(member) ?? false;
    let why: string | undefined;
    if (isGroupMember) {
      if (!(c.change === 'added' && context.wiring.has(`${group} ← ${member}`))) why = 'nesting changed that the configuration does not ask for';
    } else if (!isManagedIn(target, group)) why = 'membership of an unmanaged or AEM-provided group changed';
    else if (!target.users.has(member)) why = 'membership of a local identity changed';
    else if (c.change === 'added' && context.adobeIds.has(member)) why = 'a personal Adobe ID was given access';
    else if (c.change === 'added' && !context.history.everBefore(c.targetId, member, group, true, c.at)) why = 'added although IMS never had the user in the group';
    else if (c.change === 'removed' && !context.history.everBefore(c.targetId, member, group, false, c.at)) {
      why = 'removed although IMS had the user in the group all along (a failed or partial read taken for the truth?)';
    }
    if (why !== undefined) wrong.push({ ...c, why });
  }
  return wrong;
}
