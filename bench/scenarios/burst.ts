/**
 * `burst`: `changes` membership changes over `groups` IMS user groups, half removals, sent through
 * the webhook door of the local stack at once (both doors, `concurrency` posts in flight), with
 * UMAPI at its real limits and every simulator answering in `latency-ms`. Each burst group
 * (`AEM-Burst-NN`) reaches both AEM instances, so each change is due in two targets. Measured:
 * time until every burst group in every target matches IMS, time until every removal landed,
 * UMAPI requests and target calls in that time. Gives up after `timeout-s` with "did not converge".
 */
import { aemProfile, generateOrg, GENERATED_CLIENT_ID } from '../../local/fixtures/generate.js';
import type { OrgFixture } from '../../local/fixtures/types.js';
import { callsByEndpoint, postChange, sleep, startBenchStack, STACK_AEM_IDS, STACK_CAMPAIGN_ID, type AddEvent, type RemovalEvent } from './stack-world.js';
import { membershipKey, presentMemberships, type Membership } from './watch.js';
import { num, round, type Scenario } from './types.js';

const burstGroup = (k: number): string => `AEM-Burst-${String(k).padStart(2, '0')}`;

interface Burst {
  readonly fixture: OrgFixture;
  /** In the order they are sent. */
  readonly changes: readonly (RemovalEvent | AddEvent)[];
  readonly mustGo: readonly Membership[];
  readonly mustCome: readonly Membership[];
}

/**
 * A generated org plus `groups` burst groups, each listed in both AEM instances with `perGroup / 2`
 * members who will be removed; as many users who have logged in to both will be added.
 */
export function burstWorld(users: number, seed: number, groups: number, changes: number): Burst {
  const fixture = generateOrg({ users, seed, aemInstances: 2, campaignInstances: 1 });
  fixture.aem.forEach((instance, k) => {
    instance.targetId = STACK_AEM_IDS[k] ?? instance.targetId;
  });
  if (fixture.campaign[0]) fixture.campaign[0].targetId = STACK_CAMPAIGN_ID;
  const inBoth = new Set(
    (fixture.aem[0]?.users ?? []).filter((u) => u.ims && fixture.aem[1]?.users.some((v) => v.id === u.id)).map((u) => u.id.toLowerCase()),
  );
  const eligible = fixture.users.filter((u) => (u.type === 'enterpriseID' || u.type === 'federatedID') && (u.status ?? 'active') === 'active' && inBoth.has(u.email.toLowerCase()));
  const perGroup = Math.ceil(changes / groups);
  const removals = Math.floor(perGroup / 2);
  if (eligible.length < perGroup) throw new Error(`burst: only ${eligible.length} users are in both AEM instances; raise --users`);
  const out: (RemovalEvent | AddEvent)[] = [];
  const mustGo: Membership[] = [];
  const mustCome: Membership[] = [];
  for (let k = 0; k < groups && out.length < changes; k += 1) {
    const name = burstGroup(k);
    fixture.groups.push({ name, type: 'USER_GROUP', profiles: [aemProfile(1), aemProfile(2)] });
    // A window of the eligible users, shifted per group: first half members now, second half to add.
    const window = Array.from({ length: perGroup }, (_, i) => eligible[(k * 7 + i) % eligible.length] as (typeof eligible)[number]);
    const members = window.slice(0, removals);
    for (const u of members) u.groups.push(name);
    for (const instance of fixture.aem) instance.groups.push({ id: name, ims: true, members: members.map((u) => u.email) });
    for (const u of window) {
      if (out.length >= changes) break;
      const removing = members.includes(u);
      out.push(removing ? { kind: 'membership', email: u.email, group: name } : { kind: 'added', email: u.email, group: name });
      for (const targetId of STACK_AEM_IDS) (removing ? mustGo : mustCome).push({ targetId, group: name, member: u.email });
    }
  }
  // Interleave the groups, as a bulk change in the Admin Console would arrive.
  const order = out.map((c, i) => ({ c, key: ((i % perGroup) * groups + Math.floor(i / perGroup)) }));
  order.sort((a, b) => a.key - b.key);
  return { fixture, changes: order.map((o) => o.c), mustGo, mustCome };
}

