/**
 * One chaos run (docs/chaos.md): the real webhook, worker (its own process), schedule and replay
 * functions against the emulators and simulators, a seeded flood of events while faults are
 * injected, then drain, replay the dead-letter queue, one scheduled reconciliation, drain again —
 * and a verdict from the simulators' own state and request journals.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import type { ScheduledEvent } from 'aws-lambda';
import { createAwsClients } from '../../lib/aws/clients.js';
import { createDeadLetterAccess } from '../../lib/aws/dead-letters.js';
import { createSqsWorkQueue } from '../../lib/aws/queue.js';
import { systemClock } from '../../lib/clock.js';
import { buildIngestDeps } from '../../lib/compose/ingest.js';
import { buildAwsRuntime } from '../../lib/compose/runtime.js';
import { loadSettings } from '../../lib/compose/settings.js';
import { createMemoryLog, createMemoryMetrics } from '../../lib/observability/memory.js';
import type { ReplayReport } from '../../lib/sync/replay.js';
import { createReplayHandler } from '../../functions/doors/replay.js';
import { createScheduleHandler, type ScheduleSummary } from '../../functions/doors/schedule.js';
import { createWebhookHandler } from '../../functions/doors/webhook.js';
import { generateIoSigningKeys, startIoKeyServer } from '../demo/adobe-io.js';
import { startEmulators } from '../emulators.js';
import { startHttpDoor } from '../http-door.js';
import { startAemSimulator, type RunningAemSimulator } from '../simulators/aem/index.js';
import { startCampaignSimulator } from '../simulators/campaign/index.js';
import type { Journal, RunningSimulator } from '../simulators/http-sim.js';
import { startImsSimulator, type ScriptedFault } from '../simulators/ims/index.js';
import { DesireHistory, executedWrites, judgeChanges, maxPerMinute, peakInFlight, type ObservedChange, type WrongChange } from './checks.js';
import { scriptEvents, type ScriptedChange } from './events.js';
import { divergence, type ReferenceTarget, type TargetState } from './reference.js';
import { buildRequest, eachLimited, send, type BuiltRequest } from './send.js';
import { aemState, campaignState, untouchables } from './state.js';
import { startWorkerChild, type WorkerChild } from './worker-child.js';
import { AEM_SERVICE_USER, CAMPAIGN_LOGIN, CHAOS_IO_CLIENT_ID, CHAOS_SECRETS, chaosConfigYaml, chaosWorld } from './world.js';

export interface ChaosOptions {
  readonly users: number;
  readonly seed: number;
  readonly aem: number;
  /** Deliveries through the webhook door, duplicates included. */
  readonly events: number;
  readonly duplicateShare: number;
  readonly hotUsers: number;
  readonly windowSize: number;
  readonly burstSize: number;
  /** How long sending takes (the faults last this long plus `faultTailSeconds`). */
  readonly sendSeconds: number;
  readonly faultTailSeconds: number;
  /** UMAPI per-client user reads a minute: the configuration's budget and the simulator's limit (schema max 100). */
  readonly umapiPerMinute: number;
  readonly targetConcurrency: number;
  readonly targetTimeoutMs: number;
  /** Share of target calls answered 503 during the fault phase. */
  readonly errorRate: number;
  /** Share of target calls that hang until the client's timeout. */
  readonly hangRate: number;
  readonly outageSeconds: number;
  /** UMAPI answers 429 (Retry-After) to this many reads every 5 s of the fault phase. */
  readonly umapi429Every5s: number;
  readonly visibilityTimeoutSeconds: number;
  readonly drainTimeoutSeconds: number;
  readonly progress: (line: string) => void;
}

export const DEFAULT_CHAOS_OPTIONS: Omit<ChaosOptions, 'progress'> = {
  users: 2000,
  seed: 9,
  aem: 3,
  events: 5000,
  duplicateShare: 0.22,
  hotUsers: 400,
  windowSize: 10,
  burstSize: 200,
  sendSeconds: 90,
  faultTailSeconds: 60,
  umapiPerMinute: 100,
  targetConcurrency: 4,
  targetTimeoutMs: 1500,
  errorRate: 0.15,
  hangRate: 0.02,
  outageSeconds: 25,
  umapi429Every5s: 1,
  visibilityTimeoutSeconds: 90,
  drainTimeoutSeconds: 360,
};

