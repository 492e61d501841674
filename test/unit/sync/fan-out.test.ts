import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_BYTES, toEntry } from '../../../lib/aws/queue.js';
import type { PlanSlice } from '../../../lib/domain/plan-types.js';
import { MEMBERS_PER_MESSAGE, WIRING_PER_MESSAGE, fanOut } from '../../../lib/sync/fan-out.js';

const meta = { runId: 'run-1', targetId: 'acme-prod-author', snapshotAt: '2026-12-06T04:00:00.000Z', correlationId: 'c-1', part: 'run' as const };

describe('fanOut', () => {
  it('cuts members, wiring and user states into messages that each fit in SQS, losing and repeating nothing', () => {
    // An instance with 1,200 managed groups, each wired into three AEM groups with long names.
    const wiring = Array.from({ length: 1_200 }, (_, i) => ({ group: `AEM-Brand-${i}-${'x'.repeat(150)}`, memberOf: ['content-authors', 'dam-users', `workflow-${'y'.repeat(150)}`] }));
    const remove = Array.from({ length: 1_100 }, (_, i) => `user${i}@acme.example`);
    const disable = Array.from({ length: 600 }, (_, i) => `gone${i}@acme.example`);
    const slice: PlanSlice = { changes: [{ group: 'AEM-Authors', add: ['new@acme.example'], remove }], wiring, disable, enable: ['back@acme.example'] };

    const messages = fanOut(slice, meta);

    for (const message of messages) expect(Buffer.byteLength(toEntry(message, 0).MessageBody ?? '')).toBeLessThan(MAX_PAYLOAD_BYTES);
    const wiringCounts = messages.map((m) => m.slice.wiring.length).filter((n) => n > 0);
    expect(wiringCounts).toEqual([WIRING_PER_MESSAGE, WIRING_PER_MESSAGE, 200]);
    expect(messages.flatMap((m) => m.slice.wiring)).toEqual(wiring);
    expect(messages.flatMap((m) => m.slice.changes.flatMap((c) => c.remove))).toEqual(remove);
    expect(messages.flatMap((m) => m.slice.changes.flatMap((c) => c.add))).toEqual(['new@acme.example']);
    expect(messages.map((m) => m.slice.changes.reduce((n, c) => n + c.add.length + c.remove.length, 0)).filter((n) => n > 0).every((n) => n <= MEMBERS_PER_MESSAGE)).toBe(true);
    expect(messages.flatMap((m) => m.slice.disable)).toEqual(disable);
    expect(messages.flatMap((m) => m.slice.enable)).toEqual(['back@acme.example']);
    expect(new Set(messages.map((m) => m.id)).size).toBe(messages.length);
  });
});
