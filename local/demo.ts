/**
 * The scripted demo (`npm run demo`): a story told against a freshly started local stack, each step
 * changing IMS (the simulator's org), telling the sync through a signed webhook (step 1: an Adobe
 * I/O Events audit event signed with the stack's own keys; the others: the generic webhook), and checking the
 * targets through the simulators' own controls, with bounded waiting. It ends with a full
 * comparison of every target against IMS (a reconciliation plan must be empty everywhere).
 * See docs/local-stack.md.
 */
import { reconcile, type ReconcileReport } from '../lib/sync/reconcile.js';
import { DEMO_CLIENT_ID, DEMO_ORG_ID } from './fixtures/demo-org.js';
import { auditDelivery, postAdobeIo, type AuditChange } from './demo/adobe-io.js';
import { beforeAfterTable, groupsOfUser, membersNow, readWorld, TARGET_IDS } from './demo/world.js';
import { postGenericChange, type GenericChangeType } from './demo/webhook.js';
import { startStack, type Stack, type StackOptions } from './stack.js';

export interface DemoStepResult {
  readonly title: string;
  readonly ok: boolean;
  /** What was seen, or why the step failed. */
  readonly detail: string;
  readonly ms: number;
}

export interface DemoResult {
  /** Every step passed and every target matches IMS. */
  readonly ok: boolean;
  readonly steps: readonly DemoStepResult[];
  /** Per target: adds and removes a reconciliation would still make (0 and 0 when in sync). */
  readonly comparison: readonly { targetId: string; adds: number; removes: number; deferred: number; error?: string }[];
  readonly ms: number;
}

export interface DemoOptions {
  readonly print?: (line: string) => void;
  /** How long a step may wait for its effect before giving up (default 20 s). */
  readonly stepTimeoutMs?: number;
  /** How long the simulated AEM outage of step 5 lasts (default 4 s). */
  readonly outageMs?: number;
  /** Passed to startStack (quiet unless told otherwise). */
  readonly stack?: StackOptions;
}

/** A step acts, then answers a check: undefined once its effect is visible, else what is still missing. */
type Check = () => string | undefined;

interface Step {
  readonly title: string;
  /** What passing means, for the line under the step (default: the change is seen in the targets). */
  readonly seen?: string;
  act(ctx: Context): Promise<Check>;
}

interface Context {
  readonly stack: Stack;
  readonly print: (line: string) => void;
  readonly outageMs: number;
  readonly stepTimeoutMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll until the check passes: after each idle worker queue, then every 100 ms; a clear error at the deadline. */
async function waitFor(check: Check, stack: Stack, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const missing = check();
    if (missing === undefined) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`gave up after ${(timeoutMs / 1000).toFixed(0)} s: ${missing}`);
    await Promise.race([stack.idle(), sleep(1000)]);
    await sleep(100);
  }
}

async function tell(ctx: Context, type: GenericChangeType, email: string, group?: string): Promise<string> {
  const posted = await postGenericChange(
    { webhookUrl: ctx.stack.urls.webhook, secret: ctx.stack.env.DEMO_WEBHOOK_SECRET ?? '' },
    { type, email, ...(group !== undefined ? { group } : {}) },
  );
  ctx.print(`    → POST /webhooks/generic ${type} ${email}${group ? ` ${group}` : ''}: HTTP ${posted.status} ${posted.answer}`);
  if (posted.status !== 200) throw new Error(`the webhook refused the change: HTTP ${posted.status} ${posted.answer}`);
  return posted.id;
}