/** The small variant `npm test` runs. */
export const SMALL_CHAOS_OPTIONS: Omit<ChaosOptions, 'progress'> = {
  ...DEFAULT_CHAOS_OPTIONS,
  users: 300,
  events: 200,
  errorRate: 0.2,
  duplicateShare: 0.4,
  hotUsers: 40,
  windowSize: 8,
  burstSize: 40,
  sendSeconds: 12,
  faultTailSeconds: 40,
  outageSeconds: 6,
  visibilityTimeoutSeconds: 60,
  drainTimeoutSeconds: 300,
};

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface TargetFigures {
  readonly writes: number;
  readonly minimumWrites: number;
  readonly writeAttempts: number;
  readonly calls: number;
  readonly faulted: number;
  readonly peakInFlight: number;
  readonly divergentBeforeReconcile: number;
  readonly divergentAtEnd: number;
}

export interface ChaosReport {
  readonly events: number;
  readonly distinctEvents: number;
  readonly duplicates: number;
  readonly cancellingPairs: number;
  readonly usersRemovedFromOrg: number;
  readonly bursts: number;
  readonly doors: { readonly adobeIo: number; readonly generic: number };
  readonly webhookRetries: number;
  readonly rejected: number;
  readonly faults: Record<string, number>;
  readonly users: number;
  readonly convergedUsers: number;
  readonly lost: number;
  readonly writes: number;
  readonly minimumWrites: number;
  readonly umapiLimitBreaches: number;
  readonly umapiPeakPerMinute: number;
  readonly wrongChanges: number;
  readonly wrongExamples: readonly WrongChange[];
  readonly dlqParked: number;
  readonly dlqReplayed: number;
  readonly dlqLeft: number;
  readonly poisonParked: string | undefined;
  readonly workerBatches: number;
  readonly reconcile: ScheduleSummary | { error: string };
  readonly targets: Record<string, TargetFigures>;
  readonly drainSeconds: number;
  readonly seconds: number;
  readonly checks: readonly Check[];
  readonly ok: boolean;
}

