import { describe, expect, it } from 'vitest';
import type { WorkMessage } from '../../../lib/domain/messages.js';
import { createMemoryLog, createMemoryMetrics } from '../../../lib/observability/memory.js';
import type { DeadLetter, DeadLetters } from '../../../lib/sync/ports.js';
import { replayDeadLetters } from '../../../lib/sync/replay.js';

function memoryDeadLetters(bodies: string[]) {
  const letters: (DeadLetter & { hidden: boolean })[] = bodies.map((body, i) => ({ messageId: `m${i}`, receiptHandle: `rh${i}`, body, receiveCount: 3, hidden: false }));
  const sentBack: DeadLetter[] = [];
  const dlq: DeadLetters = {
    async receive(max) {
      const visible = letters.filter((l) => !l.hidden).slice(0, max);
      for (const l of visible) l.hidden = true;
      return visible.map(({ hidden: _hidden, ...letter }) => letter);
    },
    async sendBack(messages) {
      sentBack.push(...messages);
    },
    async delete(handles) {
      for (const h of handles) letters.splice(letters.findIndex((l) => l.receiptHandle === h), 1);
    },
    async release(handles) {
      for (const l of letters) if (handles.includes(l.receiptHandle)) l.hidden = false;
    },
  };
  return { dlq, letters, sentBack };
}

const delta = (id: string, email: string, occurredAt: string): WorkMessage => ({
  kind: 'delta', id, occurredAt, correlationId: id, source: 'generic', change: 'user.removed', user: { email },
});

const deps = (dlq: DeadLetters) => ({ deadLetters: dlq, log: createMemoryLog(), metrics: createMemoryMetrics(), replayId: 'replay-1' });

describe('replayDeadLetters', () => {
  const bodies = [
    JSON.stringify(delta('e1', 'sam@acme.com', '2026-11-23T08:00:00Z')),
    JSON.stringify(delta('e2', 'li@acme.com', '2026-11-23T09:00:00Z')),
    'not json at all',
  ];

  it('is a dry run by default: lists what matches and leaves every message in place', async () => {
    const { dlq, letters, sentBack } = memoryDeadLetters(bodies);
    const report = await replayDeadLetters({}, deps(dlq));
    expect(report.dryRun).toBe(true);
    expect(report.matched.map((m) => m.messageId)).toEqual(['m0', 'm1']);
    expect(report.unreadable).toEqual([{ messageId: 'm2' }]);
    expect(sentBack).toEqual([]);
    expect(letters.every((l) => !l.hidden)).toBe(true);
  });

  it('moves only the messages matching the filter, and keeps the others', async () => {
    const { dlq, letters, sentBack } = memoryDeadLetters(bodies);
    const report = await replayDeadLetters({ dryRun: false, filter: { user: 'LI@acme.com' } }, deps(dlq));
    expect(report.matched.map((m) => m.messageId)).toEqual(['m1']);
    expect(sentBack.map((m) => m.messageId)).toEqual(['m1']);
    expect(letters.map((l) => l.messageId)).toEqual(['m0', 'm2']);
    expect(letters.every((l) => !l.hidden)).toBe(true);
  });

  it('filters by time window and kind', async () => {
    const { dlq } = memoryDeadLetters(bodies);
    const report = await replayDeadLetters({ filter: { kind: 'delta', from: '2026-11-23T08:30:00Z' } }, deps(dlq));
    expect(report.matched.map((m) => m.messageId)).toEqual(['m1']);
  });

  it('shows why the worker parked a letter, when it did', async () => {
    const { dlq, letters } = memoryDeadLetters(['not json']);
    Object.assign(letters[0] ?? {}, { reason: 'the record is not a work message' });
    const report = await replayDeadLetters({}, deps(dlq));
    expect(report.unreadable).toEqual([{ messageId: 'm0', reason: 'the record is not a work message' }]);
  });

  it('with --apply moves each round’s matches at once, so a FIFO queue can hand over the next of their groups', async () => {
    const bodies = Array.from({ length: 25 }, (_, i) => JSON.stringify(delta(`e${i}`, 'sam@acme.com', '2026-11-23T08:00:00Z')));
    const { dlq, sentBack } = memoryDeadLetters(bodies);
    const sends: number[] = [];
    const counting: DeadLetters = { ...dlq, sendBack: async (m, id) => { sends.push(m.length); await dlq.sendBack(m, id); } };
    const report = await replayDeadLetters({ dryRun: false }, deps(counting));
    expect(sends).toEqual([10, 10, 5]);
    expect(sentBack).toHaveLength(25);
    expect(report.heldGroups).toBe(0);
  });

  it('refuses a malformed request with the field and an example, touching nothing', async () => {
    const { dlq, sentBack } = memoryDeadLetters(bodies);
    await expect(replayDeadLetters({ max: 0 }, deps(dlq))).rejects.toThrow(/replay max: .* — e\.g\./);
    await expect(replayDeadLetters({ filter: { kind: 'other' } }, deps(dlq))).rejects.toThrow(/filter\.kind/);
    expect(sentBack).toEqual([]);
  });
});
