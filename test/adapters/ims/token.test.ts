import { afterEach, describe, expect, it } from 'vitest';
import { systemClock, type Clock } from '../../../lib/clock.js';
import { AuthError, TargetUnavailableError } from '../../../lib/errors.js';
import { fetchTransport } from '../../../lib/http.js';
import { createImsTokenProvider } from '../../../lib/ims/token.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import type { ImsSimulator } from '../../../local/simulators/ims/index.js';
import { startSim } from './support.js';

const fixture = demoOrg();
let sim: ImsSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const provider = (s: ImsSimulator, options: { clock?: Clock; secret?: string; renewBeforeMs?: number; timeoutMs?: number; path?: string } = {}) =>
  createImsTokenProvider({
    http: fetchTransport,
    clock: options.clock ?? systemClock,
    tokenUrl: `${s.url}${options.path ?? '/ims/token/v3'}`,
    clientId: fixture.clientId,
    clientSecret: async () => options.secret ?? fixture.clientSecret,
    scopes: ['openid', 'AdobeID', 'user_management_sdk'],
    timeoutMs: options.timeoutMs ?? 2_000,
    ...(options.renewBeforeMs !== undefined ? { renewBeforeMs: options.renewBeforeMs } : {}),
  });

const tokenCalls = (s: ImsSimulator): number => s.counts()['POST token']?.write ?? 0;

describe('IMS token provider against the simulator', () => {
  it('mints once and serves the cached token afterwards', async () => {
    sim = await startSim({ fixture });
    const tokens = provider(sim);

    const first = await tokens.getToken();
    const second = await tokens.getToken();

    expect(first).toMatch(/^sim-/);
    expect(second).toBe(first);
    expect(tokenCalls(sim)).toBe(1);
  });

  it('shares one request in flight among concurrent callers', async () => {
    sim = await startSim({ fixture });
    const tokens = provider(sim);

    const all = await Promise.all(Array.from({ length: 8 }, () => tokens.getToken()));

    expect(new Set(all).size).toBe(1);
    expect(tokenCalls(sim)).toBe(1);
  });

  it('renews a few minutes before expires_in (seconds) runs out', async () => {
    let now = Date.parse('2026-11-23T12:00:00Z');
    const clock: Clock = { now: () => now, sleep: async () => {} };
    sim = await startSim({ fixture, tokenTtlSeconds: 3600 });
    const tokens = provider(sim, { clock, renewBeforeMs: 5 * 60_000 });
    const first = await tokens.getToken();

    now += 54 * 60_000;
    const stillCached = await tokens.getToken();
    now += 2 * 60_000; // 56 min: inside the renewal margin
    const renewed = await tokens.getToken();

    expect(stillCached).toBe(first);
    expect(renewed).not.toBe(first);
    expect(tokenCalls(sim)).toBe(2);
  });

  it('mints a new token after invalidate, but keeps a newer one when an old token is invalidated', async () => {
    sim = await startSim({ fixture });
    const tokens = provider(sim);
    const old = await tokens.getToken();

    tokens.invalidate(old);
    const fresh = await tokens.getToken();
    tokens.invalidate(old);
    const again = await tokens.getToken();

    expect(fresh).not.toBe(old);
    expect(again).toBe(fresh);
    expect(tokenCalls(sim)).toBe(2);
  });

  it('works against /ims/token/v2 as Adobe\'s own client uses it', async () => {
    sim = await startSim({ fixture });

    const token = await provider(sim, { path: '/ims/token/v2' }).getToken();

    expect(token).toMatch(/^sim-/);
  });

  it('names the OAuth error on refused credentials and never shows the secret', async () => {
    sim = await startSim({ fixture });
    const wrongSecret = 'wrong-secret-do-not-log';

    const error = await provider(sim, { secret: wrongSecret }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).system).toBe('ims');
    expect((error as AuthError).message).toContain('invalid_client');
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).not.toContain(wrongSecret);
  });

  it('reports a 5xx as IMS unavailable, then recovers on the next call', async () => {
    sim = await startSim({ fixture });
    sim.umapiFaults.scripted.push({ endpoint: 'POST token', times: 1, status: 503 });
    const tokens = provider(sim);

    const error = await tokens.getToken().catch((e: unknown) => e);
    const token = await tokens.getToken();

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect((error as TargetUnavailableError).system).toBe('ims');
    expect(token).toMatch(/^sim-/);
  });

  it('reports a hanging token endpoint as unavailable after its timeout', async () => {
    sim = await startSim({ fixture, faults: { hang: true } });
    const started = Date.now();

    const error = await provider(sim, { timeoutMs: 150, secret: 'hidden-secret-value' }).getToken().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect(String((error as Error).message)).not.toContain('hidden-secret-value');
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
