/**
 * `revocation`: how long a removal in IMS takes to leave every target, under load. On the local
 * stack over a generated org, with every simulator answering in `latency-ms` and UMAPI at its real
 * limits, a full reconciliation (the schedule function, applied through the queue) starts, and at
 * once `removals` removals go through the webhook door at a steady `rate`: each changes the IMS
 * simulator's org first (IMS stays the truth), then is posted, alternately as an I/O Events delivery
 * and a generic one. Latency: from the webhook's 200 to the moment the last target no longer lists
 * the membership, polled from the simulators' state every `poll-ms`.
 */
import { CAMPAIGN_ROLES, campaignProfile, prng } from '../../local/fixtures/generate.js';
import type { OrgFixture } from '../../local/fixtures/types.js';
import type { ScheduleSummary } from '../../functions/doors/schedule.js';
import { callsByEndpoint, generatedStackFixture, postChange, sleep, startBenchStack, STACK_CAMPAIGN_ID, type RemovalEvent } from './stack-world.js';
import { membershipKey, presentMemberships, type Membership } from './watch.js';
import { num, quantile, round, type Scenario } from './types.js';

interface PlannedRemoval {
  readonly event: RemovalEvent;
  /** Memberships in the targets that must go, each (target, group, member). */
  readonly gone: readonly Membership[];
  readonly targets: number;
}


/** Every managed membership each target lists now, by member (lower-cased), from the fixture. */
function membershipsByMember(fixture: OrgFixture): Map<string, Membership[]> {
  const byMember = new Map<string, Membership[]>();
  const add = (m: Membership): void => {
    const key = m.member.toLowerCase();
    byMember.set(key, [...(byMember.get(key) ?? []), m]);
  };
  for (const instance of fixture.aem) {
    for (const group of instance.groups) if (group.ims && group.id.startsWith('AEM-')) for (const member of group.members) add({ targetId: instance.targetId, group: group.id, member });
  }
  for (const instance of fixture.campaign) {
    for (const m of instance.memberships) if ((CAMPAIGN_ROLES as readonly string[]).includes(m.group)) add({ targetId: instance.targetId, group: m.group, member: m.operator });
  }
  return byMember;
}

/**
 * `count` removals of users who have access: 3 in 5 remove a user group that AEM lists, 1 in 5 a
 * Campaign product profile, 1 in 5 the user from the org. Each user once.
 */
export function pickRemovals(fixture: OrgFixture, count: number, seed: number): PlannedRemoval[] {
  const random = prng(seed ^ 0x5eed);
  const byMember = membershipsByMember(fixture);
  const users = fixture.users.filter((u) => (u.type === 'enterpriseID' || u.type === 'federatedID') && (u.status ?? 'active') === 'active');
  for (let i = users.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [users[i], users[j]] = [users[j] as (typeof users)[number], users[i] as (typeof users)[number]];
  }
  const picked: PlannedRemoval[] = [];
  const used = new Set<string>();
  const distinctTargets = (gone: readonly Membership[]): number => new Set(gone.map((m) => m.targetId)).size;
  for (let slot = 0; picked.length < count && slot < count * 20; slot += 1) {
    const kind = picked.length % 5 === 4 ? 'user' : picked.length % 5 === 1 ? 'profile' : 'group';
    const user = users.find((u) => {
      if (used.has(u.email)) return false;
      const listed = byMember.get(u.email.toLowerCase()) ?? [];
      if (kind === 'user') return listed.length > 0;
      if (kind === 'profile') return listed.some((m) => m.targetId === STACK_CAMPAIGN_ID && u.groups.includes(campaignProfile(1, m.group)));
      return listed.some((m) => m.targetId !== STACK_CAMPAIGN_ID && u.groups.includes(m.group));
    });
    if (user === undefined) break;
    used.add(user.email);
    const listed = byMember.get(user.email.toLowerCase()) ?? [];
    if (kind === 'user') {
      picked.push({ event: { kind: 'user', email: user.email }, gone: listed, targets: distinctTargets(listed) });
    } else if (kind === 'profile') {
      const m = listed.find((x) => x.targetId === STACK_CAMPAIGN_ID && user.groups.includes(campaignProfile(1, x.group))) as Membership;
      picked.push({ event: { kind: 'membership', email: user.email, group: campaignProfile(1, m.group) }, gone: [m], targets: 1 });
    } else {
      const group = (listed.find((x) => x.targetId !== STACK_CAMPAIGN_ID && user.groups.includes(x.group)) as Membership).group;
      const gone = listed.filter((x) => x.targetId !== STACK_CAMPAIGN_ID && x.group === group);
      picked.push({ event: { kind: 'membership', email: user.email, group }, gone, targets: distinctTargets(gone) });
    }
  }
  if (picked.length < count) throw new Error(`revocation: the org has only ${picked.length} users with access to remove; lower --removals or raise --users`);
  return picked;
}

