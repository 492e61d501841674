/** The simulators' fault control over real HTTP: known faults are set, anything else is refused with a 400 and changes nothing. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type RunningSimulator } from '../../local/simulators/http-sim.js';

let sim: RunningSimulator;

beforeAll(async () => {
  sim = await startSimulator({
    classify: () => ({ endpoint: 'GET thing', kind: 'read' }),
    handle: () => ({ status: 200, body: 'ok' }),
    throttled: () => ({ status: 429, body: 'slow down' }),
    dump: () => ({}),
  });
});
afterAll(async () => {
  await sim?.stop();
});

const post = async (body: string) => {
  const answer = await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
};
const current = async () => (await fetch(`${sim.url}/__sim/faults`)).json();

describe('POST /__sim/faults', () => {
  it('refuses an unknown fault with 400, naming it and the known ones, and keeps the faults as they were', async () => {
    await post('{"latencyMs":5}');
    const answer = await post('{"errorrate":0.5}');

    expect(answer).toEqual({ status: 400, body: { error: 'unknown fault "errorrate"; the faults are latencyMs, errorRate, throttle, hang, outageMs' } });
    expect(await current()).toEqual({ latencyMs: 5 });
  });

  it('refuses a value out of range with 400', async () => {
    const answer = await post('{"errorRate":2}');
    expect(answer.status).toBe(400);
    expect(answer.body['error']).toMatch(/^errorRate: .*; the faults are latencyMs, errorRate, throttle, hang, outageMs/);
  });

  it('sets known faults: an outage answers 503 until it ends, and {} clears everything', async () => {
    expect((await post('{"outageMs":30000}')).status).toBe(200);
    expect((await fetch(`${sim.url}/thing`)).status).toBe(503);
    expect(await post('{}')).toEqual({ status: 200, body: {} });
    expect((await fetch(`${sim.url}/thing`)).status).toBe(200);
  });
});