export const burstScenario: Scenario = {
  name: 'burst',
  summary: 'a burst of membership changes over many groups (half removals) at real UMAPI limits: time until targets match IMS',
  flags: {
    changes: { default: 2000, min: 2, max: 100_000, help: 'membership changes in the burst' },
    groups: { default: 50, min: 1, max: 1000, help: 'IMS user groups they fall in' },
    users: { default: 5000, min: 500, max: 200_000, help: 'org size' },
    'latency-ms': { default: 20, min: 0, max: 5000, help: 'every simulator answers after this long' },
    'target-rps': { default: 10, min: 1, max: 1000, help: "each target's limits.requestsPerSecond (the product's default is 10)" },
    concurrency: { default: 16, min: 1, max: 1000, help: 'webhook posts in flight while sending' },
    'timeout-s': { default: 180, min: 10, max: 7200, help: 'give up ("did not converge") after this long' },
    'poll-ms': { default: 250, min: 10, max: 10_000, help: 'how often the targets are compared with IMS' },
    seed: { default: 1, min: 0, help: 'generator seed' },
  },
  async run(flags, log) {
    const count = num(flags, 'changes');
    const groups = num(flags, 'groups');
    const latencyMs = num(flags, 'latency-ms');
    const timeoutS = num(flags, 'timeout-s');
    const users = num(flags, 'users');
    const burst = burstWorld(users, num(flags, 'seed'), groups, count);
    log(`${burst.changes.length} changes over ${groups} groups (${burst.mustGo.length / 2} removals), ${users} users; starting the local stack (${GENERATED_CLIENT_ID})...`);
    const { stack, stop } = await startBenchStack(burst.fixture, latencyMs, num(flags, 'target-rps'));
    try {
      const sims = [stack.sims.ims, stack.sims.aemProd, stack.sims.aemStage, stack.sims.campaign];
      for (const sim of sims) sim.resetCounts();
      const t0 = performance.now();
      let next = 0;
      const sendErrors: string[] = [];
      const sender = Promise.all(
        Array.from({ length: num(flags, 'concurrency') }, async () => {
          while (next < burst.changes.length) {
            const i = next;
            next += 1;
            const change = burst.changes[i] as RemovalEvent | AddEvent;
            if (change.kind === 'added') stack.sims.ims.org.addUserToGroup(change.email, change.group);
            else if (change.kind === 'membership') stack.sims.ims.org.removeUserFromGroup(change.email, change.group);
            await postChange(stack, i % 2 === 0 ? 'adobeIo' : 'generic', change).catch((error: unknown) => void sendErrors.push(String(error)));
          }
        }),
      );
      let sentAt: number | undefined;
      void sender.then(() => (sentAt = performance.now()));
      let removalsAt: number | undefined;
      let convergedAt: number | undefined;
      let remaining = { go: burst.mustGo.length, come: burst.mustCome.length };
      /** A few memberships still due, to look up in the stack's log. */
      let stillDue: Membership[] = [];
      let progressAt = t0;
      while (convergedAt === undefined && performance.now() - t0 < timeoutS * 1000) {
        await sleep(num(flags, 'poll-ms'));
        if (sendErrors.length > 0) throw new Error(`burst: ${sendErrors.length} webhook posts failed, e.g. ${sendErrors[0]}`);
        const present = presentMemberships(stack, [...burst.mustGo, ...burst.mustCome]);
        const now = performance.now();
        const due = { go: burst.mustGo.filter((m) => present.has(membershipKey(m))), come: burst.mustCome.filter((m) => !present.has(membershipKey(m))) };
        remaining = { go: due.go.length, come: due.come.length };
        stillDue = [...due.go, ...due.come].slice(0, 5);
        if (sentAt !== undefined && remaining.go === 0) removalsAt ??= now;
        if (sentAt !== undefined && remaining.go === 0 && remaining.come === 0) convergedAt = now;
        if (now - progressAt > 15_000) {
          progressAt = now;
          log(`${Math.round((now - t0) / 1000)} s: sent ${next}/${burst.changes.length}; still due: ${remaining.go} removals, ${remaining.come} adds (target memberships)`);
        }
      }
      await sender;
      const endAt = convergedAt ?? performance.now();
      const counts = Object.fromEntries(sims.map((s, i) => [['ims', 'aemProd', 'aemStage', 'campaign'][i] as string, Object.values(s.counts()).reduce((a, c) => a + c.read + c.write, 0)]));
      const umapiRequests = counts['ims'] ?? 0;
      const targetCalls = (counts['aemProd'] ?? 0) + (counts['aemStage'] ?? 0) + (counts['campaign'] ?? 0);
      const converged = convergedAt !== undefined;
      const userPages = Math.ceil(users / 2000);
      // Removals need no UMAPI read (the event is the truth): one write per group per target, targets in parallel.
      const removalsFloorS = (groups * latencyMs) / 1000;
      // Adds need IMS's word: one full user read at 25 pages a minute (paced, the first at once), then the writes.
      const convergeFloorS = ((userPages - 1) * 60) / 25 + removalsFloorS;
      const seconds = (endAt - t0) / 1000;
      return {
        figures: {
          burstChanges: burst.changes.length,
          burstConverged: converged,
          burstSeconds: round(seconds, 1),
          burstRemovalsSeconds: removalsAt !== undefined ? round((removalsAt - t0) / 1000, 1) : -1,
          burstUmapiRequests: umapiRequests,
          burstTargetCallsPerChange: round(targetCalls / burst.changes.length, 2),
          burstSendSeconds: round(((sentAt ?? endAt) - t0) / 1000, 1),
          burstStillDue: remaining.go + remaining.come,
        },
        comparisons: [
          { label: converged ? 'burst: every target matches IMS' : `burst: NOT converged within ${timeoutS} s`, value: seconds, floor: convergeFloorS, unit: 's', floorIs: `one full UMAPI user read (${userPages} pages at 25/min) + one ${latencyMs} ms write per group per target` },
          ...(removalsAt !== undefined
            ? [{ label: 'burst: every removal landed', value: (removalsAt - t0) / 1000, floor: removalsFloorS, unit: 's', floorIs: `one ${latencyMs} ms write per group per target, no UMAPI` }]
            : []),
          { label: 'burst: UMAPI requests', value: umapiRequests, floor: userPages + 1, unit: 'req', floorIs: 'one full user read + token' },
          { label: 'burst: target calls per change', value: targetCalls / burst.changes.length, floor: (groups * STACK_AEM_IDS.length) / burst.changes.length, unit: 'calls', floorIs: 'one write per group per target' },
        ],
        notes: [
          converged
            ? `converged: every burst group in both AEM targets matches IMS after ${round(seconds, 1)} s (sending took ${round(((sentAt ?? endAt) - t0) / 1000, 1)} s)`
            : `DID NOT CONVERGE within ${timeoutS} s: ${remaining.go} removals and ${remaining.come} adds (target memberships, of ${burst.mustGo.length} and ${burst.mustCome.length}) still due${removalsAt === undefined ? '; the removals had not all landed either' : ''}`,
          ...(converged ? [] : [`still due, e.g.: ${stillDue.map((m) => `${m.member} in ${m.group} (${m.targetId})`).join('; ')}`]),
          `calls in that time: UMAPI ${umapiRequests}, AEM ${(counts['aemProd'] ?? 0) + (counts['aemStage'] ?? 0)}, Campaign ${counts['campaign'] ?? 0}`,
          `target calls by endpoint: ${callsByEndpoint(stack)}`,
        ],
      };
    } finally {
      await stop();
    }
  },
};
