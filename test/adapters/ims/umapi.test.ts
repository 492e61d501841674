import { afterEach, describe, expect, it } from 'vitest';
import { AuthError, IncompleteReadError, ProtocolError, TargetUnavailableError, ThrottledError, ValidationError } from '../../../lib/errors.js';
import type { ReadProgress } from '../../../lib/ims/port.js';
import { demoOrg } from '../../../local/fixtures/demo-org.js';
import { generateOrg } from '../../../local/fixtures/generate.js';
import type { OrgFixture } from '../../../local/fixtures/types.js';
import type { ImsSimulator } from '../../../local/simulators/ims/index.js';
import { clientFor, countingLimiter, recordingClock, startSim } from './support.js';

let sim: ImsSimulator | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const reads = (s: ImsSimulator, endpoint: string): number => s.counts()[endpoint]?.read ?? 0;
const PROD = 'AEM Managed Services - acme-prod-author';

describe('UMAPI client: paging', () => {
  it('reads every page of the org with directOnly=false and reports progress per page', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 2 });
    const { umapi } = clientFor(sim, fixture);
    const progress: ReadProgress[] = [];

    const users = await umapi.listUsers({ onPage: (p) => progress.push(p) });

    expect(users.map((u) => u.email)).toEqual(fixture.users.map((u) => u.email));
    expect(users.find((u) => u.email === 'jane@acme.com')?.groups).toContain(PROD); // via AEM-Authors
    expect(progress).toEqual([
      { page: 0, usersSoFar: 2, totalUsers: 7 },
      { page: 1, usersSoFar: 4, totalUsers: 7 },
      { page: 2, usersSoFar: 6, totalUsers: 7 },
      { page: 3, usersSoFar: 7, totalUsers: 7 },
    ]);
    expect(reads(sim, 'GET users')).toBe(4);
  });

  it('reads a generated org of 1000 users over 20 pages, skipping inactive users', async () => {
    const fixture = generateOrg({ users: 1000, seed: 42 });
    sim = await startSim({ fixture, pageSize: 50 });
    const { umapi } = clientFor(sim, fixture);

    const users = await umapi.listUsers();

    const active = fixture.users.filter((u) => (u.status ?? 'active') === 'active');
    expect(active.length).toBeLessThan(1000);
    expect(users).toHaveLength(active.length);
    expect(new Set(users.map((u) => u.id)).size).toBe(active.length);
    expect(reads(sim, 'GET users')).toBe(Math.ceil(active.length / 50));
  });

  it('takes one limiter token before every request, retries included: the full org read from the reconciliation lane, every other read from the event lane', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 3 });
    sim.umapiFaults.scripted.push({ endpoint: 'GET users', page: 1, times: 1, status: 503 });
    const limiter = countingLimiter();
    const { umapi } = clientFor(sim, fixture, { limiter });

    await umapi.listUsers();
    const orgRead = limiter.lanes.splice(0);
    await umapi.getUser('jane@acme.com');
    await umapi.listGroupUsers(PROD);
    await umapi.listGroups();

    expect(reads(sim, 'GET users')).toBe(4); // 3 pages + 1 retry
    expect(orgRead).toEqual(['users/reconcile', 'users/reconcile', 'users/reconcile', 'users/reconcile']);
    expect(limiter.acquired.filter((f) => f === 'users')).toHaveLength(reads(sim, 'GET users') + reads(sim, 'GET user') + reads(sim, 'GET group users'));
    expect(limiter.acquired.filter((f) => f === 'groups')).toHaveLength(reads(sim, 'GET groups'));
    expect(limiter.lanes.filter((l) => !l.endsWith('/event'))).toEqual([]);
    expect(limiter.lanes).toHaveLength(reads(sim, 'GET user') + reads(sim, 'GET group users') + reads(sim, 'GET groups'));
  });

  it('reads the org from the event lane when event work asks, letting each page after the first wait longer for its turn', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 3 });
    const limiter = countingLimiter();
    const { umapi } = clientFor(sim, fixture, { limiter });

    await umapi.listUsers({ lane: 'event', laterPagesWaitMs: 4_000 });

    expect(limiter.lanes).toEqual(['users/event', 'users/event', 'users/event']);
    expect(limiter.waits).toEqual([undefined, 4_000, 4_000]); // the first page waits no longer than any call
  });

  it('recovers from a page that fails once', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 2 });
    sim.umapiFaults.scripted.push({ endpoint: 'GET users', page: 2, times: 1, status: 503 });
    const { umapi } = clientFor(sim, fixture);

    const users = await umapi.listUsers();

    expect(users).toHaveLength(7);
  });

  it('raises IncompleteReadError, never a shorter list, when page 2 keeps failing', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 2 });
    sim.umapiFaults.scripted.push({ endpoint: 'GET users', page: 2, times: Infinity, status: 503 });
    const { umapi } = clientFor(sim, fixture);

    const error = await umapi.listUsers().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IncompleteReadError);
    expect((error as Error).message).toContain('page 2');
    expect((error as Error).cause).toBeInstanceOf(TargetUnavailableError);
  });

  it.each([
    ['X-Total-Count disagrees with the users served', { totalCountSkew: 1 }],
    ['an empty page before lastPage', { emptyUsersPage: 1 }],
    ['a page served twice', { repeatUsersPage: 2 }],
    [
      'an org answered with no users at all (one empty last page, no paging headers)',
      { scripted: [{ endpoint: 'GET users' as const, page: 0, times: 1, status: 200, body: JSON.stringify({ lastPage: true, result: 'success', users: [] }) }] },
    ],
  ])('raises IncompleteReadError on %s', async (_name, faults) => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 2, umapiFaults: faults });
    const { umapi } = clientFor(sim, fixture);

    await expect(umapi.listUsers()).rejects.toBeInstanceOf(IncompleteReadError);
  });

  it('lists every group and product profile over several pages', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 4 });
    const { umapi } = clientFor(sim, fixture);

    const groups = await umapi.listGroups();

    expect(groups.map((g) => g.groupName)).toEqual(fixture.groups.map((g) => g.name));
    expect(groups.find((g) => g.groupName === 'AEM-Authors')?.type).toBe('USER_GROUP');
    expect(reads(sim, 'GET groups')).toBe(3);
  });

  it('lists the members of a product profile, including those reached through a user group', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, pageSize: 2 });
    const { umapi } = clientFor(sim, fixture);

    const members = await umapi.listGroupUsers(PROD);

    expect(members?.map((u) => u.email).sort()).toEqual(['jane@acme.com', 'li@acme.com', 'max.personal@gmail.com', 'nina@acme.com', 'omar@acme.com']);
  });
});

