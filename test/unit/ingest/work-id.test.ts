/** Work ids: the sender's id and the content, so a reused id is other work and a retry is the same work. */
import { describe, expect, it } from 'vitest';
import { WorkMessage } from '../../../lib/domain/messages.js';
import { parseAdobeIoDelivery } from '../../../lib/ingest/adobe-io/envelope.js';
import { parseGenericDelivery } from '../../../lib/ingest/generic.js';
import { auditCloudEvent, genericChange, TEST_CLIENT_ID, TEST_ORG_ID } from '../../support/io-events.js';

const generic = (change: Record<string, unknown>, receivedAt = '2026-11-23T11:00:00.000Z', correlationId = 'req-1') =>
  parseGenericDelivery(Buffer.from(JSON.stringify(genericChange(change))), TEST_ORG_ID, { correlationId, receivedAt }).messages[0];
const adobeIo = (event: Record<string, unknown>, receivedAt = '2026-11-23T11:00:00.000Z') =>
  parseAdobeIoDelivery(Buffer.from(JSON.stringify(event)), { clientId: TEST_CLIENT_ID, orgId: TEST_ORG_ID }, { correlationId: 'c', receivedAt }).messages[0];

describe('work ids', () => {
  it('give a change that reuses an id with another body its own id', () => {
    const added = generic({ id: 'chg-7', type: 'membership.added' });
    const removed = generic({ id: 'chg-7', type: 'membership.removed' });
    const otherGroup = generic({ id: 'chg-7', group: 'AEM-DAM-Users' });
    const later = generic({ id: 'chg-7', occurredAt: '2026-11-23T10:30:00Z' });

    expect(new Set([added?.id, removed?.id, otherGroup?.id, later?.id]).size).toBe(4);
    expect([added, removed, otherGroup, later].every((m) => m?.id.startsWith('chg-7#'))).toBe(true);
  });

  it('give the same change the same id however often and whenever it is received (retries stay deduplicated)', () => {
    const first = generic({ id: 'chg-8', occurredAt: '2099-01-01T00:00:00Z' }, '2026-11-23T11:00:00.000Z', 'req-1');
    const retried = generic({ id: 'chg-8', occurredAt: '2099-01-01T00:00:00+00:00' }, '2026-11-23T11:04:00.000Z', 'req-2');

    expect(first?.occurredAt).not.toBe(retried?.occurredAt); // both clamped to their own receipt
    expect(retried?.id).toBe(first?.id);

    const event = auditCloudEvent({ id: 'evt-9', eventCode: 'USER_REMOVE' });
    expect(adobeIo(event, '2026-11-23T11:00:00.000Z')?.id).toBe(adobeIo(event, '2026-11-23T12:00:00.000Z')?.id);
  });

  it('give an Adobe event the same id whether it came alone or in a batch, and another id for another change under its id', () => {
    const alone = adobeIo(auditCloudEvent({ id: 'evt-10', eventCode: 'USER_GROUP_ADD_USER:USER_GROUP' }));
    const inBatch = parseAdobeIoDelivery(
      Buffer.from(JSON.stringify([auditCloudEvent({ id: 'evt-10', eventCode: 'USER_GROUP_ADD_USER:USER_GROUP' })])),
      { clientId: TEST_CLIENT_ID, orgId: TEST_ORG_ID },
      { correlationId: 'c', receivedAt: '2026-11-23T11:00:00.000Z' },
    ).messages[0];
    const reused = adobeIo(auditCloudEvent({ id: 'evt-10', eventCode: 'USER_GROUP_REMOVE_USER:USER_GROUP' }));

    expect(inBatch?.id).toBe(alone?.id);
    expect(reused?.id).not.toBe(alone?.id);
  });

  it('stay within the 128 characters of a message id, however long the sender\'s id', () => {
    const message = generic({ id: 'x'.repeat(128) });

    expect(message?.id.length).toBeLessThanOrEqual(128);
    expect(WorkMessage.safeParse(message).success).toBe(true);
  });
});