export const WORKER_LOG_DIR = fileURLToPath(new URL('../../.local-state/chaos/', import.meta.url));

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const started = Date.now();
  const say = options.progress;
  const stops: (() => Promise<void> | void)[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'ims-sync-chaos-'));
  stops.push(() => rmSync(dir, { recursive: true, force: true }));
  try {
    // ── The world and its script ────────────────────────────────────────────────────────────
    const world = chaosWorld({ users: options.users, seed: options.seed, aem: options.aem });
    const { fixture } = world;
    const targets = world.targets;
    const script = scriptEvents(fixture, targets, options.aem, {
      events: options.events,
      duplicateShare: options.duplicateShare,
      hotUsers: options.hotUsers,
      seed: options.seed,
      burstSize: options.burstSize,
      windowSize: options.windowSize,
    });
    say(`world: ${fixture.users.length} users, ${options.aem} AEM + 1 Campaign; script: ${script.deliveries} deliveries (${script.duplicates} duplicates, ${script.cancellingPairs} cancelling pairs, ${script.usersRemoved} users removed)`);

    // ── Emulators, simulators, key host ─────────────────────────────────────────────────────
    const emulators = await startEmulators();
    stops.push(() => emulators.stop());
    const groupsPerMinute = Math.min(100, Math.max(5, Math.round(options.umapiPerMinute / 5)));
    const ims = await startImsSimulator({ fixture, limits: { usersPerMinute: options.umapiPerMinute, groupsPerMinute } });
    stops.push(() => ims.stop());
    const aemSims: RunningAemSimulator[] = [];
    for (const instance of fixture.aem) {
      const sim = await startAemSimulator({ instance, credentials: { username: AEM_SERVICE_USER, password: CHAOS_SECRETS.CHAOS_AEM_PASSWORD } });
      stops.push(() => sim.stop());
      aemSims.push(sim);
    }
    const campaignInstance = fixture.campaign[0];
    if (!campaignInstance) throw new Error('chaos: the world has no Campaign instance');
    const campaign = await startCampaignSimulator({ instance: campaignInstance, credentials: { login: CAMPAIGN_LOGIN, password: CHAOS_SECRETS.CHAOS_CAMPAIGN_PASSWORD } });
    stops.push(() => campaign.stop());
    const ioSigningKeys = generateIoSigningKeys();
    const ioKeys = await startIoKeyServer(ioSigningKeys);
    stops.push(() => ioKeys.stop());

    const targetSims = new Map<string, RunningSimulator>([...aemSims.map((s, k) => [targets[k]?.id ?? '', s] as const), [targets[targets.length - 1]?.id ?? '', campaign]]);
    const journals = new Map<string, Journal>([...targetSims].map(([id, sim]) => [id, sim.record()]));
    const imsJournal = ims.record();
    const changes: ObservedChange[] = [];
    aemSims.forEach((sim, k) => sim.control.onMembershipChange((c) => changes.push({ targetId: targets[k]?.id ?? '', ...c })));
    campaign.control.onMembershipChange((c) => changes.push({ targetId: targets[targets.length - 1]?.id ?? '', ...c }));

    // ── Configuration, environment, the functions ───────────────────────────────────────────
    const configPath = join(dir, 'chaos.yaml');
    writeFileSync(
      configPath,
      chaosConfigYaml({
        imsUrl: ims.url,
        aemUrls: aemSims.map((s) => s.url),
        campaignUrl: campaign.url,
        ioKeyHost: ioKeys.url,
        umapiPerMinute: options.umapiPerMinute,
        targetTimeoutMs: options.targetTimeoutMs,
        targetConcurrency: options.targetConcurrency,
        orgId: fixture.orgId,
        clientId: fixture.clientId,
      }),
    );
    const env: Record<string, string> = { ...emulators.env, SYNC_CONFIG: configPath, ...CHAOS_SECRETS };
    const envFile = join(dir, 'stack.env');
    writeFileSync(envFile, Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n'), { mode: 0o600 });
    Object.assign(process.env, env);
    const settings = await loadSettings(process.env);
    const aws = createAwsClients();
    stops.push(() => {
      aws.sqs.destroy();
      aws.dynamo.destroy();
    });
    const quietLog = (): ReturnType<typeof createMemoryLog> => {
      const log = createMemoryLog(() => {
        if (log.lines.length > 500) log.lines.splice(0, 400);
      });
      return log;
    };
    const metrics = createMemoryMetrics();
    const ingest = buildIngestDeps(settings, process.env, { log: quietLog(), metrics, queue: createSqsWorkQueue(aws.sqs, { work: emulators.env.QUEUE_URL, revocation: emulators.env.REVOCATION_QUEUE_URL }, settings.config.targets) });
    const door = await startHttpDoor({ handler: createWebhookHandler(ingest), port: 0 });
    stops.push(() => door.stop());
    const scheduleRuntime = buildAwsRuntime(settings, process.env, { log: quietLog(), metrics, aws, maxInlineWaitMs: 120_000 });
    const schedule = createScheduleHandler(scheduleRuntime);
    const deadLetters = createDeadLetterAccess(aws.sqs, { dlqUrl: emulators.env.DEAD_LETTER_QUEUE_URL, queueUrl: emulators.env.QUEUE_URL, revocationQueueUrl: emulators.env.REVOCATION_QUEUE_URL });
    const replay = createReplayHandler({ deadLetters, log: quietLog(), metrics, clock: systemClock });

    // Kept after the run (git-ignored): the worker's warnings and errors, for a failed check.
    mkdirSync(WORKER_LOG_DIR, { recursive: true });
    const workerLog = join(WORKER_LOG_DIR, 'worker.log');
    writeFileSync(workerLog, '');
    const worker: WorkerChild = await startWorkerChild({ envFile, visibilityTimeoutSeconds: options.visibilityTimeoutSeconds, retryDelaySeconds: 1, logFile: workerLog });
    stops.push(() => worker.stop());

    // ── What must never change, and what each membership was at the start ───────────────────
    const snapshotOf = (id: string): Parameters<typeof untouchables>[1] => {
      const index = targets.findIndex((t) => t.id === id);
      const target = targets[index];
      return target?.kind === 'aem' ? (aemSims[index]?.control.snapshot() ?? { users: [], groups: [] }) : campaign.control.snapshot();
    };
    const untouchedAtStart = new Map(targets.map((t) => [t.id, untouchables(t, snapshotOf(t.id))]));
    const profilesOf = new Map(fixture.groups.map((g) => [g.name, g.profiles ?? []]));
    const initialState = new Map(targets.map((t) => [t.id, stateOf(t, snapshotOf(t.id))]));
    const history = new DesireHistory((targetId, user, group) => initialState.get(targetId)?.get(user)?.has(group) ?? false);

    // ── Faults, the poison message, the worker kill ─────────────────────────────────────────
    const faultMs = (options.sendSeconds + options.faultTailSeconds) * 1000;
    const scripted: ScriptedFault[] = [];
    let workerKills = 0;
    let killedMidBatch = 0;
    const timers: NodeJS.Timeout[] = [];
    const at = (ms: number, action: () => void | Promise<void>): void => {
      timers.push(setTimeout(() => void Promise.resolve(action()).catch((error: unknown) => say(`fault action failed: ${String(error)}`)), ms));
    };
    stops.push(() => timers.forEach((t) => clearTimeout(t)));
    for (const sim of targetSims.values()) sim.faults = { errorRate: options.errorRate, hangRate: options.hangRate };
    const push429 = (): void => {
      for (const endpoint of ['GET user', 'GET group users'] as const) {
        const fault: ScriptedFault = { endpoint, times: options.umapi429Every5s, status: 429, retryAfter: '2' };
        scripted.push(fault);
        ims.umapiFaults.scripted.push(fault);
      }
    };
    let push429Active = true;
    const push429Timer = setInterval(() => push429Active && push429(), 5000);
    stops.push(() => clearInterval(push429Timer));
    push429();
    const outageTarget = aemSims[1] ?? aemSims[0];
    const hangTarget = aemSims[aemSims.length - 1];
    at(faultMs * 0.2, () => {
      if (!hangTarget) return;
      hangTarget.faults = { ...hangTarget.faults, hang: true };
      say(`fault: ${targets[aemSims.indexOf(hangTarget)]?.id ?? 'aem'} hangs every request for 3 s`);
      setTimeout(() => {
        if (hangTarget.faults.hang) hangTarget.faults = { ...hangTarget.faults, hang: false };
      }, 3000);
    });
    at(faultMs * 0.3, () => {
      if (!outageTarget) return;
      outageTarget.faults = { ...outageTarget.faults, outageUntil: Date.now() + options.outageSeconds * 1000 };
      say(`fault: ${targets[aemSims.indexOf(outageTarget)]?.id ?? 'aem'} down for ${options.outageSeconds} s`);
    });
    at(3000, async () => {
      await aws.sqs.send(
        new SendMessageCommand({
          QueueUrl: emulators.env.QUEUE_URL,
          MessageGroupId: 'chaos-poison',
          MessageDeduplicationId: `chaos-poison-${options.seed}`,
          MessageBody: JSON.stringify({ kind: 'delta', poison: 'not a work message: it can never be applied' }),
        }),
      );
      say('fault: poison message sent to the work queue');
    });
    at(faultMs * 0.5, async () => {
      // In the middle of a batch: a batch can end within the pause (a revocation batch is often
      // quick), so wait for the next one until one is still open when the pause is over.
      for (let tries = 0; tries < 50; tries += 1) {
        await worker.nextBatchStart();
        await sleep(10 + Math.floor(Math.random() * 40));
        if (worker.inBatch()) break;
      }
      if (worker.kill()) killedMidBatch += 1;
      workerKills += 1;
      say('fault: worker process SIGKILLed mid-batch; restarting');
      await sleep(1500);
      await worker.restart();
    });
    // Errors, hangs and UMAPI 429s last while the events arrive and `faultTailSeconds` after; the
    // rest of the drain, the replay and the reconciliation run without faults.
    let faultPhaseEnd = Number.POSITIVE_INFINITY;
    const faultsOff = (): void => {
      if (faultPhaseEnd !== Number.POSITIVE_INFINITY) return;
      faultPhaseEnd = Date.now();
      for (const sim of targetSims.values()) sim.faults = {};
      for (const fault of scripted) fault.times = 0;
      push429Active = false;
      say('faults off');
    };
    at(faultMs, faultsOff);

    // ── Send the script ─────────────────────────────────────────────────────────────────────
    const secrets = { orgId: fixture.orgId, ioClientId: CHAOS_IO_CLIENT_ID, ioKeys: ioSigningKeys, genericSecret: CHAOS_SECRETS.CHAOS_WEBHOOK_SECRET };
    const built = new Map<string, BuiltRequest>();
    const occurred = new Map<string, number>();
    let sent = 0;
    let webhookRetries = 0;
    let rejected = 0;
    const rejections: string[] = [];
    const doors = { adobeIo: 0, generic: 0 };
    const sendStarted = Date.now();
    const pause = (options.sendSeconds * 1000) / Math.max(1, script.windows.length);
    const progressTimer = setInterval(() => {
      void queueDepth().then((depth) => say(`sent ${sent}/${script.deliveries}, queue ${depth}, writes ${totalWrites()}, worker batches ${worker.batches()}`));
    }, 5000);
    stops.push(() => clearInterval(progressTimer));
    for (const [index, window] of script.windows.entries()) {
      for (const change of window.changes) {
        const t = Date.now();
        applyOrgOp(change);
        occurred.set(change.id, t);
        for (const flip of change.flips) history.record(flip, t);
      }
      await eachLimited(window.deliveries, window.burst ? 16 : 4, async ({ change }) => {
        let request = built.get(change.id);
        if (!request) {
          request = buildRequest(change, occurred.get(change.id) ?? Date.now(), secrets);
          built.set(change.id, request);
        }
        const outcome = await send(door.url, request);
        sent += 1;
        if (change.door === 'adobe-io') doors.adobeIo += 1;
        else doors.generic += 1;
        webhookRetries += outcome.retries;
        if (outcome.status !== 200) {
          rejected += 1;
          if (rejections.length < 5) rejections.push(`${change.id}: ${outcome.status} ${outcome.answer.slice(0, 160)}`);
        }
      });
      const due = sendStarted + (index + 1) * pause;
      if (Date.now() < due) await sleep(due - Date.now());
    }
    say(`all ${sent} deliveries sent in ${((Date.now() - sendStarted) / 1000).toFixed(1)} s`);
    const tail = sendStarted + faultMs - Date.now();
    if (tail > 0) await sleep(tail);

    function applyOrgOp(change: ScriptedChange): void {
      const op = change.orgOp;
      if (op.op === 'addUserToGroup') ims.org.addUserToGroup(op.email, op.group);
      else if (op.op === 'removeUserFromGroup') ims.org.removeUserFromGroup(op.email, op.group);
      else ims.org.removeUser(op.email);
    }
    /** Messages on both work queues: the work queue and the revocation queue. */
    async function queueDepth(): Promise<number> {
      let depth = 0;
      for (const queueUrl of [emulators.env.QUEUE_URL, emulators.env.REVOCATION_QUEUE_URL]) {
        const answer = await aws.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed'],
          }),
        );
        const a = answer.Attributes ?? {};
        depth += Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) + Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
      }
      return depth;
    }
    function totalWrites(): number {
      let n = 0;
      for (const journal of journals.values()) n += executedWrites(journal.entries);
      return n;
    }
    /** Until the queue has been empty for 3 s in a row (and the worker idle), or the deadline. */
    async function drain(label: string, deadlineMs: number): Promise<{ drained: boolean; seconds: number }> {
      const from = Date.now();
      let emptyChecks = 0;
      while (Date.now() - from < deadlineMs) {
        const depth = await queueDepth();
        emptyChecks = depth === 0 && !worker.inBatch() ? emptyChecks + 1 : 0;
        if (emptyChecks >= 3) return { drained: true, seconds: (Date.now() - from) / 1000 };
        await sleep(1000);
      }
      say(`${label}: not drained after ${deadlineMs / 1000} s (queue ${await queueDepth()})`);
      return { drained: false, seconds: (Date.now() - from) / 1000 };
    }

    // ── Drain, replay the dead-letter queue, drain ──────────────────────────────────────────
    say('draining');
    const firstDrain = await drain('drain', options.drainTimeoutSeconds * 1000);
    faultsOff();
    const parked = (await replay({ dryRun: true, max: 10_000 })) as ReplayReport;
    const replayed = (await replay({ dryRun: false, max: 10_000 })) as ReplayReport;
    say(`dead-letter queue: ${parked.matched.length + parked.keptCount} parked (${parked.unreadable.length} unreadable), ${replayed.matched.length} replayed`);
    const secondDrain = await drain('drain after replay', 60_000);
    const drainSeconds = firstDrain.seconds;

    // ── Before the reconciliation: what the events alone achieved ───────────────────────────
    const finalOrg = ims.org.users();
    const before = new Map(targets.map((t) => [t.id, divergence(t, stateOf(t, snapshotOf(t.id)), finalOrg, profilesOf)]));
    say(`before the reconciliation: ${[...before.values()].reduce((n, d) => n + d.size, 0)} (target, user) pairs differ from IMS`);

    // ── One scheduled reconciliation, drain again ───────────────────────────────────────────
    let reconcile: ScheduleSummary | { error: string };
    try {
      reconcile = await schedule(scheduledEvent(emulators.env.AWS_REGION));
    } catch (error) {
      reconcile = { error: String(error) };
    }
    say(`reconciliation: ${JSON.stringify(reconcile).slice(0, 300)}`);
    const lastDrain = await drain('drain after the reconciliation', 90_000);

    // ── The verdict, from the simulators ────────────────────────────────────────────────────
    const end = Date.now();
    const after = new Map(targets.map((t) => [t.id, divergence(t, stateOf(t, snapshotOf(t.id)), finalOrg, profilesOf)]));
    const everyone = new Set<string>([...fixture.users.map((u) => u.email.toLowerCase()), ...targets.flatMap((t) => [...t.users])]);
    const divergentUsers = new Set<string>();
    for (const d of after.values()) for (const key of d.keys()) divergentUsers.add(key);
    const lostPairs = [...before.values()].reduce((n, d) => n + d.size, 0);

    const endReplay = (await replay({ dryRun: true, max: 10_000 })) as ReplayReport;
    const poison = endReplay.unreadable.find((u) => (u.reason ?? '').length > 0);
    const dlqLeft = endReplay.matched.length + endReplay.keptCount - (poison ? 1 : 0);
    // Every distinct message seen in the dead-letter queue over the run's three looks.
    const dlqParked = new Set([parked, replayed, endReplay].flatMap((r) => [...r.matched.map((m) => m.messageId), ...r.unreadable.map((u) => u.messageId)])).size;

    const targetFigures: Record<string, TargetFigures> = {};
    let writes = 0;
    let minimumWrites = 0;
    let peakBreach = '';
    for (const target of targets) {
      const entries = journals.get(target.id)?.entries ?? [];
      const reconcileNeed = groupsWithDifferences(before.get(target.id));
      const figures: TargetFigures = {
        writes: executedWrites(entries),
        minimumWrites: (script.minimumWritesByTarget[target.id] ?? 0) + reconcileNeed,
        writeAttempts: entries.filter((e) => e.kind === 'write').length,
        calls: entries.length,
        faulted: entries.filter((e) => e.by !== undefined && e.by !== 'handler').length,
        peakInFlight: peakInFlight(entries, options.targetTimeoutMs, end),
        divergentBeforeReconcile: before.get(target.id)?.size ?? 0,
        divergentAtEnd: after.get(target.id)?.size ?? 0,
      };
      targetFigures[target.id] = figures;
      writes += figures.writes;
      minimumWrites += figures.minimumWrites;
      if (figures.peakInFlight > options.targetConcurrency) peakBreach += `${target.id} ${figures.peakInFlight} `;
    }
    const targetCalls = [...journals.values()].flatMap((j) => j.entries.filter((e) => e.start < faultPhaseEnd));
    const faults = {
      target5xx: targetCalls.filter((e) => e.by === 'error').length,
      targetHangs: targetCalls.filter((e) => e.by === 'hang').length,
      aemOutage503: targetCalls.filter((e) => e.by === 'outage').length,
      umapi429: scripted.reduce((n, f) => n + (options.umapi429Every5s - f.times), 0),
      workerKills,
      workerKilledMidBatch: killedMidBatch,
      poisonMessages: 1,
    };
    // The simulator answers 429 itself when a client exceeds its per-minute window; injected 429s are counted apart.
    const ims429 = imsJournal.entries.filter((e) => e.status === 429 && e.endpoint !== 'POST token').length;
    const umapiLimitBreaches = Math.max(0, ims429 - faults.umapi429);
    const admittedUserReads = imsJournal.entries.filter((e) => e.endpoint !== 'GET groups' && e.endpoint !== 'POST token' && e.status === 200).map((e) => e.start);
    const umapiPeakPerMinute = maxPerMinute(admittedUserReads);

    const aemGroupIds = new Map(targets.map((t) => [t.id, new Set<string>(t.kind === 'aem' ? (fixture.aem.find((a) => a.targetId === t.id)?.groups ?? []).map((g) => g.id.toLowerCase()) : [])]));
    const wiring = new Set(['content-authors ← aem-authors', 'dam-users ← aem-dam-users']);
    const wrong = judgeChanges(changes, {
      targets: new Map(targets.map((t) => [t.id, t])),
      adobeIds: new Set(fixture.users.filter((u) => u.type === 'adobeID').map((u) => u.email.toLowerCase())),
      aemGroupIds,
      wiring,
      history,
    });
    for (const target of targets) {
      const now = untouchables(target, snapshotOf(target.id));
      const was = untouchedAtStart.get(target.id) ?? new Set<string>();
      for (const line of was) if (!now.has(line)) wrong.push({ targetId: target.id, group: line, member: '', change: 'removed', at: end, why: 'an untouchable membership disappeared' });
      for (const line of now) if (!was.has(line)) wrong.push({ targetId: target.id, group: line, member: '', change: 'added', at: end, why: 'an untouchable membership appeared' });
    }

    const targetCallCount = targetCalls.length;
    const checks: Check[] = [
      check('every delivery accepted', rejected === 0, rejected === 0 ? `${sent} deliveries answered 200` : `${rejected} refused: ${rejections.join('; ')}`),
      check('faults injected', targetCallCount > 0 && faults.target5xx + faults.aemOutage503 >= 0.1 * targetCallCount && faults.targetHangs > 0 && faults.umapi429 > 0 && killedMidBatch > 0,
        `${faults.target5xx + faults.aemOutage503} of ${targetCallCount} target calls 5xx (${pct(faults.target5xx + faults.aemOutage503, targetCallCount)}), ${faults.targetHangs} hung, ${faults.umapi429} UMAPI 429, worker killed mid-batch ${killedMidBatch}×`),
      check('drained', firstDrain.drained && secondDrain.drained && lastDrain.drained, `after the faults ${firstDrain.seconds.toFixed(0)} s, after replay ${secondDrain.seconds.toFixed(0)} s, after the reconciliation ${lastDrain.seconds.toFixed(0)} s`),
      check('nothing lost', lostPairs === 0, lostPairs === 0 ? 'every target matched IMS before the reconciliation' : `${lostPairs} (target, user) pairs differed from IMS ${firstDrain.drained && secondDrain.drained ? 'once the events were drained' : 'when the drain deadline passed (the backlog was not worked off)'}, before the reconciliation: ${examples(before)}`),
      check('converged', divergentUsers.size === 0, `${everyone.size - divergentUsers.size}/${everyone.size} users match IMS in every target${divergentUsers.size > 0 ? `: ${examples(after)}` : ''}`),
      check('no wasted writes', writes <= Math.floor(minimumWrites * 1.01),
        Object.entries(targetFigures).map(([id, f]) => `${id} ${f.writes}/${f.minimumWrites}`).join(', ')),
      check('UMAPI limits kept', umapiLimitBreaches === 0, `${umapiLimitBreaches} requests refused by the per-client window; busiest minute ${umapiPeakPerMinute} reads (limit ${options.umapiPerMinute})`),
      check('target concurrency kept', peakBreach === '', peakBreach === '' ? `peak in flight ≤ ${options.targetConcurrency} everywhere` : `above ${options.targetConcurrency}: ${peakBreach}`),
      check('never wrong', wrong.length === 0, wrong.length === 0 ? `${changes.length} membership changes, none wrong` : `${wrong.length} wrong: ${wrong.slice(0, 3).map((w) => `${w.targetId} ${w.group} ${w.change} ${w.member} (${w.why})`).join('; ')}`),
      check('poison parked with its reason', poison !== undefined, poison ? `reason: ${poison.reason ?? ''}` : 'the poison message is not in the dead-letter queue with a reason'),
      check('dead-letter queue empty (poison aside)', dlqLeft === 0, `${dlqLeft} left`),
      check('reconciliation ran', !('error' in reconcile), JSON.stringify(reconcile).slice(0, 200)),
    ];
    return {
      events: sent,
      distinctEvents: script.distinct,
      duplicates: script.duplicates,
      cancellingPairs: script.cancellingPairs,
      usersRemovedFromOrg: script.usersRemoved,
      bursts: script.windows.filter((w) => w.burst).length,
      doors,
      webhookRetries,
      rejected,
      faults,
      users: everyone.size,
      convergedUsers: everyone.size - divergentUsers.size,
      lost: lostPairs,
      writes,
      minimumWrites,
      umapiLimitBreaches,
      umapiPeakPerMinute,
      wrongChanges: wrong.length,
      wrongExamples: wrong.slice(0, 10),
      dlqParked,
      dlqReplayed: replayed.matched.length,
      dlqLeft,
      poisonParked: poison?.reason,
      workerBatches: worker.batches(),
      reconcile,
      targets: targetFigures,
      drainSeconds,
      seconds: Math.round((Date.now() - started) / 100) / 10,
      checks,
      ok: checks.every((c) => c.ok),
    };
  } finally {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        // Stopping goes on: one part that fails to stop must not keep the others running.
      }
    }
  }
}

