import { describe, expect, it } from 'vitest';
import { messageGroupOf, type DeltaMessage, type HintMessage } from '../../../lib/domain/messages.js';

const common = { occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'adobe-io' as const };

describe('messageGroupOf', () => {
  it('keeps one user\u2019s deltas in one group, whatever the spelling of the email', () => {
    const removed: DeltaMessage = { kind: 'delta', id: 'e1', ...common, change: 'membership.removed', user: { email: 'Li@Acme.com' }, group: 'AEM-Authors' };
    const added: DeltaMessage = { ...removed, id: 'e2', change: 'membership.added', user: { email: 'li@acme.com' } };
    expect(messageGroupOf(removed)).toBe(messageGroupOf(added));
  });

  it('gives a user\u2019s re-check a group apart from their deltas, so a removal never queues behind a read waiting for UMAPI', () => {
    const removal: DeltaMessage = { kind: 'delta', id: 'e1', ...common, change: 'membership.removed', user: { email: 'li@acme.com' }, group: 'AEM-Authors' };
    const recheck: HintMessage = { kind: 'hint', id: 'e1:recheck', ...common, user: { email: 'li@acme.com' }, reason: 're-check' };
    expect(messageGroupOf(recheck)).not.toBe(messageGroupOf(removal));
    expect(messageGroupOf({ ...recheck, id: 'e2:recheck', user: { email: 'LI@acme.com' } })).toBe(messageGroupOf(recheck));
  });

  it('groups a hint about a group by the group', () => {
    const hint: HintMessage = { kind: 'hint', id: 'h', ...common, group: 'AEM-Authors', reason: 'unknown event' };
    expect(messageGroupOf(hint)).toBe(messageGroupOf({ ...hint, id: 'h2', group: 'aem-authors' }));
  });
});