export const revocationScenario: Scenario = {
  name: 'revocation',
  summary: 'removals through the webhook during a full reconciliation at real UMAPI limits: latency until gone from every target',
  flags: {
    users: { default: 20_000, min: 1000, max: 200_000, help: 'org size' },
    removals: { default: 500, min: 1, max: 20_000, help: 'removals sent through the webhook' },
    rate: { default: 10, min: 1, max: 1000, help: 'removals a second (steady)' },
    'latency-ms': { default: 20, min: 0, max: 5000, help: 'every simulator answers after this long' },
    'target-rps': { default: 10, min: 1, max: 1000, help: "each target's limits.requestsPerSecond (the product's default is 10)" },
    'timeout-s': { default: 120, min: 10, max: 7200, help: 'after the last removal is sent, give up waiting after this long' },
    'poll-ms': { default: 10, min: 1, max: 1000, help: 'how often the targets are looked at' },
    seed: { default: 1, min: 0, help: 'generator seed (org and removals)' },
  },
  async run(flags, log) {
    const users = num(flags, 'users');
    const count = num(flags, 'removals');
    const rate = num(flags, 'rate');
    const latencyMs = num(flags, 'latency-ms');
    const timeoutMs = num(flags, 'timeout-s') * 1000;
    const pollMs = num(flags, 'poll-ms');
    const fixture = generatedStackFixture(users, num(flags, 'seed'));
    const removals = pickRemovals(fixture, count, num(flags, 'seed'));
    log(`${users} users, ${count} removals (${removals.filter((r) => r.event.kind === 'user').length} from the org), ${rate}/s, simulators at ${latencyMs} ms; starting the local stack...`);
    const { stack, stop } = await startBenchStack(fixture, latencyMs, num(flags, 'target-rps'));
    try {
      for (const sim of [stack.sims.ims, stack.sims.aemProd, stack.sims.aemStage, stack.sims.campaign]) sim.resetCounts();
      const accepted: (number | undefined)[] = new Array<number | undefined>(count).fill(undefined);
      const doneAt = new Map<string, number>();
      const sendErrors: string[] = [];
      const t0 = performance.now();
      let reconcileEnd: { at: number; summary?: ScheduleSummary; error?: string } | undefined;
      const reconcile = stack.runSchedule().then(
        (summary) => void (reconcileEnd = { at: performance.now(), summary }),
        (error: unknown) => void (reconcileEnd = { at: performance.now(), error: String(error) }),
      );

      const sends: Promise<void>[] = [];
      const sender = (async () => {
        for (let i = 0; i < count; i += 1) {
          const wait = t0 + (i * 1000) / rate - performance.now();
          if (wait > 0) await sleep(wait);
          const removal = removals[i] as PlannedRemoval;
          const { event } = removal;
          // IMS first: it stays the truth the worker may read.
          if (event.kind === 'user') stack.sims.ims.org.removeUser(event.email);
          else stack.sims.ims.org.removeUserFromGroup(event.email, event.group);
          sends.push(
            postChange(stack, i % 2 === 0 ? 'adobeIo' : 'generic', event).then(
              () => void (accepted[i] = performance.now()),
              (error: unknown) => void sendErrors.push(String(error)),
            ),
          );
        }
        await Promise.all(sends);
      })();

      let lastSentAt: number | undefined;
      void sender.then(() => (lastSentAt = performance.now()));
      const pending = new Map(removals.flatMap((r) => r.gone.map((m) => [membershipKey(m), m] as const)));
      let progressAt = performance.now();
      while (pending.size > 0) {
        await sleep(pollMs);
        const present = presentMemberships(stack, pending.values());
        const now = performance.now();
        for (const key of [...pending.keys()]) {
          if (!present.has(key)) {
            doneAt.set(key, now);
            pending.delete(key);
          }
        }
        if (now - progressAt > 10_000) {
          progressAt = now;
          log(`${Math.round((now - t0) / 1000)} s: ${accepted.filter((a) => a !== undefined).length} accepted, ${pending.size} memberships still listed, reconciliation ${reconcileEnd ? 'done' : 'running'}`);
        }
        if (lastSentAt !== undefined && now - lastSentAt > timeoutMs) break;
        if (sendErrors.length > 0 && lastSentAt !== undefined) break;
      }
      await sender;
      const allGoneAt = performance.now();
      if (sendErrors.length > 0) throw new Error(`revocation: ${sendErrors.length} webhook posts failed, e.g. ${sendErrors[0]}`);

      const latencies: number[] = [];
      const floors: number[] = [];
      let beforeAccepted = 0;
      let unfinished = 0;
      removals.forEach((removal, i) => {
        const done = removal.gone.map((m) => doneAt.get(membershipKey(m)));
        const acceptedAt = accepted[i];
        if (acceptedAt === undefined) throw new Error(`revocation: removal ${i} was never accepted`);
        floors.push(removal.targets * latencyMs);
        if (done.some((d) => d === undefined)) {
          // Not gone when the wait ended: counted with the time waited so far, a lower bound.
          unfinished += 1;
          latencies.push(allGoneAt - acceptedAt);
          return;
        }
        const last = Math.max(...(done as number[]));
        if (last < acceptedAt) beforeAccepted += 1;
        latencies.push(Math.max(0, last - acceptedAt));
      });

      log('waiting for the reconciliation and the queue to finish, then checking nothing came back...');
      await Promise.race([reconcile, sleep(timeoutMs)]);
      await Promise.race([stack.idle(), sleep(Math.min(60_000, timeoutMs))]);
      const listedAtEnd = presentMemberships(stack, removals.flatMap((r) => r.gone));
      const goneOnce = removals.flatMap((r) => r.gone).filter((m) => doneAt.has(membershipKey(m)));
      // Gone once, listed again: something (a reconciliation planned from an older read?) put it back.
      const reappeared = goneOnce.filter((m) => listedAtEnd.has(membershipKey(m))).length;
      const neverGone = removals.flatMap((r) => r.gone).filter((m) => !doneAt.has(membershipKey(m)) && listedAtEnd.has(membershipKey(m))).length;
      const umapiRequests = Object.values(stack.sims.ims.counts()).reduce((a, c) => a + c.read + c.write, 0);
      const targetCalls = callsByEndpoint(stack);
      const end = reconcileEnd as { at: number; summary?: ScheduleSummary; error?: string } | undefined;

      // Per target: from the webhook's answer to the membership gone there, so the slowest target shows.
      const byTarget = new Map<string, number[]>();
      removals.forEach((removal, i) => {
        const acceptedAt = accepted[i] ?? 0;
        for (const m of removal.gone) {
          const at = doneAt.get(membershipKey(m));
          if (at !== undefined) byTarget.set(m.targetId, [...(byTarget.get(m.targetId) ?? []), Math.max(0, at - acceptedAt)]);
        }
      });
      const perTarget = [...byTarget]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([targetId, ms]) => `${targetId} ${ms.length} memberships, p50 ${round(quantile(ms, 0.5), 0)} ms, p99 ${round(quantile(ms, 0.99), 0)} ms`)
        .join('; ');
      const p = (q: number): number => round(quantile(latencies, q), 0);
      const floorP50 = quantile(floors, 0.5);
      const floorMax = floors.length > 0 ? Math.max(...floors) : Number.NaN;
      return {
        figures: {
          removals: count,
          revocationP50Ms: p(0.5),
          revocationP95Ms: p(0.95),
          revocationP99Ms: p(0.99),
          revocationMaxMs: latencies.length > 0 ? round(Math.max(...latencies), 0) : Number.NaN,
          revocationFloorP50Ms: floorP50,
          unfinished,
          reappeared,
          stillListed: neverGone,
          users,
          reconcileSeconds: end ? round((end.at - t0) / 1000, 1) : -1,
          reconcileStatus: end?.summary?.status ?? end?.error ?? 'still running',
          umapiRequests,
        },
        comparisons: [
          { label: 'revocation p50', value: p(0.5), floor: floorP50, unit: 'ms', floorIs: `one ${latencyMs} ms write per target the removal touches (median)` },
          { label: 'revocation p95', value: p(0.95), floor: quantile(floors, 0.95), unit: 'ms', floorIs: 'the same, 95th percentile' },
          { label: 'revocation p99', value: p(0.99), floor: quantile(floors, 0.99), unit: 'ms', floorIs: 'the same, 99th percentile' },
          { label: 'revocation max', value: latencies.length > 0 ? Math.max(...latencies) : Number.NaN, floor: floorMax, unit: 'ms', floorIs: 'the same, largest' },
        ],
        notes: [
          `${count - unfinished}/${count} removals landed in every target; ${unfinished} had not ${flags['timeout-s']} s after the last send (counted with the time waited, so the percentiles are then lower bounds); ${beforeAccepted} were already gone when the webhook answered (the reconciliation got there first)`,
          `sending took ${round(((lastSentAt ?? allGoneAt) - t0) / 1000, 1)} s; the last membership went at ${round((allGoneAt - t0) / 1000, 1)} s`,
          `by target, each membership from the webhook's answer to gone there: ${perTarget || 'none gone'}`,
          `the full reconciliation (${users} users, 25 user / 5 group reads a minute) ${end ? `ended at ${round((end.at - t0) / 1000, 1)} s: ${end.summary ? `${end.summary.status}${end.summary.reason ? ` (${end.summary.reason})` : ''}, ${end.summary.targets.map((t) => `${t.targetId} ${t.status} +${t.adds}/-${t.removes} in ${t.messages} messages`).join('; ')}` : end.error}` : `was still running after ${round((performance.now() - t0) / 1000, 0)} s`}`,
          `UMAPI requests during the run: ${umapiRequests}; after the wait for an idle queue: ${reappeared} memberships were listed again after they had gone, ${neverGone} had never gone`,
          `target calls during the run (removals and the reconciliation's work together), busiest first: ${targetCalls}`,
        ],
      };
    } finally {
      await stop();
    }
  },
};
