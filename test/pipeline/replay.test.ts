/**
 * The dead-letter path with the REAL replay root (functions/replay.ts): work that keeps failing is
 * parked by the queue's redrive policy after maxReceiveCount receives (3 here, 16 deployed, to keep the
 * test short), a dry run lists it and leaves it, and a filtered replay moves back only what matches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../functions/doors/worker.js';
import type { DeltaMessage } from '../../lib/domain/messages.js';
import type { ReplayReport } from '../../lib/sync/replay.js';
import { lambdaContext, startPipelineWorld, type PipelineWorld, type RecordingRuntime, type SqsBatchHandler } from '../support/pipeline.js';
import { sampleEvent } from './deliveries.js';

let world: PipelineWorld;
let replay: (request: unknown) => Promise<ReplayReport>;
let runtime: RecordingRuntime;
let worker: SqsBatchHandler;

beforeAll(async () => {
  world = await startPipelineWorld({ maxReceiveCount: 3 });
  const replayRoot = await import('../../functions/replay.js');
  replay = (request) => replayRoot.handler(request, lambdaContext('ims-group-sync-replay'));
  runtime = await world.runtime();
  worker = createWorkerHandler({ runtime, delay: (handle, seconds) => runtime.queue.changeVisibility(handle, seconds) });
});

afterAll(async () => {
  await world?.stop();
});

const userRemoved = (id: string, email: string): DeltaMessage => ({
  kind: 'delta',
  id,
  occurredAt: new Date().toISOString(),
  correlationId: `corr-${id}`,
  source: 'adobe-io',
  change: 'user.removed',
  user: { email },
});

describe('replay', () => {
  it('parks failing and poison work in the dead-letter queue, lists it on a dry run, and moves back only what a filter matches', async () => {
    // AEM prod stays down: the removals of Sam and Li keep failing there. The poison is not a work message at all.
    world.aemProd.faults = { outageUntil: Date.now() + 10 * 60_000 };
    await runtime.queue.send([userRemoved('evt-dlq-sam', 'sam@acme.com'), userRemoved('evt-dlq-li', 'li@acme.com')]);
    const poisonId = await world.work.sendRaw('{"kind":"delta","id":42}', 'user:poison@acme.com');

    await world.work.drain(worker, { visibilitySeconds: 1, timeoutMs: 30_000, until: async () => (await world.deadLetters.depth()).visible === 3 });
    await world.work.drain(worker, { timeoutMs: 5_000 }); // nothing left behind in the work queue

    // Dry run (events/replay-dry-run.json): everything listed, nothing moved.
    const dryRun = await replay(sampleEvent('replay-dry-run.json'));

    expect(dryRun.dryRun).toBe(true);
    expect(dryRun.matched.map((m) => m.summary).sort()).toEqual(expect.arrayContaining([expect.stringContaining('sam@acme.com'), expect.stringContaining('li@acme.com')]));
    expect(dryRun.matched).toHaveLength(2);
    expect(dryRun.unreadable.map((u) => u.messageId)).toEqual([poisonId]);
    expect(await world.deadLetters.depth()).toEqual({ visible: 3, inFlight: 0 });
    expect(await world.work.depth()).toEqual({ visible: 0, inFlight: 0 });

    // Filtered replay (events/replay-user.json): only Sam's work goes back.
    const moved = await replay(sampleEvent('replay-user.json'));

    expect(moved.dryRun).toBe(false);
    expect(moved.matched).toEqual([expect.objectContaining({ kind: 'delta', summary: expect.stringContaining('sam@acme.com') })]);
    expect(moved.keptCount).toBe(2);
    expect(await world.deadLetters.depth()).toEqual({ visible: 2, inFlight: 0 });

    // Prod is back: the replayed work is applied; Li's stays parked.
    world.aemProd.faults = {};
    await world.work.drain(worker, { timeoutMs: 10_000 });

    expect(world.aemProd.control.members('AEM-Authors')).not.toContain('sam@acme.com');
    expect(world.aemProd.control.members('AEM-DAM-Users')).not.toContain('sam@acme.com');
    expect(world.aemProd.control.members('AEM-Authors')).toContain('li@acme.com');
    expect(await world.deadLetters.depth()).toEqual({ visible: 2, inFlight: 0 });
    const stillParked = await replay({ dryRun: true, filter: { user: 'li@acme.com' } });
    expect(stillParked.matched).toEqual([expect.objectContaining({ summary: expect.stringContaining('li@acme.com') })]);
  });
});
