import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createDynamoAuditStore } from '../../../lib/aws/audit-store.js';
import { createDynamoDeferredStore } from '../../../lib/aws/deferred-store.js';
import { createDynamoRunStore } from '../../../lib/aws/run-store.js';
import type { TableRef } from '../../../lib/aws/table.js';
import type { AuditEntry, RunTargetRecord } from '../../../lib/sync/ports.js';
import { manualClock, uniqueId, useEmulators } from './emulated.js';

const aws = useEmulators();

const T = Date.UTC(2026, 10, 23, 12, 0, 0);

describe('deferred store (dynalite)', () => {
  it('puts, lists per target and across targets, keeps the first "since", and clears', async () => {
    const store = createDynamoDeferredStore(aws.clients.table, manualClock());
    const [a, b] = [uniqueId('target'), uniqueId('target')];

    await store.put([
      { targetId: a, kind: 'user', key: 'ada@acme.example', group: 'authors', reason: 'never logged in', since: T },
      { targetId: a, kind: 'user', key: 'ada@acme.example', group: 'editors', reason: 'never logged in', since: T },
      { targetId: a, kind: 'group', key: 'Brand new', reason: 'group missing', since: T },
      { targetId: b, kind: 'group', key: 'Brand new', reason: 'group missing', since: T },
    ]);
    await store.put([{ targetId: a, kind: 'group', key: 'Brand new', reason: 'still missing', since: T + 60_000 }]);
    const ofA = await store.list(a);
    await store.clear(a, [{ kind: 'user', key: 'ada@acme.example', group: 'authors' }, { kind: 'group', key: 'Brand new' }]);
    const ofAAfterClear = await store.list(a);
    const everywhere = (await store.list()).filter((r) => r.targetId === a || r.targetId === b);

    expect(ofA).toHaveLength(3);
    expect(ofA.find((r) => r.kind === 'group')).toEqual({ targetId: a, kind: 'group', key: 'Brand new', reason: 'still missing', since: T });
    expect(ofAAfterClear).toEqual([{ targetId: a, kind: 'user', key: 'ada@acme.example', group: 'editors', reason: 'never logged in', since: T }]);
    expect(everywhere.map((r) => `${r.targetId}:${r.key}:${r.group ?? ''}`).sort()).toEqual([`${a}:ada@acme.example:editors`, `${b}:Brand new:`].sort());
  });

  it('writes more records than one batch holds', async () => {
    const store = createDynamoDeferredStore(aws.clients.table, manualClock());
    const target = uniqueId('target');
    const records = Array.from({ length: 60 }, (_, i) => ({ targetId: target, kind: 'user' as const, key: `u${i}@acme.example`, group: 'g', reason: 'never logged in', since: T }));

    await store.put(records);
    const listed = await store.list(target);
    await store.clear(target, records);

    expect(listed).toHaveLength(60);
    expect(await store.list(target)).toEqual([]);
  });

  it('writes only what is new or changed: 150 records deferred again cost two reads and one write, not 150 writes', async () => {
    const sent: string[] = [];
    const counting: TableRef = {
      tableName: aws.clients.table.tableName,
      dynamo: { send: (command: { constructor: { name: string } }) => (sent.push(command.constructor.name), aws.clients.table.dynamo.send(command as never)) } as never,
    };
    const store = createDynamoDeferredStore(counting, manualClock());
    const target = uniqueId('target');
    const records = Array.from({ length: 150 }, (_, i) => ({ targetId: target, kind: 'user' as const, key: `u${i}@acme.example`, group: 'g', reason: 'never logged in', since: T }));
    await store.put(records);
    sent.length = 0;

    // The next run defers the same 150 again, one of them for another reason, and one new record.
    const again = records.map((r, i) => ({ ...r, since: T + 60_000, ...(i === 7 ? { reason: 'disabled in AEM' } : {}) }));
    await store.put([...again, { targetId: target, kind: 'group', key: 'Brand new', reason: 'group missing', since: T + 60_000 }]);
    const requests = [...sent];
    const listed = await store.list(target);

    expect(requests).toEqual(['BatchGetCommand', 'BatchGetCommand', 'BatchWriteCommand']);
    expect(listed).toHaveLength(151);
    expect(listed.find((r) => r.key === 'u7@acme.example')).toMatchObject({ reason: 'disabled in AEM', since: T });
    expect(listed.find((r) => r.key === 'u8@acme.example')).toMatchObject({ reason: 'never logged in', since: T });
    expect(listed.find((r) => r.key === 'Brand new')).toEqual({ targetId: target, kind: 'group', key: 'Brand new', reason: 'group missing', since: T + 60_000 });
  });
});

