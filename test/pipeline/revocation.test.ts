/**
 * Removal first, and bursts paid per batch — with the REAL webhook and worker roots over the
 * emulators and the simulators: a removal lands while UMAPI cannot be read at all, its re-check
 * follows once UMAPI answers, and a burst of removals from, or additions to, one group costs one
 * read of that group and one write per target.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../functions/doors/worker.js';
import { FAST_UMAPI_BUDGET, importRoots, startPipelineWorld, type HttpHandler, type PipelineWorld, type SqsBatchHandler } from '../support/pipeline.js';
import { genericDelivery } from './deliveries.js';

const PROD_PROFILE = 'AEM Managed Services - acme-prod-author';

let world: PipelineWorld;
let webhook: HttpHandler;
let worker: SqsBatchHandler;

beforeAll(async () => {
  world = await startPipelineWorld({ ims: { throttleRetryAfterSeconds: 1 } });
  ({ webhook, worker } = await importRoots());
});

afterAll(async () => {
  await world?.stop();
});

afterEach(async () => {
  world.ims.faults = {};
  await world.work.take();
});

async function post(changes: Record<string, unknown>[]): Promise<void> {
  const response = await webhook(genericDelivery(changes));
  expect(response.statusCode).toBe(200);
}

const umapiUserReads = (): number => world.ims.counts()['GET user']?.read ?? 0;

describe('removal first', () => {
  it('removes access from the event itself while UMAPI answers nothing but 429, then re-checks the user once it answers', async () => {
    world.ims.org.removeUserFromGroup('li@acme.com', 'AEM-DAM-Users');
    world.ims.faults = { throttle: true };
    world.ims.resetCounts();
    await post([{ id: 'rm-li-dam', type: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' }]);

    const first = await world.work.poll(worker, { visibilitySeconds: 30 });
    expect(first.failed).toEqual([]);
    expect(world.aemProd.control.members('AEM-DAM-Users')).not.toContain('li@acme.com');
    expect(world.aemProd.control.members('AEM-Authors')).toContain('li@acme.com'); // only what the event proves
    expect(umapiUserReads()).toBe(0);

    // The re-check is its own work: it waits for UMAPI, like any read, and is delayed, not failed toward the DLQ.
    const recheck = await world.work.poll(worker, { visibilitySeconds: 30 });
    expect(recheck.records.map((r) => JSON.parse(r.body).id)).toEqual([expect.stringMatching(/^rm-li-dam#[0-9a-f]+:recheck$/)]);
    expect(recheck.failed).toHaveLength(1);

    world.ims.faults = {};
    const fast = await world.runtime({ settings: await world.settings({ SYNC_CONFIG: await world.configVariant(FAST_UMAPI_BUDGET) }) });
    const fastWorker = createWorkerHandler({ runtime: fast, delay: (handle, seconds) => fast.queue.changeVisibility(handle, seconds) });
    await world.work.drain(fastWorker, { visibilitySeconds: 2 });
    expect(umapiUserReads()).toBeGreaterThan(0);
    expect(await world.deadLetters.depth()).toEqual({ visible: 0, inFlight: 0 });
  });
});

describe('a burst, paid per batch', () => {
  it('removes eight users from one group with one read of the group and one write per target', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `burst-${i}@acme.com`);
    for (const [i, email] of users.entries()) {
      world.ims.org.addUser({ id: `B${i}@AdobeID`, email, type: 'federatedID', groups: ['AEM-Authors', PROD_PROFILE] });
      world.aemProd.control.login(email, ['AEM-Authors']);
    }
    // The Admin Console removes them all from AEM-Authors; the IdP bridge posts the changes at once.
    for (const email of users) world.ims.org.removeUserFromGroup(email, 'AEM-Authors');
    await post(users.map((email, i) => ({ id: `burst-rm-${i}`, type: 'membership.removed', user: { email }, group: 'AEM-Authors' })));
    world.aemProd.resetCounts();

    const batch = await world.work.poll(worker, { visibilitySeconds: 30, max: 10 });

    expect(batch.records).toHaveLength(8);
    expect(batch.failed).toEqual([]);
    for (const email of users) expect(world.aemProd.control.members('AEM-Authors')).not.toContain(email);
    const counts = world.aemProd.counts();
    expect(counts['POST rw.html']?.write).toBe(1); // one removeMembers carrying all eight
    expect(counts['GET rw.json']?.read).toBe(1); // AEM-Authors' member list, not eight users' own
  });

  it('adds eight users to one group with one read of the group and one write per target, their other groups untouched', async () => {
    const users = Array.from({ length: 8 }, (_, i) => `grant-${i}@acme.com`);
    for (const [i, email] of users.entries()) {
      world.ims.org.addUser({ id: `G${i}@AdobeID`, email, type: 'federatedID', groups: [PROD_PROFILE] });
      world.aemProd.control.login(email, ['AEM-DAM-Users']); // in IMS no longer: left to its own event or the reconciliation
    }
    for (const email of users) world.ims.org.addUserToGroup(email, 'AEM-Authors');
    await post(users.map((email, i) => ({ id: `burst-add-${i}`, type: 'membership.added', user: { email }, group: 'AEM-Authors' })));
    world.aemProd.resetCounts();

    // Additions read UMAPI: a budget the earlier tests' re-checks cannot have spent keeps this about target calls.
    const fast = await world.runtime({ settings: await world.settings({ SYNC_CONFIG: await world.configVariant(FAST_UMAPI_BUDGET) }) });
    const fastWorker = createWorkerHandler({ runtime: fast, delay: (handle, seconds) => fast.queue.changeVisibility(handle, seconds) });
    const batch = await world.work.poll(fastWorker, { visibilitySeconds: 30, max: 10 });

    expect(batch.records).toHaveLength(8);
    expect(batch.failed).toEqual([]);
    for (const email of users) expect(world.aemProd.control.members('AEM-Authors')).toContain(email);
    for (const email of users) expect(world.aemProd.control.members('AEM-DAM-Users')).toContain(email);
    const counts = world.aemProd.counts();
    expect(counts['POST rw.html']?.write).toBe(1); // one addMembers carrying all eight
    expect(counts['GET rw.json']?.read).toBe(1); // AEM-Authors' member list, not eight users' own
  });
});
