/**
 * What the demo shows and checks: who is in which group in each target, read straight from the
 * simulators' controls (not through the sync's own adapters), and a before/after table of it.
 */
import type { StackSims } from '../stack.js';

/** target id → group → members (sorted, lower-case). */
export type World = ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>;

export const TARGET_IDS = ['acme-prod-author', 'acme-stage-author', 'acme-campaign'] as const;
export type DemoTargetId = (typeof TARGET_IDS)[number];

const sortFold = (names: Iterable<string>): string[] => [...names].map((n) => n.toLowerCase()).sort();

/** The groups worth showing: AEM's IMS groups (the managed ones live there), Campaign's operator groups. */
export function readWorld(sims: StackSims): World {
  const world = new Map<string, Map<string, readonly string[]>>();
  for (const [targetId, sim] of [['acme-prod-author', sims.aemProd], ['acme-stage-author', sims.aemStage]] as const) {
    const groups = new Map<string, readonly string[]>();
    for (const group of sim.control.snapshot().groups) if (group.ims) groups.set(group.id, sortFold(group.members));
    world.set(targetId, groups);
  }
  const campaign = sims.campaign.control.snapshot();
  const groups = new Map<string, readonly string[]>();
  for (const group of campaign.groups) if (group.name !== 'admin') groups.set(group.name, sims.campaign.control.membersOf(group.name).map((n) => n.toLowerCase()));
  world.set('acme-campaign', groups);
  return world;
}

/** Members of a group in a target now ([] when the group does not exist). */
export function membersNow(sims: StackSims, targetId: string, group: string): string[] {
  if (targetId === 'acme-campaign') return sims.campaign.control.membersOf(group).map((n) => n.toLowerCase());
  const sim = targetId === 'acme-prod-author' ? sims.aemProd : sims.aemStage;
  const found = sim.control.snapshot().groups.find((g) => g.id.toLowerCase() === group.toLowerCase());
  return found ? sortFold(found.members) : [];
}

/** Managed groups a user is in, per target (AEM: IMS groups only; Campaign: operator groups). */
export function groupsOfUser(sims: StackSims, user: string): Record<DemoTargetId, string[]> {
  const world = readWorld(sims);
  const key = user.toLowerCase();
  const of = (targetId: DemoTargetId): string[] =>
    [...(world.get(targetId) ?? new Map<string, readonly string[]>())].filter(([, members]) => members.includes(key)).map(([group]) => group).sort();
  return { 'acme-prod-author': of('acme-prod-author'), 'acme-stage-author': of('acme-stage-author'), 'acme-campaign': of('acme-campaign') };
}

const short = (member: string): string => member.replace(/@acme\.com$/, '');

/** One row per target and group: members after the step, `+x` joined, `-y` left. */
export function beforeAfterTable(before: World, after: World): string[] {
  const rows: [string, string, string][] = [];
  for (const targetId of TARGET_IDS) {
    const was = before.get(targetId) ?? new Map<string, readonly string[]>();
    const now = after.get(targetId) ?? new Map<string, readonly string[]>();
    const groups = [...new Set([...was.keys(), ...now.keys()])].sort();
    groups.forEach((group, index) => {
      const old = new Set(was.get(group) ?? []);
      const current = new Set(now.get(group) ?? []);
      const cells = [...new Set([...old, ...current])].sort().flatMap((m) => {
        if (old.has(m) && current.has(m)) return [short(m)];
        return current.has(m) ? [`+${short(m)}`] : [`-${short(m)}`];
      });
      rows.push([index === 0 ? targetId : '', group, cells.join(', ') || '(none)']);
    });
  }
  const w0 = Math.max(6, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  return [
    `    ${'target'.padEnd(w0)}  ${'group'.padEnd(w1)}  members (+ joined, - left)`,
    ...rows.map(([t, g, m]) => `    ${t.padEnd(w0)}  ${g.padEnd(w1)}  ${m}`),
  ];
}