describe('UMAPI client: not found', () => {
  it('answers undefined for an unknown user and an unknown group', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);

    expect(await umapi.getUser('nobody@acme.com')).toBeUndefined();
    expect(await umapi.listGroupUsers('No Such Group')).toBeUndefined();
  });

  it('finds a user by email case-insensitively', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);

    const user = await umapi.getUser('JANE@acme.com');

    expect(user?.id).toBe('A1000001@AdobeID');
  });

  it('reads one user with the product profiles reached through user groups (directOnly=false)', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);

    const li = await umapi.getUser('li@acme.com');

    // li is in the AEM-Authors user group only; the group carries both AEM profiles.
    expect(li?.groups).toEqual(expect.arrayContaining(['AEM-Authors', 'AEM Managed Services - acme-prod-author', 'AEM Managed Services - acme-stage-author']));
  });

  it('does not read a 404 without UMAPI\'s not-found result as "no such user"', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    sim.umapiFaults.scripted.push({ endpoint: 'GET user', times: 1, status: 404, body: '<html>Not Found</html>' });
    const { umapi } = clientFor(sim, fixture);

    await expect(umapi.getUser('jane@acme.com')).rejects.toBeInstanceOf(ProtocolError);
  });

  it('names the call and the field of a malformed body', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const body = JSON.stringify({ lastPage: true, result: 'success', users: [{ id: 'X@AdobeID' }] });
    sim.umapiFaults.scripted.push({ endpoint: 'GET users', times: 1, status: 200, body });
    const { umapi } = clientFor(sim, fixture);

    const error = await umapi.listUsers().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as Error).message).toContain('GET users page 0');
    expect((error as Error).message).toContain('users.0.email');
  });
});

describe('UMAPI client: auth', () => {
  it('gets a fresh token once when UMAPI refuses the cached one', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);
    await umapi.getUser('jane@acme.com');
    sim.org.expireTokens();

    const user = await umapi.getUser('jane@acme.com');

    expect(user?.email).toBe('jane@acme.com');
    expect(sim.counts()['POST token']?.write).toBe(2);
    expect(reads(sim, 'GET user')).toBe(3);
  });

  it('fails with AuthError when the fresh token is refused too', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    sim.umapiFaults.scripted.push({ endpoint: 'GET user', times: 2, status: 401 });
    const { umapi } = clientFor(sim, fixture);

    const error = await umapi.getUser('jane@acme.com').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).system).toBe('umapi');
    expect(sim.counts()['POST token']?.write).toBe(2);
  });

  it('fails with AuthError on a refused API key', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture, { clientId: 'someone-else' });

    const error = await umapi.getUser('jane@acme.com').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuthError);
    expect((error as Error).message).toContain('403');
  });
});