/** What the webhook answered, shortened for the story (a 401 names every signature it tried). */
const shortAnswer = (answer: string): string => {
  const short = answer.replace(/ \([^"]*\)"\}$/, ' (…)"}');
  return short.length > 100 ? `${short.slice(0, 99)}…` : short;
};

/**
 * Tell the sync as Adobe would: an Admin Console audit event, signed with the stack's I/O Events
 * keys. First a forged copy (signed, then the user changed in the body) that must get 401 and
 * queue nothing; then the genuine delivery.
 */
async function tellAdobeIo(ctx: Context, change: AuditChange, forgedEmail: string): Promise<string> {
  const delivery = auditDelivery(change, { orgId: DEMO_ORG_ID, clientId: DEMO_CLIENT_ID });
  const headers = ctx.stack.signAdobeIo(delivery.body, { eventId: delivery.id });
  const what = `${change.eventCode} ${change.email}${change.group ? ` ${change.group}` : ''}`;

  const before = ctx.stack.stats();
  const forged = await postAdobeIo(ctx.stack.urls.webhook, delivery.body.replaceAll(change.email, forgedEmail), headers);
  const after = ctx.stack.stats();
  ctx.print(`    → POST /webhooks/adobe-io forged (signed, then the user changed to ${forgedEmail}): HTTP ${forged.status} ${shortAnswer(forged.answer)}, nothing queued`);
  if (forged.status !== 401 || after.eventsIn !== before.eventsIn) throw new Error(`a forged I/O Events delivery was not refused: HTTP ${forged.status} ${forged.answer}`);

  const posted = await postAdobeIo(ctx.stack.urls.webhook, delivery.body, headers);
  ctx.print(`    → POST /webhooks/adobe-io ${what} (Admin Console audit event, RSA-signed): HTTP ${posted.status} ${posted.answer}`);
  if (posted.status !== 200) throw new Error(`the webhook refused the I/O Events delivery: HTTP ${posted.status} ${posted.answer}`);
  return delivery.id;
}

const inGroup = (ctx: Context, targetId: string, group: string, user: string): boolean => membersNow(ctx.stack.sims, targetId, group).includes(user);
const expectIn = (ctx: Context, targetId: string, group: string, user: string): string | undefined =>
  inGroup(ctx, targetId, group, user) ? undefined : `${user} is not yet in ${group} in ${targetId}`;
const expectNotIn = (ctx: Context, targetId: string, group: string, user: string): string | undefined =>
  inGroup(ctx, targetId, group, user) ? `${user} is still in ${group} in ${targetId}` : undefined;
/** The work of the change the demo sent as `senderId`: the webhook names it `<sender id>#<content hash>` (lib/ingest/work-id.ts). */
const workApplied = (ctx: Context, senderId: string): boolean =>
  ctx.stack.logLines().some((l) => l.fn === 'worker' && l.message === 'work applied' && String(l.attributes['workId']).startsWith(`${senderId}#`));

function planLines(report: ReconcileReport): string[] {
  return report.targets.map((t) => {
    if (t.plan === undefined) return `    ${t.targetId}: could not be planned (${t.error ?? t.status})`;
    const changes = t.plan.changes
      .filter((c) => c.add.length + c.remove.length > 0)
      .map((c) => `${c.group} ${[...c.add.map((m) => `+${m}`), ...c.remove.map((m) => `-${m}`)].join(' ')}`);
    const deferred = t.plan.deferred.length > 0 ? `; ${t.plan.deferred.length} deferred until a first login` : '';
    return `    ${t.targetId}: ${changes.join('; ') || 'nothing to change'}${deferred}`;
  });
}

const STEPS: readonly Step[] = [
  {
    title: '0. Initial reconciliation brings every target to IMS',
    async act(ctx) {
      const plan = await reconcile({ runId: `demo-plan-${Date.now()}`, mode: 'plan' }, ctx.stack.runtime);
      if (plan.status !== 'complete') throw new Error(`the plan could not be made: ${plan.reason ?? plan.status}`);
      ctx.print('    the plan (dry run):');
      for (const line of planLines(plan)) ctx.print(line);
      const summary = await ctx.stack.runSchedule();
      ctx.print(`    → schedule run ${summary.runId}: ${summary.targets.map((t) => `${t.targetId} ${t.status} (${t.messages} message${t.messages === 1 ? "" : "s"})`).join(', ')}`);
      const expected = plan.targets.flatMap((t) =>
        (t.plan?.changes ?? []).flatMap((c) => [
          ...c.add.map((m) => () => expectIn(ctx, t.targetId, c.group, m)),
          ...c.remove.map((m) => () => expectNotIn(ctx, t.targetId, c.group, m)),
        ]),
      );
      return () => expected.map((check) => check()).find((missing) => missing !== undefined);
    },
  },
  {
    title: '1. Li joins AEM-DAM-Users in the Admin Console → an I/O Events audit event → in AEM prod within seconds',
    async act(ctx) {
      ctx.stack.sims.ims.org.addUserToGroup('li@acme.com', 'AEM-DAM-Users');
      // USER_GROUP_ADD_USER: a recognised code (lib/ingest/adobe-io/audit-events.ts), so a precise delta.
      await tellAdobeIo(ctx, { eventCode: 'USER_GROUP_ADD_USER:USER_GROUP', email: 'li@acme.com', group: 'AEM-DAM-Users' }, 'sam@acme.com');
      return () => expectIn(ctx, 'acme-prod-author', 'AEM-DAM-Users', 'li@acme.com');
    },
  },
  {
    title: '2. Nina leaves AEM-Authors (the group carrying the prod profile) → loses every group in prod',
    async act(ctx) {
      ctx.stack.sims.ims.org.removeUserFromGroup('nina@acme.com', 'AEM-Authors');
      await tell(ctx, 'membership.removed', 'nina@acme.com', 'AEM-Authors');
      return () => {
        const left = groupsOfUser(ctx.stack.sims, 'nina@acme.com')['acme-prod-author'];
        return left.length === 0 ? undefined : `nina@acme.com is still in ${left.join(', ')} in acme-prod-author`;
      };
    },
  },
  {
    title: '3. Li is removed from the org → loses access everywhere',
    async act(ctx) {
      ctx.stack.sims.ims.org.removeUser('li@acme.com');
      await tell(ctx, 'user.removed', 'li@acme.com');
      return () => {
        const left = Object.entries(groupsOfUser(ctx.stack.sims, 'li@acme.com')).filter(([, groups]) => groups.length > 0);
        return left.length === 0 ? undefined : `li@acme.com is still in ${left.map(([t, g]) => `${g.join(', ')} (${t})`).join('; ')}`;
      };
    },
  },
  {
    title: '4. Omar moves from the content-reviewers to the campaign-managers profile → operator groups follow',
    async act(ctx) {
      const { org } = ctx.stack.sims.ims;
      org.removeUserFromGroup('omar@acme.com', 'Campaign - acme-prod - content-reviewers');
      org.addUserToGroup('omar@acme.com', 'Campaign - acme-prod - campaign-managers');
      await tell(ctx, 'user.changed', 'omar@acme.com');
      return () => expectIn(ctx, 'acme-campaign', 'campaign-managers', 'omar@acme.com') ?? expectNotIn(ctx, 'acme-campaign', 'content-reviewers', 'omar@acme.com');
    },
  },
  {
    title: '5. AEM prod is down when Omar joins AEM-Authors → the change lands after recovery',
    async act(ctx) {
      const { aemProd, ims } = ctx.stack.sims;
      const outageUntil = Date.now() + ctx.outageMs;
      aemProd.faults = { outageUntil };
      ctx.print(`    AEM prod answers 503 to everything for ${(ctx.outageMs / 1000).toFixed(1)} s`);
      ims.org.addUserToGroup('omar@acme.com', 'AEM-Authors');
      await tell(ctx, 'membership.added', 'omar@acme.com', 'AEM-Authors');
      await sleep(Math.min(1500, ctx.outageMs / 2));
      if (inGroup(ctx, 'acme-prod-author', 'AEM-Authors', 'omar@acme.com')) throw new Error('omar@acme.com reached AEM-Authors while AEM prod was down: the outage was not simulated');
      ctx.print('    during the outage: not applied yet, the work waits in the queue and is retried');
      return () => {
        const missing = expectIn(ctx, 'acme-prod-author', 'AEM-Authors', 'omar@acme.com');
        if (missing === undefined && Date.now() < outageUntil) return 'applied before the outage ended (impossible)';
        return missing;
      };
    },
  },
  {
    title: '6. A personal Adobe ID joins a group → refused, added nowhere',
    seen: 'refused: handled by the worker and added to no target',
    async act(ctx) {
      const { aemProd, ims } = ctx.stack.sims;
      // Max exists in AEM prod (as after a login), so only the identity rule can keep him out.
      aemProd.control.login('max.personal@gmail.com', []);
      ims.org.addUserToGroup('max.personal@gmail.com', 'AEM-DAM-Users');
      const workId = await tell(ctx, 'membership.added', 'max.personal@gmail.com', 'AEM-DAM-Users');
      return () => {
        if (!workApplied(ctx, workId)) return `the worker has not handled ${workId} yet`;
        const placed = Object.entries(groupsOfUser(ctx.stack.sims, 'max.personal@gmail.com')).filter(([, groups]) => groups.length > 0);
        return placed.length === 0 ? undefined : `max.personal@gmail.com was added to ${placed.map(([t, g]) => `${g.join(', ')} (${t})`).join('; ')}`;
      };
    },
  },
];

async function runStep(step: Step, ctx: Context): Promise<DemoStepResult> {
  ctx.print('');
  ctx.print(`▶ ${step.title}`);
  const before = readWorld(ctx.stack.sims);
  const started = Date.now();
  let result: DemoStepResult;
  try {
    const check = await step.act(ctx);
    const waited = await waitFor(check, ctx.stack, ctx.stepTimeoutMs);
    result = { title: step.title, ok: true, detail: `${step.seen ?? 'seen in the targets'} ${(waited / 1000).toFixed(1)} s after the change was told`, ms: Date.now() - started };
  } catch (error) {
    result = { title: step.title, ok: false, detail: error instanceof Error ? error.message : String(error), ms: Date.now() - started };
  }
  for (const line of beforeAfterTable(before, readWorld(ctx.stack.sims))) ctx.print(line);
  ctx.print(`  ${result.ok ? '✔' : '✘'} ${result.detail}`);
  return result;
}

async function compareWithIms(ctx: Context): Promise<DemoResult['comparison']> {
  await Promise.race([ctx.stack.idle(), sleep(2000)]);
  const report = await reconcile({ runId: `demo-compare-${Date.now()}`, mode: 'plan' }, ctx.stack.runtime);
  if (report.status !== 'complete') return TARGET_IDS.map((targetId) => ({ targetId, adds: 0, removes: 0, deferred: 0, error: report.reason ?? 'IMS read incomplete' }));
  return report.targets.map((t) => {
    const adds = t.plan?.changes.reduce((n, c) => n + c.add.length, 0) ?? 0;
    const removes = t.plan?.changes.reduce((n, c) => n + c.remove.length, 0) ?? 0;
    return { targetId: t.targetId, adds, removes, deferred: t.plan?.deferred.length ?? 0, ...(t.plan === undefined ? { error: t.error ?? t.status } : {}) };
  });
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const started = Date.now();
  print('Starting the local stack (emulators, simulators, webhook, worker, schedule)…');
  const stack = await startStack({ quiet: true, ...options.stack });
  const ctx: Context = { stack, print, outageMs: options.outageMs ?? 4000, stepTimeoutMs: options.stepTimeoutMs ?? 20_000 };
  try {
    print(`  webhook ${stack.urls.webhook} · I/O Events keys ${stack.urls.ioKeys} · IMS ${stack.urls.ims} · AEM prod ${stack.urls.aemProd} · AEM stage ${stack.urls.aemStage} · Campaign ${stack.urls.campaign}`);
    const steps: DemoStepResult[] = [];
    for (const step of STEPS) steps.push(await runStep(step, ctx));

    print('');
    print('▶ Every target compared with IMS (a reconciliation plan, dry run)');
    const comparison = await compareWithIms(ctx);
    for (const c of comparison) {
      const verdict = c.error ? `unknown: ${c.error}` : c.adds + c.removes === 0 ? 'matches IMS' : `DIFFERS: ${c.adds} to add, ${c.removes} to remove`;
      print(`    ${c.targetId.padEnd(18)} ${verdict}${c.deferred > 0 ? ` (${c.deferred} deferred until a first login)` : ''}`);
    }
    const inSync = comparison.length === TARGET_IDS.length && comparison.every((c) => c.error === undefined && c.adds + c.removes === 0);
    const passed = steps.filter((s) => s.ok).length;
    const ok = inSync && passed === steps.length;
    const ms = Date.now() - started;
    print('');
    print(`VERDICT: ${ok ? 'PASS' : 'FAIL'} — ${passed}/${steps.length} steps passed; ${inSync ? 'every target matches IMS' : 'some target differs from IMS'} (${(ms / 1000).toFixed(1)} s)`);
    const s = stack.stats();
    print(`  events in ${s.eventsIn} · changes applied ${Object.values(s.applied).reduce((a, b) => a + b, 0)} · throttled ${s.throttled} · rejected ${s.rejected}`);
    return { ok, steps, comparison, ms };
  } finally {
    await stack.stop();
  }
}
