import { describe, expect, it } from 'vitest';
import type { HintMessage } from '../../../lib/domain/messages.js';
import { cli, cliWorld, deadLetter } from './harness.js';

const hint: HintMessage = { kind: 'hint', id: 'evt-2', occurredAt: '2026-11-23T11:00:00Z', correlationId: 'c-2', source: 'generic', user: { email: 'omar@acme.com' }, reason: 'profile changed' };

/** A DLQ with a work message and one the worker parked because it is not one. */
function withPoison() {
  const world = cliWorld();
  world.dlq.letters.push(
    { ...deadLetter(hint), messageId: 'dlq-1', hidden: false },
    { messageId: 'dlq-2', receiptHandle: 'r-2', body: '{"kind":"nonsense"}', receiveCount: 1, messageGroupId: 'parked:m-42', reason: 'the record is not a work message', parkedFrom: 'm-42', hidden: false },
  );
  return world;
}

describe('ims-sync dead-letter', () => {
  it('shows a message found by the id it was sent with: both ids, the reason and the body; every letter stays', async () => {
    const world = withPoison();
    const { code, stdout, stderr } = await cli(['dead-letter', 'show', 'm-42'], world);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/sent as +m-42\n +dead-letter id +dlq-2\n +message group +parked:m-42\n +receives +1\n +reason +the record is not a work message\n/);
    expect(stdout).toContain('  Body:\n    {\n      "kind": "nonsense"\n    }\n');
    expect(world.dlq.letters.map((l) => [l.messageId, l.hidden])).toEqual([['dlq-1', false], ['dlq-2', false]]);
  });

  it('finds it by its dead-letter id too, as JSON', async () => {
    const { stdout } = await cli(['dead-letter', 'show', 'dlq-2', '--json'], withPoison());
    expect(JSON.parse(stdout)).toEqual({ sentAs: 'm-42', deadLetterId: 'dlq-2', messageGroupId: 'parked:m-42', receiveCount: 1, reason: 'the record is not a work message', body: '{"kind":"nonsense"}' });
  });

  it('deletes with --yes only that message', async () => {
    const world = withPoison();
    const { code, stdout } = await cli(['dead-letter', 'delete', 'm-42', '--yes'], world);

    expect(code).toBe(0);
    expect(stdout).toContain('Deleted m-42 from the dead-letter queue.\n');
    expect(world.dlq.letters.map((l) => [l.messageId, l.hidden])).toEqual([['dlq-1', false]]);
  });

  it('deletes after the id is typed at the prompt, and keeps the message when it is not', async () => {
    const questions: string[] = [];
    const world = withPoison();
    const refused = await cli(['dead-letter', 'delete', 'm-42'], world, { ask: async (q) => (questions.push(q), 'yes') });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('Not deleted: the id typed did not match. m-42 stays in the dead-letter queue.');
    expect(world.dlq.letters.map((l) => [l.messageId, l.hidden])).toEqual([['dlq-1', false], ['dlq-2', false]]);

    const confirmed = await cli(['dead-letter', 'delete', 'm-42'], world, { ask: async () => 'm-42\n' });
    expect(confirmed.code).toBe(0);
    expect(questions).toEqual(['Type the id m-42 to delete this message for good: ']);
    expect(world.dlq.letters.map((l) => l.messageId)).toEqual(['dlq-1']);
  });

  it('refuses to delete without --yes when nobody can answer a prompt, before connecting', async () => {
    const world = withPoison();
    const { code, stderr } = await cli(['dead-letter', 'delete', 'm-42'], world);
    expect(code).toBe(64);
    expect(stderr).toContain('deleting needs a confirmation: pass --yes, or run it on a terminal and type the id');
    expect(world.seenEnv).toEqual([]);
    expect(world.dlq.letters).toHaveLength(2);
  });

  it('says when no dead letter has the id, and releases what it looked at', async () => {
    const world = withPoison();
    const { code, stderr } = await cli(['dead-letter', 'show', 'm-43'], world);
    expect(code).toBe(1);
    expect(stderr).toBe('ims-sync dead-letter failed: no dead letter with id m-43 among the 2 in the dead-letter queue — list them with `ims-sync replay` (a dry run)\n');
    expect(world.dlq.letters.every((l) => !l.hidden)).toBe(true);
  });

  it('replay names such a message by the id it was sent with and points at dead-letter show', async () => {
    const { stdout } = await cli(['replay'], withPoison());
    expect(stdout).toContain('1 message is not a work message and is never replayed; see it with `ims-sync dead-letter show <id>`');
    expect(stdout).toContain('  m-42 (in the dead-letter queue: dlq-2) — the record is not a work message');
  });
});
