import { afterEach, describe, expect, it } from 'vitest';
import { demoOrg, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_ORG_ID } from '../../../local/fixtures/demo-org.js';
import type { ImsSimulator } from '../../../local/simulators/ims/index.js';
import { startSim } from './support.js';

let sim: ImsSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const PROD = 'AEM Managed Services - acme-prod-author';
const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function tokenFor(s: ImsSimulator): Promise<string> {
  const res = await fetch(`${s.url}/ims/token/v3`, form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET, scope: 'openid' }));
  return ((await res.json()) as { access_token: string }).access_token;
}

async function get(s: ImsSimulator, path: string, token: string | undefined, apiKey: string | null = DEMO_CLIENT_ID) {
  const headers: Record<string, string> = { 'x-request-id': 'req-1' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (apiKey) headers['x-api-key'] = apiKey;
  return fetch(`${s.url}/v2/usermanagement${path}`, { headers });
}

const org = encodeURIComponent(DEMO_ORG_ID);

describe('IMS simulator: token endpoint', () => {
  it('answers a bearer token with expires_in in seconds', async () => {
    sim = await startSim({ tokenTtlSeconds: 120 });

    const res = await fetch(`${sim.url}/ims/token/v3`, form({ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET }));

    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ access_token: expect.stringMatching(/^sim-/), token_type: 'bearer', expires_in: 120 });
  });

  it.each([
    [{ grant_type: 'password', client_id: DEMO_CLIENT_ID, client_secret: DEMO_CLIENT_SECRET }, 400, 'unsupported_grant_type'],
    [{ grant_type: 'client_credentials', client_secret: DEMO_CLIENT_SECRET }, 400, 'invalid_request'],
    [{ grant_type: 'client_credentials', client_id: DEMO_CLIENT_ID, client_secret: 'nope' }, 401, 'invalid_client'],
  ])('refuses %o with %i %s', async (fields, status, error) => {
    sim = await startSim();

    const res = await fetch(`${sim.url}/ims/token/v2`, form(fields));

    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toBe(error);
  });
});

describe('IMS simulator: UMAPI auth', () => {
  it('answers 401 with an empty body and the JIL challenge for a missing, unknown or expired token', async () => {
    let now = Date.parse('2026-11-23T12:00:00Z');
    sim = await startSim({ tokenTtlSeconds: 60, now: () => now });
    const token = await tokenFor(sim);
    now += 61_000;

    for (const t of [undefined, 'sim-unknown', token]) {
      const res = await get(sim, `/organizations/${org}/users/jane%40acme.com`, t);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="JIL", error="invalid_token"');
      expect(await res.text()).toBe('');
    }
  });

  it('answers 403 with an empty body for a missing or wrong API key', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    for (const key of [null, 'other-client']) {
      const res = await get(sim, `/organizations/${org}/users/jane%40acme.com`, token, key);
      expect(res.status).toBe(403);
      expect(await res.text()).toBe('');
    }
  });
});

describe('IMS simulator: UMAPI reads', () => {
  it('pages with string headers, serves the last page past the end, and echoes X-Request-Id', async () => {
    sim = await startSim({ pageSize: 3 });
    const token = await tokenFor(sim);

    const res = await get(sim, `/users/${org}/9?directOnly=false`, token);
    const body = (await res.json()) as { lastPage: boolean; users: { email: string }[] };

    expect(res.headers.get('x-total-count')).toBe('7');
    expect(res.headers.get('x-page-count')).toBe('3');
    expect(res.headers.get('x-current-page')).toBe('2');
    expect(res.headers.get('x-page-size')).toBe('3');
    expect(res.headers.get('x-request-id')).toBe('req-1');
    expect(body.lastPage).toBe(true);
    expect(body.users.map((u) => u.email)).toEqual(['rita@acme.com']);
  });

  it('expands user groups into profiles only with directOnly=false (true is the default)', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    const direct = (await (await get(sim, `/users/${org}/0`, token)).json()) as { users: { email: string; groups?: string[] }[] };
    const expanded = (await (await get(sim, `/users/${org}/0?directOnly=false`, token)).json()) as { users: { email: string; groups?: string[] }[] };

    expect(direct.users.find((u) => u.email === 'jane@acme.com')?.groups).not.toContain(PROD);
    expect(expanded.users.find((u) => u.email === 'jane@acme.com')?.groups).toContain(PROD);
  });

  it('lists only direct members of a profile with directOnly=true', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    const res = await get(sim, `/users/${org}/0/${encodeURIComponent(PROD)}`, token);
    const body = (await res.json()) as { groupName: string; users: unknown[] };

    expect(body.groupName).toBe(PROD);
    expect(body.users).toEqual([]);
  });

  it('answers the contract\'s 404 bodies', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    const user = await get(sim, `/organizations/${org}/users/nobody%40acme.com`, token);
    const group = await get(sim, `/users/${org}/0/Nope`, token);

    expect(user.status).toBe(404);
    expect(await user.json()).toMatchObject({ result: 'error.user.not_found' });
    expect(group.status).toBe(404);
    expect(await group.json()).toMatchObject({ lastPage: false, result: 'error.group.not_found' });
  });

  it('leaves out disabled users and empty fields', async () => {
    const fixture = demoOrg();
    fixture.users.push({ id: 'D1@AdobeID', email: 'gone@acme.com', type: 'federatedID', status: 'disabled', groups: ['AEM-Authors'] });
    fixture.users.push({ id: 'N1@AdobeID', email: 'nogroups@acme.com', type: 'federatedID', groups: [] });
    sim = await startSim({ fixture });
    const token = await tokenFor(sim);

    const body = (await (await get(sim, `/users/${org}/0`, token)).json()) as { users: Record<string, unknown>[] };

    expect(body.users.map((u) => u.email)).not.toContain('gone@acme.com');
    expect(body.users.find((u) => u.email === 'nogroups@acme.com')).not.toHaveProperty('groups');
  });

  it('lists groups with ids, types and member counts', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    const body = (await (await get(sim, `/groups/${org}/0`, token)).json()) as { groups: Record<string, unknown>[] };

    expect(body.groups.find((g) => g.groupName === 'AEM-Authors')).toMatchObject({ type: 'USER_GROUP', memberCount: 4, adminGroupName: '_admin_AEM-Authors' });
    expect(body.groups.find((g) => g.groupName === PROD)).toMatchObject({ type: 'PRODUCT_PROFILE', licenseQuota: 'UNLIMITED' });
  });
});

