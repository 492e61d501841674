/**
 * The revocation queue, with the REAL webhook and worker roots over the emulators and simulators:
 * a removal travels on a queue of its own, so it is applied while the work queue is full of work
 * that waits (additions, re-checks, reconciliation slices), and only its re-check joins that queue.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importRoots, startPipelineWorld, type HttpHandler, type PipelineWorld, type SqsBatchHandler } from '../support/pipeline.js';
import { genericDelivery } from './deliveries.js';

let world: PipelineWorld;
let webhook: HttpHandler;
let worker: SqsBatchHandler;

beforeAll(async () => {
  world = await startPipelineWorld({ revocationQueue: true });
  ({ webhook, worker } = await importRoots());
});

afterAll(async () => {
  await world?.stop();
});

afterEach(async () => {
  await world.work.take();
  await world.revocations.take();
});

async function post(changes: Record<string, unknown>[]): Promise<void> {
  const response = await webhook(genericDelivery(changes));
  expect(response.statusCode).toBe(200);
}

describe('the revocation queue', () => {
  it('applies a removal while the work queue holds a backlog, and queues only its re-check behind that backlog', async () => {
    // A backlog: thirty additions, each waiting for its UMAPI read on the work queue.
    await post(Array.from({ length: 30 }, (_, i) => ({ id: `lane-add-${i}`, type: 'membership.added', user: { email: `new-${i}@acme.com` }, group: 'AEM-Authors' })));
    const backlog = (await world.work.depth()).visible;
    expect(backlog).toBe(30);

    world.ims.org.removeUserFromGroup('li@acme.com', 'AEM-DAM-Users');
    await post([{ id: 'lane-rm-li', type: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-DAM-Users' }]);
    expect(await world.revocations.depth()).toEqual({ visible: 1, inFlight: 0 });
    expect(world.aemProd.control.members('AEM-DAM-Users')).toContain('li@acme.com');

    const applied = await world.revocations.poll(worker);

    expect(applied.records.map((r) => JSON.parse(r.body).id)).toEqual([expect.stringMatching(/^lane-rm-li/)]);
    expect(applied.failed).toEqual([]);
    expect(world.aemProd.control.members('AEM-DAM-Users')).not.toContain('li@acme.com');
    expect(await world.revocations.depth()).toEqual({ visible: 0, inFlight: 0 });
    // The backlog is untouched; the removal's re-check joined it.
    const work = await world.work.take();
    expect(work).toHaveLength(backlog + 1);
    expect(work.filter((m) => /^lane-rm-li#[0-9a-f]+:recheck$/.test(JSON.parse(m.Body ?? '{}').id))).toHaveLength(1);
  });

  it('sends a replayed revocation back to the revocation queue, and other work to the work queue', async () => {
    await world.deadLetters.sendRaw(JSON.stringify({ kind: 'delta', id: 'dlq-rm', occurredAt: '2026-12-06T04:00:00.000Z', correlationId: 'c-rm', source: 'generic', change: 'user.removed', user: { email: 'gone@acme.com' } }), 'user:gone@acme.com');
    await world.deadLetters.sendRaw(JSON.stringify({ kind: 'hint', id: 'dlq-hint', occurredAt: '2026-12-06T04:00:00.000Z', correlationId: 'c-h', source: 'generic', user: { email: 'li@acme.com' }, reason: 'test' }), 'check:li@acme.com');
    const { createReplayHandler } = await import('../../functions/doors/replay.js');
    const { createDeadLetterAccess } = await import('../../lib/aws/dead-letters.js');
    const runtime = await world.runtime();
    const replay = createReplayHandler({
      deadLetters: createDeadLetterAccess(world.sqs, { dlqUrl: world.env['DEAD_LETTER_QUEUE_URL'] ?? '', queueUrl: world.env['QUEUE_URL'] ?? '', revocationQueueUrl: world.env['REVOCATION_QUEUE_URL'] }),
      log: runtime.log,
      metrics: runtime.metrics,
      clock: runtime.clock,
    });

    await replay({ dryRun: false });

    expect((await world.revocations.take()).map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual(['dlq-rm']);
    expect((await world.work.take()).map((m) => JSON.parse(m.Body ?? '{}').id)).toEqual(['dlq-hint']);
  });
});
