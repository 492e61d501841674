import { describe, expect, it } from 'vitest';
import type { DeltaMessage, HintMessage } from '../../../lib/domain/messages.js';
import { cli, cliWorld, deadLetter, strictGuardConfig } from './harness.js';

const delta: DeltaMessage = {
  kind: 'delta',
  id: 'evt-1',
  occurredAt: '2026-11-23T09:00:00Z',
  correlationId: 'c-1',
  source: 'adobe-io',
  change: 'membership.added',
  user: { email: 'jane@acme.com' },
  group: 'AEM-Authors',
};
const hint: HintMessage = { kind: 'hint', id: 'evt-2', occurredAt: '2026-11-23T11:00:00Z', correlationId: 'c-2', source: 'generic', user: { email: 'omar@acme.com' }, reason: 'profile changed' };

describe('ims-sync replay', () => {
  function withLetters() {
    const world = cliWorld();
    world.dlq.letters.push({ ...deadLetter(delta), hidden: false }, { ...deadLetter(hint), hidden: false }, { messageId: 'm-junk', receiptHandle: 'r-junk', body: 'not json', receiveCount: 1, hidden: false });
    return world;
  }

  it('is a dry run by default: lists the matches, says so, moves nothing, leaves every letter visible', async () => {
    const world = withLetters();
    const { code, stdout } = await cli(['replay', '--kind', 'delta'], world);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Dry run: nothing was moved\. 1 message would go back to the work queue \(run again with --apply to move them\)\./);
    expect(stdout).toMatch(/m-evt-1 +delta +membership\.added jane@acme\.com AEM-Authors/);
    expect(stdout).toContain('is not a work message and is never replayed');
    expect(world.dlq.sentBack).toEqual([]);
    expect(world.dlq.letters.every((l) => !l.hidden)).toBe(true);
  });

  it('--apply moves the matches only, and exits 2', async () => {
    const world = withLetters();
    const { code, stdout } = await cli(['replay', '--apply', '--since', '2026-11-23T10:00:00Z'], world);
    expect(code).toBe(2);
    expect(stdout).toContain('1 message moved back to the work queue');
    expect(world.dlq.sentBack.map((l) => l.messageId)).toEqual(['m-evt-2']);
    expect(world.dlq.letters.map((l) => l.messageId)).toEqual(['m-evt-1', 'm-junk']);
  });

  it('filters by user, as JSON', async () => {
    const world = withLetters();
    const { stdout } = await cli(['replay', '--user', 'OMAR@acme.com', '--json'], world);
    expect(JSON.parse(stdout)).toMatchObject({ dryRun: true, matched: [{ messageId: 'm-evt-2', kind: 'hint' }], keptCount: 2, unreadable: [{ messageId: 'm-junk' }] });
  });
});

