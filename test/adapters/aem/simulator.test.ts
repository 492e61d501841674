import { afterEach, describe, expect, it } from 'vitest';
import { bigInstance } from './harness.js';
import { startAemSimulator, type RunningAemSimulator } from '../../../local/simulators/aem/index.js';

let sim: RunningAemSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(`${sim?.url}${path}`, { headers });
  return { status: response.status, text: await response.text() };
};

describe('AEM simulator', () => {
  it('answers QueryBuilder with 10 hits and more=true when p.limit is not set', async () => {
    sim = await startAemSimulator({ instance: bigInstance(1, 30) });

    const answer = await get('/bin/querybuilder.json?path=/home/users&type=rep:User&p.hits=selective&p.properties=rep:authorizableId');

    const body = JSON.parse(answer.text) as { hits: unknown[]; more: boolean; total: number };
    expect(body.hits).toHaveLength(10);
    expect(body.more).toBe(true);
    expect(body.total).toBe(31);
  });

  it('cuts member lists at the default ml with membersTotal -1, and gives random homes', async () => {
    sim = await startAemSimulator({ instance: bigInstance(1, 150) });
    const home = sim.control.snapshot().groups[0]?.home ?? '';

    const answer = await get(`${home}.rw.json?props=declaredMembers,membersTotal`);

    const body = JSON.parse(answer.text) as { declaredMembers: unknown[]; membersTotal: number };
    expect(home).toMatch(/^\/home\/groups\/([A-Za-z])\/\1[A-Za-z0-9_-]{19}$/);
    expect(body.declaredMembers).toHaveLength(100);
    expect(body.membersTotal).toBe(-1);
    expect((await get('/home/groups/x/nothing.rw.json')).status).toBe(404);
  });

  it('refuses a POST without a CSRF token and an unauthenticated request', async () => {
    sim = await startAemSimulator({ instance: bigInstance(1, 1), credentials: { username: 'u', password: 'p' } });
    const home = sim.control.snapshot().groups[0]?.home ?? '';
    const auth = { authorization: `Basic ${Buffer.from('u:p').toString('base64')}` };

    const noCsrf = await fetch(`${sim.url}${home}.rw.html`, { method: 'POST', headers: auth, body: 'removeMembers=admin' });
    const noAuth = await get('/libs/granite/csrf/token.json');

    expect(noCsrf.status).toBe(403);
    expect(noAuth.status).toBe(401);
    expect(sim.control.members('AEM-Group-0')).toContain('admin');
  });

  it('creates the IMS user and groups at login, and serves its state at /__sim/state', async () => {
    sim = await startAemSimulator({ instance: { targetId: 'stage', users: [], groups: [] } });

    sim.control.login('nina@acme.com', ['AEM-Reviewers']);
    const state = JSON.parse((await get('/__sim/state')).text) as { groups: { id: string; ims: boolean; members: string[] }[] };

    expect(state.groups).toMatchObject([{ id: 'AEM-Reviewers', ims: true, members: ['nina@acme.com'] }]);
    expect(sim.control.memberOf('nina@acme.com')).toEqual(['AEM-Reviewers']);
  });
});