describe('UMAPI client: throttling and failures', () => {
  it('waits a real Retry-After: 1 and then succeeds', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    sim.umapiFaults.scripted.push({ endpoint: 'GET user', times: 1, status: 429, retryAfter: '1' });
    const { umapi } = clientFor(sim, fixture);
    const started = Date.now();

    const user = await umapi.getUser('jane@acme.com');

    expect(user?.email).toBe('jane@acme.com');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(reads(sim, 'GET user')).toBe(2);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    sim.umapiFaults.scripted.push({ endpoint: 'GET user', times: 1, status: 429, retryAfter: inTenSeconds });
    const clock = recordingClock();
    const { umapi } = clientFor(sim, fixture, { clock, retry: { baseDelayMs: 5, maxJitterMs: 0, maxInlineWaitMs: 20_000 } });

    await umapi.getUser('jane@acme.com');

    expect(clock.sleeps).toHaveLength(1);
    expect(clock.sleeps[0]).toBeGreaterThan(8_000);
    expect(clock.sleeps[0]).toBeLessThanOrEqual(10_000);
  });

  it('raises ThrottledError with the wait when the simulator\'s per-minute limit is spent', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture, limits: { usersPerMinute: 2, groupsPerMinute: 1 } });
    const { umapi } = clientFor(sim, fixture, { retry: { baseDelayMs: 5, maxJitterMs: 0, maxInlineWaitMs: 1_000 } });
    await umapi.getUser('jane@acme.com');
    await umapi.getUser('omar@acme.com');

    const error = await umapi.getUser('li@acme.com').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ThrottledError);
    expect((error as ThrottledError).retryAfterMs).toBeGreaterThanOrEqual(58_000);
    expect((error as ThrottledError).retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('backs off 2^(n-1)*base + jitter on 503 and then succeeds', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    sim.umapiFaults.scripted.push({ endpoint: 'GET user', times: 2, status: 503 });
    const clock = recordingClock();
    const { umapi } = clientFor(sim, fixture, { clock, retry: { baseDelayMs: 100, maxJitterMs: 40, maxInlineWaitMs: 5_000 }, random: () => 0.5 });

    const user = await umapi.getUser('jane@acme.com');

    expect(user?.email).toBe('jane@acme.com');
    expect(clock.sleeps).toEqual([120, 220]);
  });

  it('gives up after 4 attempts with TargetUnavailableError', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    sim.umapiFaults.scripted.push({ endpoint: 'GET user', times: Infinity, status: 503 });
    const { umapi } = clientFor(sim, fixture);

    await expect(umapi.getUser('jane@acme.com')).rejects.toBeInstanceOf(TargetUnavailableError);
    expect(reads(sim, 'GET user')).toBe(4);
  });

  it('times out a hanging UMAPI and reports it unavailable', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi, tokens } = clientFor(sim, fixture, { timeoutMs: 100, retry: { attempts: 2, baseDelayMs: 1, maxJitterMs: 0 } });
    await tokens.getToken();
    sim.faults = { hang: true };

    const error = await umapi.getUser('jane@acme.com').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TargetUnavailableError);
    expect((error as Error).message).toContain('in time');
    expect(reads(sim, 'GET user')).toBe(2);
  });
});

describe('UMAPI client: hostile group names', () => {
  const hostile = ['../x', '../../etc/passwd', "a' or 1=1 or '", '"quoted"', '<&>', 'Ünïcødé – グループ', 'with spaces / and slash', '100% sure?#frag', 'a+b=c&d'];
  const withHostileGroups = (): OrgFixture => {
    const fixture = demoOrg();
    hostile.forEach((name, i) => {
      fixture.groups.push({ name, type: 'USER_GROUP' });
      fixture.users.push({ id: `H${i}@AdobeID`, email: `h${i}@acme.com`, type: 'federatedID', groups: [name] });
    });
    return fixture;
  };

  it.each(hostile)('round-trips %s as data', async (name) => {
    const fixture = withHostileGroups();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);

    const members = await umapi.listGroupUsers(name);

    expect(members?.map((u) => u.email)).toEqual([`h${hostile.indexOf(name)}@acme.com`]);
    expect(members?.[0]?.groups).toEqual([name]);
  });

  it('lists hostile names exactly in the groups listing', async () => {
    const fixture = withHostileGroups();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);

    const names = (await umapi.listGroups()).map((g) => g.groupName);

    expect(names).toEqual(expect.arrayContaining(hostile));
  });

  it('refuses a name that a URL cannot carry as a path segment', async () => {
    const fixture = demoOrg();
    sim = await startSim({ fixture });
    const { umapi } = clientFor(sim, fixture);

    await expect(umapi.listGroupUsers('..')).rejects.toBeInstanceOf(ValidationError);
    expect(reads(sim, 'GET group users')).toBe(0);
  });
});