describe('ims-sync status', () => {
  it('shows queue depth, recent runs with verdicts, deferrals and held removals', async () => {
    const world = cliWorld({ config: strictGuardConfig() });
    world.dlq.letters.push({ ...deadLetter(delta), hidden: false });
    await cli(['reconcile', '--apply', '--target', 'acme-campaign'], world);
    const runId = world.stores.runs.records[0]?.runId ?? '';

    const { code, stdout } = await cli(['status'], world);
    expect(code).toBe(0);
    expect(stdout).toMatch(/work +1 +0\n +dead-letter +1 +0/);
    expect(stdout).toMatch(new RegExp(`${runId} +acme-campaign +HELD +1 +2 +0 +1 +hold`));
    expect(stdout).toMatch(/Deferred[\s\S]*acme-campaign +1 +0/);
    expect(stdout).toMatch(new RegExp(`awaiting a decision:\\n +RUN.*\\n +${runId} +acme-campaign +\\S+ \\S+ +2 +2 removals exceed`));
    expect(stdout).toContain('Dead letters are waiting: see them with `ims-sync replay`.');
    expect(stdout).toContain('Configured: 25 user reads and 5 group reads a minute');
  });

  it('prints JSON, without the held slices', async () => {
    const world = cliWorld({ config: strictGuardConfig() });
    await cli(['reconcile', '--apply', '--target', 'acme-campaign'], world);
    const status = JSON.parse((await cli(['status', '--json'], world)).stdout) as Record<string, unknown>;
    expect(status['queues']).toEqual({ queue: { visible: 1, inFlight: 0 }, deadLetter: { visible: 0, inFlight: 0 } });
    expect(status['holds']).toEqual([expect.objectContaining({ targetId: 'acme-campaign', status: 'HELD' })]);
    expect(JSON.stringify(status['holds'])).not.toContain('"held"');
    expect(status['deferred']).toEqual([{ targetId: 'acme-campaign', users: 1, groups: 0, oldest: new Date(world.clock.now()).toISOString() }]);
    expect(status['umapiBudget']).toMatchObject({ perMinute: { users: 25, groups: 5 } });
  });

  it('shows a part it cannot read as unavailable, the others still, and exits 1', async () => {
    const world = cliWorld();
    world.dlq.depthFails = true;
    const { code, stdout, stderr } = await cli(['status'], world);
    expect(code).toBe(1);
    expect(stdout).toMatch(/Queues \(approximate\):\n  unavailable: SQS GetQueueAttributes/);
    expect(stdout).toContain('No reconciliation has run yet.');
    expect(stderr).toContain('ims-sync status: a part could not be read: SQS GetQueueAttributes');
  });

  it('shows the UMAPI buckets when the runtime can read them', async () => {
    const world = cliWorld();
    const base = await world.factory({}, { log: world.log, metrics: world.metrics });
    // 25 user reads a minute (one every 2.4 s), 80% for reconciliation (one every 3 s).
    const buckets = [
      { family: 'users', bucket: 'shared' as const, tokens: -1.5, updatedAt: world.clock.now() },
      { family: 'users', bucket: 'reconcile' as const, tokens: 0, updatedAt: world.clock.now() - 1_500 },
    ];
    const withBuckets = { ...world, factory: async () => ({ ...base, rateBuckets: async () => buckets }) };
    const { stdout } = await cli(['status'], withBuckets);
    expect(stdout).toContain("A reconciliation's (or plan's) full org read may use 80% of them; 20% is kept for event work");
    expect(stdout).toMatch(/READS +BUDGET +PER MINUTE +NEXT FREE SLOT +WAITING +LAST TAKEN\n/);
    expect(stdout).toMatch(/users +everyone \(events and reconciliation\) +25 +in 6\.0 s +2 +2026-11-23 10:00:00Z\n/);
    expect(stdout).toMatch(/users +reconciliation's share \(80%\) +20 +in 1\.5 s +0 +2026-11-23 09:59:58Z/);
    expect(stdout).not.toContain('Note:');
    const json = JSON.parse((await cli(['status', '--json'], withBuckets)).stdout) as { umapiBudget: { buckets: unknown[] } };
    expect(json.umapiBudget.buckets[0]).toEqual({ family: 'users', bucket: 'shared', tokens: -1.5, perMinute: 25, nextFreeInMs: 6000, waiting: 2, updatedAt: '2026-11-23T10:00:00.000Z' });
  });
});

describe('ims-sync audit', () => {
  it('shows a user’s trail across targets, by email in any case, oldest first', async () => {
    const world = cliWorld();
    await cli(['sync-user', 'li@acme.com'], world);
    const { code, stdout } = await cli(['audit', 'Li@Acme.com'], world);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^2 audit entries for Li@Acme\.com, oldest first:\n +TIME +TARGET +OP +MEMBER +GROUP +CAUSE +ACTOR +OUTCOME\n/);
    expect(stdout).toMatch(/2026-11-23 10:00:00Z +acme-prod-author +remove +li@acme\.com +AEM-DAM-Users +event cli-\d+ +- +applied/);
  });

  it('shows a group’s trail, filtered by --since, and as JSON', async () => {
    const world = cliWorld();
    await cli(['sync-user', 'li@acme.com'], world);
    expect((await cli(['audit', 'AEM-Authors'], world)).stdout).toMatch(/1 audit entry for group AEM-Authors/);
    expect(JSON.parse((await cli(['audit', 'AEM-Authors', '--json'], world)).stdout)).toEqual([expect.objectContaining({ targetId: 'acme-stage-author', op: 'add', member: 'li@acme.com' })]);
    expect((await cli(['audit', 'AEM-Authors', '--since', '2026-11-24'], world)).stdout).toBe('No audit entries for group AEM-Authors since 2026-11-24T00:00:00.000Z.\n');
  });

  it('--member and --group override the guess from the @', async () => {
    const world = cliWorld();
    // Wiring is recorded with the IMS group as the member: its trail is the member's, not the group's.
    await world.stores.audit.record([{ targetId: 'acme-prod-author', member: 'AEM-DAM-Users', group: 'dam-users', op: 'wire', cause: 'run r1', at: Date.parse('2026-11-23T10:00:00Z'), outcome: 'applied' }]);
    expect((await cli(['audit', 'AEM-DAM-Users', '--member'], world)).stdout).toMatch(/wire +AEM-DAM-Users/);
    expect((await cli(['audit', 'AEM-DAM-Users'], world)).stdout).toBe('No audit entries for group AEM-DAM-Users.\n');
    expect((await cli(['audit', 'x', '--member', '--group'], world)).code).toBe(64);
  });
});
