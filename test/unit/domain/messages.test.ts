import { describe, expect, it } from 'vitest';
import { messageGroupOf, type DeltaMessage, type HintMessage } from '../../../lib/domain/messages.js';

const common = { occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'adobe-io' as const };
const removal = (id: string, email: string, group: string): DeltaMessage => ({ kind: 'delta', id, ...common, change: 'membership.removed', user: { email }, group });

describe('messageGroupOf', () => {
  it('puts removals from one IMS group in one group, whoever they remove and however the name is spelled, so SQS batches them together', () => {
    expect(messageGroupOf(removal('e1', 'li@acme.com', 'AEM-Authors'))).toBe(messageGroupOf(removal('e2', 'Sam@Acme.com', 'aem-authors')));
    expect(messageGroupOf(removal('e1', 'li@acme.com', 'AEM-Authors'))).not.toBe(messageGroupOf(removal('e3', 'li@acme.com', 'AEM-Reviewers')));
  });

  it('keeps additions apart from removals of the same group: an addition waiting for UMAPI never holds a removal back', () => {
    const removed = removal('e1', 'li@acme.com', 'AEM-Authors');
    const added: DeltaMessage = { ...removed, id: 'e2', change: 'membership.added' };
    expect(messageGroupOf(added)).not.toBe(messageGroupOf(removed));
    expect(messageGroupOf(added)).toBe(messageGroupOf({ ...added, id: 'e3', user: { email: 'sam@acme.com' }, group: 'AEM-AUTHORS' }));
  });

  it('groups a user who left the org by the user, whatever the spelling of the email', () => {
    const left: DeltaMessage = { kind: 'delta', id: 'e1', ...common, change: 'user.removed', user: { email: 'Li@Acme.com' } };
    expect(messageGroupOf(left)).toBe(messageGroupOf({ ...left, id: 'e2', user: { email: 'li@acme.com' } }));
    expect(messageGroupOf(left)).not.toBe(messageGroupOf({ ...left, id: 'e3', user: { email: 'sam@acme.com' } }));
  });

  it('gives a user\u2019s re-check a group apart from their deltas, so a removal never queues behind a read waiting for UMAPI', () => {
    const recheck: HintMessage = { kind: 'hint', id: 'e1:recheck', ...common, user: { email: 'li@acme.com' }, reason: 're-check' };
    expect(messageGroupOf(recheck)).not.toBe(messageGroupOf(removal('e1', 'li@acme.com', 'AEM-Authors')));
    expect(messageGroupOf(recheck)).not.toBe(messageGroupOf({ kind: 'delta', id: 'e4', ...common, change: 'user.removed', user: { email: 'li@acme.com' } }));
    expect(messageGroupOf({ ...recheck, id: 'e2:recheck', user: { email: 'LI@acme.com' } })).toBe(messageGroupOf(recheck));
  });

  it('groups a hint about a group by the group', () => {
    const hint: HintMessage = { kind: 'hint', id: 'h', ...common, group: 'AEM-Authors', reason: 'unknown event' };
    expect(messageGroupOf(hint)).toBe(messageGroupOf({ ...hint, id: 'h2', group: 'aem-authors' }));
  });
});