describe('IMS simulator: throttling and counts', () => {
  it('answers 429 with the contract body and Retry-After past the per-minute limit', async () => {
    let now = Date.parse('2026-11-23T12:00:00Z');
    sim = await startSim({ limits: { usersPerMinute: 2, groupsPerMinute: 1 }, now: () => now });
    const token = await tokenFor(sim);
    await get(sim, `/users/${org}/0`, token);
    now += 10_000;
    await get(sim, `/users/${org}/0`, token);

    const throttled = await get(sim, `/users/${org}/0`, token);
    const groups = await get(sim, `/groups/${org}/0`, token);
    now += 50_001;
    const after = await get(sim, `/users/${org}/0`, token);

    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('50');
    expect(await throttled.json()).toEqual({ error_code: '429050', message: 'Too many requests' });
    expect(groups.status).toBe(200);
    expect(after.status).toBe(200);
  });

  it('answers the same 429 while the throttle fault is on', async () => {
    sim = await startSim({ throttleRetryAfterSeconds: 7 });
    sim.faults = { throttle: true };

    const res = await get(sim, `/users/${org}/0`, 'whatever');

    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.json()).toEqual({ error_code: '429050', message: 'Too many requests' });
  });

  it('counts requests by endpoint', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);
    await get(sim, `/users/${org}/0`, token);
    await get(sim, `/users/${org}/0/AEM-Authors`, token);
    await get(sim, `/organizations/${org}/users/jane%40acme.com`, token);
    await get(sim, `/groups/${org}/0`, token);

    expect(sim.counts()).toEqual({
      'POST token': { read: 0, write: 1 },
      'GET users': { read: 1, write: 0 },
      'GET group users': { read: 1, write: 0 },
      'GET user': { read: 1, write: 0 },
      'GET groups': { read: 1, write: 0 },
    });
  });
});

describe('IMS simulator: changing the org at run time', () => {
  it('reflects changes made from code', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    sim.org.addUserToGroup('paul@acme.com', 'AEM-Authors');
    sim.org.removeUser('jane@acme.com');
    sim.org.setGroupProfiles('Marketing', [PROD]);
    sim.org.setUserType('omar@acme.com', 'adobeID');

    const paul = (await (await get(sim, `/organizations/${org}/users/paul%40acme.com?directOnly=false`, token)).json()) as { user: { groups: string[] } };
    const jane = await get(sim, `/organizations/${org}/users/jane%40acme.com`, token);
    expect(paul.user.groups).toEqual(['Marketing', PROD, 'AEM-Authors', 'AEM Managed Services - acme-stage-author']);
    expect(jane.status).toBe(404);
    expect(sim.org.users().find((u) => u.email === 'omar@acme.com')?.type).toBe('adobeID');
  });

  it('refuses changes to unknown users and groups', async () => {
    sim = await startSim();
    const control = sim.org;

    expect(() => control.addUserToGroup('nobody@acme.com', 'AEM-Authors')).toThrow(/no user/);
    expect(() => control.addUserToGroup('jane@acme.com', 'Nope')).toThrow(/no group/);
  });

  it('takes the same operations over HTTP', async () => {
    sim = await startSim();
    const token = await tokenFor(sim);

    const ok = await fetch(`${sim.url}/__ims/org`, { method: 'POST', body: JSON.stringify({ op: 'removeUserFromGroup', email: 'li@acme.com', group: 'aem-authors' }) });
    const bad = await fetch(`${sim.url}/__ims/org`, { method: 'POST', body: JSON.stringify({ op: 'addUserToGroup', email: 'li@acme.com' }) });
    const expire = await fetch(`${sim.url}/__ims/org`, { method: 'POST', body: JSON.stringify({ op: 'expireTokens' }) });
    const afterExpiry = await get(sim, `/users/${org}/0`, token);

    expect(ok.status).toBe(200);
    expect(sim.org.users().find((u) => u.email === 'li@acme.com')?.groups).toEqual([]);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain('group');
    expect(expire.status).toBe(200);
    expect(afterExpiry.status).toBe(401);
  });
});