function stateOf(target: ReferenceTarget, snapshot: Parameters<typeof untouchables>[1]): TargetState {
  return target.kind === 'aem' ? aemState(target, snapshot as Parameters<typeof aemState>[1]) : campaignState(target, snapshot as Parameters<typeof campaignState>[1]);
}

/** Groups with at least one membership to repair: one write each for a reconciliation. */
function groupsWithDifferences(differences: Map<string, { missing: string[]; extra: string[] }> | undefined): number {
  const groups = new Set<string>();
  for (const { missing, extra } of differences?.values() ?? []) for (const g of [...missing, ...extra]) groups.add(g);
  return groups.size;
}

function examples(byTarget: Map<string, Map<string, { missing: string[]; extra: string[] }>>): string {
  const out: string[] = [];
  for (const [id, differences] of byTarget) {
    for (const [user, { missing, extra }] of differences) {
      if (out.length >= 3) break;
      out.push(`${id} ${user}${missing.length ? ` missing ${missing.join('|')}` : ''}${extra.length ? ` extra ${extra.join('|')}` : ''}`);
    }
  }
  return out.join('; ');
}

const pct = (part: number, whole: number): string => `${whole === 0 ? 0 : ((100 * part) / whole).toFixed(1)} %`;
const check = (name: string, ok: boolean, detail: string): Check => ({ name, ok, detail });

function scheduledEvent(region: string): ScheduledEvent {
  const now = new Date();
  return {
    version: '0',
    id: `chaos-${now.getTime().toString(36)}`,
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: ['arn:aws:events:us-east-1:000000000000:rule/ims-group-sync-chaos-schedule'],
    detail: {},
  };
}
