/**
 * The simulated systems of a benchmark: a generated org served by the IMS/UMAPI simulator (no rate
 * limits, so the numbers are our work, not Adobe's 25 a minute), one AEM simulator per generated AEM
 * instance and one Campaign simulator per Campaign instance.
 *
 * They run in a child process (sims-child.ts) so that the benchmark's memory figures are the sync's
 * own, not the simulators' copy of a 100k-user org. What the sync side needs to know of the world
 * travels as a small `WorldSummary`.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GENERATED_CLIENT_SECRET, generateOrg } from '../local/fixtures/generate.js';
import { startAemSimulator } from '../local/simulators/aem/index.js';
import { startCampaignSimulator } from '../local/simulators/campaign/index.js';
import type { RequestCounts, RunningSimulator } from '../local/simulators/http-sim.js';
import { startImsSimulator, UMAPI_PER_CLIENT_LIMITS } from '../local/simulators/ims/index.js';

export const AEM_SERVICE_USER = 'ims-sync-service';
export const AEM_PASSWORD = 'bench-aem-password';
export const CAMPAIGN_LOGIN = 'ims-sync';
export const CAMPAIGN_PASSWORD = 'bench-campaign-password';
export const IMS_CLIENT_SECRET = GENERATED_CLIENT_SECRET;

export interface SimsOptions {
  users: number;
  seed: number;
  aem: number;
  campaign: number;
  pageSize: number;
  /** Serve UMAPI with its real per-client limits (25 user reads, 5 group reads a minute) instead of none. */
  realUmapiLimits?: boolean;
}

/** What the sync side of the bench needs to know of the generated world. */
export interface WorldSummary {
  orgId: string;
  clientId: string;
  users: number;
  /** Every user group and product profile of the org. */
  orgGroups: string[];
  aem: { targetId: string; url: string; imsGroups: string[] }[];
  campaign: { targetId: string; url: string }[];
  imsUrl: string;
  generateMs: number;
}

/** Generate the org and start every simulator in this process. */
export async function startSimsHere(options: SimsOptions): Promise<{ summary: WorldSummary; stop(): Promise<void> }> {
  const started = performance.now();
  const fixture = generateOrg({ users: options.users, seed: options.seed, aemInstances: options.aem, campaignInstances: options.campaign });
  const generateMs = performance.now() - started;
  const running: RunningSimulator[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(running.map((s) => s.stop()));
  };
  try {
    const ims = await startImsSimulator({ fixture, pageSize: options.pageSize, limits: options.realUmapiLimits === true ? UMAPI_PER_CLIENT_LIMITS : false });
    running.push(ims);
    const aem: WorldSummary['aem'] = [];
    for (const instance of fixture.aem) {
      const sim = await startAemSimulator({ instance, credentials: { username: AEM_SERVICE_USER, password: AEM_PASSWORD } });
      running.push(sim);
      aem.push({ targetId: instance.targetId, url: sim.url, imsGroups: instance.groups.filter((g) => g.ims).map((g) => g.id) });
    }
    const campaign: WorldSummary['campaign'] = [];
    for (const instance of fixture.campaign) {
      const sim = await startCampaignSimulator({ instance, credentials: { login: CAMPAIGN_LOGIN, password: CAMPAIGN_PASSWORD } });
      running.push(sim);
      campaign.push({ targetId: instance.targetId, url: sim.url });
    }
    const summary: WorldSummary = {
      orgId: fixture.orgId,
      clientId: fixture.clientId,
      users: fixture.users.length,
      orgGroups: fixture.groups.map((g) => g.name),
      aem,
      campaign,
      imsUrl: ims.url,
      generateMs,
    };
    return { summary, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface SimsProcess {
  summary: WorldSummary;
  /** Stops the simulators and the child; resolves with the child's peak RSS in bytes. */
  stop(): Promise<number | undefined>;
}

/** Start the simulators in a child process (sims-child.ts, run by Node with tsx's loader). */
export async function spawnSims(options: SimsOptions): Promise<SimsProcess> {
  const script = fileURLToPath(new URL('./sims-child.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const first = await Promise.race([iterator.next(), exited.then(() => undefined)]);
  if (first === undefined || first.done === true) {
    child.kill();
    throw new Error('bench: the simulator process exited before it was ready (see its stderr above)');
  }
  const summary = JSON.parse(first.value) as WorldSummary;
  return {
    summary,
    stop: async () => {
      // Closing stdin is the child's signal to stop; it answers with its peak RSS and exits.
      child.stdin.end();
      const last = await iterator.next();
      await exited;
      if (last.done === true) return undefined;
      const parsed = JSON.parse(last.value) as { maxRssBytes?: number };
      return parsed.maxRssBytes;
    },
  };
}

/** A simulator's request counts, read over its `/__sim/` control routes. */
export async function simCounts(url: string): Promise<RequestCounts> {
  const response = await fetch(`${url}/__sim/counts`);
  if (!response.ok) throw new Error(`bench: GET ${url}/__sim/counts answered ${response.status}`);
  return (await response.json()) as RequestCounts;
}

export async function resetSimCounts(url: string): Promise<void> {
  const response = await fetch(`${url}/__sim/counts/reset`, { method: 'POST' });
  if (!response.ok) throw new Error(`bench: POST ${url}/__sim/counts/reset answered ${response.status}`);
  await response.body?.cancel();
}