describe('run store (dynalite)', () => {
  const counts = { adds: 1, removes: 120, wiring: 0, deferred: 2 };
  const verdict = { verdict: 'hold' as const, removals: 120, managedMemberships: 400, maxRemovals: 50, maxRemovalPercent: 10, reason: '120 removals > 50' };

  it('stores a held run with its plan, reads it back, lists newest first', async () => {
    const store = createDynamoRunStore(aws.clients.table, manualClock());
    const runId = uniqueId('run');
    const held: RunTargetRecord = {
      runId,
      targetId: 'author',
      startedAt: T + 10_000_000,
      status: 'HELD',
      verdict,
      counts,
      held: { changes: [{ group: 'authors', add: [], remove: Array.from({ length: 120 }, (_, i) => `u${i}@acme.example`) }], wiring: [], disable: [], enable: [] },
      snapshotAt: T,
    };
    const older: RunTargetRecord = { runId: uniqueId('run'), targetId: 'author', startedAt: T + 9_000_000, status: 'APPLIED', counts };

    await store.put(older);
    await store.put(held);
    await store.put({ ...held, targetId: 'publish', status: 'APPLIED', verdict: undefined, held: undefined });

    const got = await store.get(runId);
    expect(got.find((r) => r.targetId === 'author')).toEqual(held);
    expect(got.map((r) => r.targetId).sort()).toEqual(['author', 'publish']);
    const newest = await store.list(3);
    expect(newest.map((r) => r.runId)).toEqual([runId, runId, older.runId]);
  });

  it('stores a mass removal too large for one item (over 400 KB compressed) in parts, and reads it back whole, also from the list', async () => {
    const store = createDynamoRunStore(aws.clients.table, manualClock());
    const runId = uniqueId('run');
    // Ids that do not compress: 40,000 held removals are ~700 KB even gzipped.
    const remove = Array.from({ length: 40_000 }, () => `${randomBytes(16).toString('hex')}@acme.example`);
    const held: RunTargetRecord = {
      runId,
      targetId: 'author#1',
      startedAt: T + 20_000_000,
      status: 'HELD',
      verdict: { ...verdict, removals: remove.length },
      counts: { ...counts, removes: remove.length },
      held: { changes: [{ group: 'authors', add: [], remove }], wiring: [], disable: [], enable: [] },
      snapshotAt: T,
    };
    expect(gzipSync(JSON.stringify(held.held)).byteLength).toBeGreaterThan(400 * 1024);

    await store.put(held);
    await store.put({ runId, targetId: 'author', startedAt: T + 20_000_000, status: 'APPLIED', counts });
    const read = await store.get(runId);
    const decided = await store.transition(runId, 'author#1', 'HELD', 'APPROVING');
    const listed = (await store.list(20)).find((r) => r.runId === runId && r.targetId === 'author#1');

    expect(read.map((r) => r.targetId).sort()).toEqual(['author', 'author#1']);
    expect(read.find((r) => r.targetId === 'author#1')).toEqual(held);
    expect(read.find((r) => r.targetId === 'author')?.held).toBeUndefined();
    expect(decided).toBe(true);
    expect(listed).toEqual({ ...held, status: 'APPROVING' });
  });

  it('decides a held run once: the second decision is refused', async () => {
    const clock = manualClock();
    const store = createDynamoRunStore(aws.clients.table, clock);
    const runId = uniqueId('run');
    await store.put({ runId, targetId: 'author', startedAt: T, status: 'HELD', verdict, counts });

    const claim = await store.transition(runId, 'author', 'HELD', 'APPROVING');
    const rejectAfterwards = await store.transition(runId, 'author', 'HELD', 'REJECTED');
    const done = await store.transition(runId, 'author', 'APPROVING', 'APPROVED');
    const unknownRun = await store.transition(uniqueId('run'), 'author', 'HELD', 'APPROVING');

    expect([claim, rejectAfterwards, done, unknownRun]).toEqual([true, false, true, false]);
    expect((await store.get(runId))[0]?.status).toBe('APPROVED');
  });
});

describe('audit store (dynalite)', () => {
  function entry(overrides: Partial<AuditEntry>): AuditEntry {
    return { targetId: 'author', member: 'ada@acme.example', group: 'authors', op: 'add', cause: 'delta evt-1', at: T, outcome: 'applied', ...overrides };
  }

  it('finds entries by member and by group, since a time, oldest first', async () => {
    const store = createDynamoAuditStore(aws.clients.table, manualClock());
    const [ada, bob, group] = [uniqueId('ada'), uniqueId('bob'), uniqueId('group')];
    const entries = [
      entry({ member: ada, group, at: T }),
      entry({ member: ada, group, op: 'remove', at: T + 1000, actor: 'admin@acme.example' }),
      entry({ member: ada, group: 'other', targetId: 'campaign', at: T + 2000, outcome: 'failed', detail: 'timeout' }),
      entry({ member: bob, group, at: T + 3000, outcome: 'skipped-newer' }),
    ];

    await store.record(entries);

    expect(await store.byMember(ada)).toEqual(entries.slice(0, 3));
    expect(await store.byMember(ada, T + 1000)).toEqual(entries.slice(1, 3));
    expect(await store.byGroup(group)).toEqual([entries[0], entries[1], entries[3]]);
    expect(await store.byGroup(group, T + 2000)).toEqual([entries[3]]);
  });

  it('records an identical entry once (a retried write, a repeat in one call), and more than one batch', async () => {
    const store = createDynamoAuditStore(aws.clients.table, manualClock());
    const member = uniqueId('member');
    const many = Array.from({ length: 30 }, (_, i) => entry({ member, group: `g${i}`, at: T + i }));
    const first = many[0] ?? entry({});

    await store.record([first, ...many, first]);
    await store.record([many[1] ?? entry({})]);

    expect(await store.byMember(member)).toHaveLength(30);
  });
});
