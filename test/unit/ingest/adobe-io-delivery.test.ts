import { describe, expect, it } from 'vitest';
import { InvalidSignatureError, ValidationError } from '../../../lib/errors.js';
import { AUDIT_RULES } from '../../../lib/ingest/adobe-io/audit-events.js';
import { parseAdobeIoDelivery } from '../../../lib/ingest/adobe-io/envelope.js';
import { auditCloudEvent, TEST_CLIENT_ID, TEST_ORG_ID } from '../../support/io-events.js';

const expected = { clientId: TEST_CLIENT_ID, orgId: TEST_ORG_ID };
const context = { correlationId: 'corr-1', receivedAt: '2026-11-23T10:00:05.000Z' };
const parse = (body: unknown) => parseAdobeIoDelivery(Buffer.from(JSON.stringify(body)), expected, context);
const TIME = 1795428000000;
/** A work id of the sender's event `id`: `<sender id>#<content hash>` (lib/ingest/work-id.ts). */
const workIdFrom = (id: string) => expect.stringMatching(new RegExp(`^${id}#[0-9a-f]{24}$`));
/** The sender's event id inside a work id (`<sender id>#<content hash>`). */
const senderIdOf = (message: { id: string }): string => {
  const hash = message.id.lastIndexOf('#');
  return hash < 0 ? message.id : message.id.slice(0, hash);
};
const withoutRecipient = (event: Record<string, unknown>): Record<string, unknown> => {
  delete event['recipientclientid'];
  delete event['recipient_client_id'];
  return event;
};

describe('parseAdobeIoDelivery: mapping audit events', () => {
  it.each([
    ['USER_GROUP_ADD_USER:USER_GROUP', 'membership.added', 'User Group'],
    ['USER_GROUP_ASSIGN_USER:USER_GROUP', 'membership.added', 'User Group'],
    ['USER_GROUP_REMOVE_USER:USER_GROUP', 'membership.removed', 'User Group'],
    ['USER_GROUP_UNASSIGN_USER:USER_GROUP', 'membership.removed', 'Group'],
    ['PRODUCT_PROFILE_ADD_USER:PRODUCT_PROFILE', 'membership.added', 'Product Profile'],
    ['PRODUCT_PROFILE_ASSIGN_USER:LICENSE', 'membership.added', 'Product Profile'],
    ['PRODUCT_PROFILE_REMOVE_USER:PRODUCT_PROFILE', 'membership.removed', 'Product Profile'],
    ['PRODUCT_PROFILE_UNASSIGN_USER:LICENSE', 'membership.removed', 'Product Profile'],
    ['user_group_add_user:user_group', 'membership.added', 'User Group'],
  ])('maps %s to a %s delta', (eventCode, change, entityType) => {
    const result = parse(auditCloudEvent({ id: 'evt-1', eventCode, timeMs: TIME, entity: { name: 'AEM-Authors', type: entityType } }));
    expect(result).toEqual({
      messages: [
        {
          kind: 'delta',
          id: workIdFrom('evt-1'),
          occurredAt: '2026-11-23T10:00:00.000Z',
          correlationId: 'corr-1',
          source: 'adobe-io',
          actor: 'admin@acme.com',
          change,
          user: { email: 'rita@acme.com', id: 'A1000007@AdobeID' },
          group: 'AEM-Authors',
        },
      ],
      ignored: [],
      skipped: [],
    });
  });

  it.each(['USER_REMOVE:USER', 'USER_DELETE:USER'])('maps %s to a user.removed delta without a group', (eventCode) => {
    const { messages } = parse(auditCloudEvent({ id: 'evt-2', eventCode, timeMs: TIME, entity: null }));
    expect(messages).toEqual([
      {
        kind: 'delta',
        id: workIdFrom('evt-2'),
        occurredAt: '2026-11-23T10:00:00.000Z',
        correlationId: 'corr-1',
        source: 'adobe-io',
        actor: 'admin@acme.com',
        change: 'user.removed',
        user: { email: 'rita@acme.com', id: 'A1000007@AdobeID' },
      },
    ]);
  });

  it('has a test row above for every delta rule of the table', () => {
    const tested = new Set([
      'USER_GROUP_ADD_USER', 'USER_GROUP_ASSIGN_USER', 'USER_GROUP_REMOVE_USER', 'USER_GROUP_UNASSIGN_USER',
      'PRODUCT_PROFILE_ADD_USER', 'PRODUCT_PROFILE_ASSIGN_USER', 'PRODUCT_PROFILE_REMOVE_USER', 'PRODUCT_PROFILE_UNASSIGN_USER',
      'USER_REMOVE', 'USER_DELETE',
    ]);
    expect(AUDIT_RULES.filter((rule) => 'change' in rule).map((rule) => rule.eventType).sort()).toEqual([...tested].sort());
  });

  it('turns an unknown event code into a hint naming the user and the group', () => {
    const { messages, ignored } = parse(
      auditCloudEvent({ id: 'evt-3', eventCode: 'USER_GROUP_RENAME:USER_GROUP', timeMs: TIME, entity: { name: 'AEM-Authors', type: 'User Group' } }),
    );
    expect(ignored).toEqual([]);
    expect(messages).toEqual([
      {
        kind: 'hint',
        id: workIdFrom('evt-3'),
        occurredAt: '2026-11-23T10:00:00.000Z',
        correlationId: 'corr-1',
        source: 'adobe-io',
        actor: 'admin@acme.com',
        user: { email: 'rita@acme.com', id: 'A1000007@AdobeID' },
        group: 'AEM-Authors',
        reason: 'USER_GROUP_RENAME:USER_GROUP: unrecognised audit event; re-check',
      },
    ]);
  });

  it('names only the user when the entity is not a group or profile', () => {
    const { messages } = parse(auditCloudEvent({ eventCode: 'USER_UPDATE:PROFILE_DATA', entity: { name: 'ETLA - 1D0A', type: 'Contract' } }));
    expect(messages).toMatchObject([{ kind: 'hint', user: { email: 'rita@acme.com' } }]);
    expect(messages[0]).not.toHaveProperty('group');
  });

  it('names only the group when no user is affected', () => {
    const { messages } = parse(auditCloudEvent({ eventCode: 'PRODUCT_PROFILE_UPDATE:LICENSE_QUOTA', user: null, entity: { name: 'AEM Managed Services - acme-prod-author', type: 'Product Profile' } }));
    expect(messages).toMatchObject([{ kind: 'hint', group: 'AEM Managed Services - acme-prod-author' }]);
    expect(messages[0]).not.toHaveProperty('user');
  });

  it('downgrades a known membership code to a hint when the group is missing', () => {
    const { messages } = parse(auditCloudEvent({ eventCode: 'USER_GROUP_ADD_USER:USER_GROUP', entity: null }));
    expect(messages).toMatchObject([
      { kind: 'hint', user: { email: 'rita@acme.com' }, reason: 'USER_GROUP_ADD_USER:USER_GROUP: membership.added without a group or product profile (entity.name); re-check' },
    ]);
  });

  it('drops admin-role events, however precise, with the reason', () => {
    const { messages, ignored } = parse(auditCloudEvent({ id: 'evt-4', eventCode: 'ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN', entity: null }));
    expect(messages).toEqual([]);
    expect(ignored).toEqual([{ id: 'evt-4', reason: expect.stringMatching(/^ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN: admin-role change: admin roles never map to target groups/) }]);
  });

  it('never names an admin-role group (`_admin_…`) as the group', () => {
    const { messages } = parse(auditCloudEvent({ eventCode: 'USER_GROUP_ADD_USER', entity: { name: '_admin_AEM-Authors', type: 'User Group' } }));
    expect(messages).toMatchObject([{ kind: 'hint', user: { email: 'rita@acme.com' } }]);
    expect(messages[0]).not.toHaveProperty('group');
  });

  it('drops an event that names neither a user nor a group, with the reason', () => {
    const { messages, ignored } = parse(auditCloudEvent({ id: 'evt-5', eventCode: 'ORG_UPDATE:NAME', user: null, entity: { name: 'ACME', type: 'Organization' } }));
    expect(messages).toEqual([]);
    expect(ignored).toEqual([{ id: 'evt-5', reason: 'ORG_UPDATE:NAME: names neither a user (user.email_addr) nor a user group or product profile' }]);
  });

  it('reads the group of an OCSF Group Management event from `group`', () => {
    const event = auditCloudEvent({ eventCode: 'USER_GROUP_ADD_USER', entity: null });
    (event['data'] as Record<string, unknown>)['group'] = { name: 'AEM-Reviewers', uid: '800003' };
    expect(parse(event).messages).toMatchObject([{ kind: 'delta', group: 'AEM-Reviewers' }]);
  });

  it('keeps a system actor by name', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    (event['data'] as Record<string, unknown>)['actor'] = { user: { name: 'System', type: 'System', type_id: 3 } };
    expect(parse(event).messages).toMatchObject([{ actor: 'System' }]);
  });
});

describe('parseAdobeIoDelivery: envelope', () => {
  it('refuses an event for another recipient as an authentication failure', () => {
    expect(() => parse(auditCloudEvent({ eventCode: 'USER_REMOVE', recipient: 'someone-else' }))).toThrow(InvalidSignatureError);
    expect(() => parse(auditCloudEvent({ eventCode: 'USER_REMOVE', recipient: 'someone-else' }))).toThrow(
      'io-events delivery: recipientclientid: the event was sent to client id "someone-else", not to this integration',
    );
  });

  it('refuses a whole batch when any event names another recipient (a delivery signed for someone else)', () => {
    const batch = [auditCloudEvent({ id: 'evt-ours', eventCode: 'USER_REMOVE' }), auditCloudEvent({ eventCode: 'USER_REMOVE', recipient: 'someone-else' })];
    expect(() => parse(batch)).toThrow('io-events delivery: [1].recipientclientid: the event was sent to client id "someone-else", not to this integration');
  });

  it('refuses an event without any recipient', () => {
    const event = withoutRecipient(auditCloudEvent({ eventCode: 'USER_REMOVE' }));
    expect(() => parse(event)).toThrow(InvalidSignatureError);
    expect(() => parse([event, withoutRecipient(auditCloudEvent({ eventCode: 'USER_REMOVE' }))])).toThrow(InvalidSignatureError);
  });

  it('skips, and never enqueues, one event of a batch that does not name the recipient', () => {
    const { messages, skipped } = parse([auditCloudEvent({ id: 'evt-ours', eventCode: 'USER_REMOVE' }), withoutRecipient(auditCloudEvent({ id: 'evt-anon', eventCode: 'USER_REMOVE' }))]);
    expect(messages.map(senderIdOf)).toEqual(['evt-ours']);
    expect(skipped).toEqual([{ id: 'evt-anon', cause: 'unconfirmed-recipient', reason: 'io-events delivery: [1].recipientclientid: missing (also no recipient_client_id); cannot confirm this integration is the recipient' }]);
  });

  it.each([
    ['only the new spellings', ['event_id', 'recipient_client_id']],
    ['only the deprecated spellings', ['id', 'eventid', 'recipientclientid']],
  ])('accepts %s', (_name, removed) => {
    const event = auditCloudEvent({ id: 'evt-6', eventCode: 'USER_REMOVE' });
    for (const key of removed) delete event[key];
    const { messages } = parse(event);
    expect(messages).toMatchObject([{ change: 'user.removed' }]);
    expect(messages.map(senderIdOf)).toEqual(['evt-6']);
  });

  it('parses a batch (a JSON array) into one message per event, in order', () => {
    const batch = [
      auditCloudEvent({ id: 'evt-a', eventCode: 'USER_GROUP_ADD_USER' }),
      auditCloudEvent({ id: 'evt-b', eventCode: 'ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN' }),
      auditCloudEvent({ id: 'evt-c', eventCode: 'SOMETHING_NEW:X' }),
    ];
    const { messages, ignored } = parse(batch);
    expect(messages.map((m) => [senderIdOf(m), m.kind])).toEqual([
      ['evt-a', 'delta'],
      ['evt-c', 'hint'],
    ]);
    expect(ignored.map((i) => i.id)).toEqual(['evt-b']);
  });

  it('keeps the readable events of a batch when one is unreadable, which becomes a hint for the group it still names', () => {
    const bad = auditCloudEvent({ id: 'evt-bad', eventCode: 'USER_GROUP_REMOVE_USER:USER_GROUP' });
    (bad['data'] as Record<string, unknown>)['user'] = { email_addr: 42 };

    const { messages, skipped } = parse([auditCloudEvent({ id: 'evt-good', eventCode: 'USER_REMOVE' }), bad]);

    expect(skipped).toEqual([]);
    expect(messages).toMatchObject([
      { kind: 'delta', change: 'user.removed', user: { email: 'rita@acme.com' } },
      { kind: 'hint', group: 'AEM-Authors', reason: 'USER_GROUP_REMOVE_USER:USER_GROUP: unreadable [1].data.user.email_addr: expected string, got number; re-check' },
    ]);
    expect(messages[1]).not.toHaveProperty('user');
    expect(messages.map(senderIdOf)).toEqual(['evt-good', 'evt-bad']);
  });

  it('downgrades a known change to a hint when a field it relies on is unreadable', () => {
    const event = auditCloudEvent({ id: 'evt-entity', eventCode: 'USER_GROUP_ADD_USER:USER_GROUP' });
    (event['data'] as Record<string, unknown>)['entity'] = 'AEM-Authors';
    expect(parse(event).messages).toMatchObject([
      { kind: 'hint', user: { email: 'rita@acme.com' }, reason: 'USER_GROUP_ADD_USER:USER_GROUP: unreadable data.entity: expected object, got string; re-check' },
    ]);
  });

  it('skips, with the reason naming the field, an event of a batch from which no user or group can be told', () => {
    const noData = auditCloudEvent({ id: 'evt-nodata', eventCode: 'USER_REMOVE' });
    noData['data'] = 'not an object';
    const badUser = auditCloudEvent({ id: 'evt-baduser', eventCode: 'USER_REMOVE', entity: null });
    (badUser['data'] as Record<string, unknown>)['user'] = ['rita@acme.com'];

    const { messages, skipped } = parse([noData, auditCloudEvent({ id: 'evt-ok', eventCode: 'USER_REMOVE' }), badUser, 42]);

    expect(messages.map(senderIdOf)).toEqual(['evt-ok']);
    expect(skipped).toEqual([
      { id: 'evt-nodata', cause: 'unreadable', reason: 'io-events delivery: [0].data: expected the audit event object, got string' },
      { id: 'evt-baduser', cause: 'unreadable', reason: 'io-events delivery: unreadable [2].data.user: expected object, got array; names no user or group to re-check' },
      { id: '[3]', cause: 'unreadable', reason: 'io-events delivery: [3]: expected an event object, got number' },
    ]);
  });

  it('parses the legacy envelope {event_id, recipient_client_id, event}', () => {
    const cloud = auditCloudEvent({ eventCode: 'PRODUCT_PROFILE_REMOVE_USER', entity: { name: 'Campaign - acme-prod - delivery', type: 'Product Profile' } });
    const legacy = { event_id: 'legacy-1', recipient_client_id: TEST_CLIENT_ID, event: cloud['data'] };
    const { messages } = parse(legacy);
    expect(messages).toMatchObject([{ kind: 'delta', change: 'membership.removed', group: 'Campaign - acme-prod - delivery', occurredAt: '2026-11-23T10:00:00.000Z' }]);
    expect(messages.map(senderIdOf)).toEqual(['legacy-1']);
  });

  it('reads the time from the envelope, as epoch-ms text or RFC 3339, when the audit event has none', () => {
    for (const [time, iso] of [
      ['1795428000000', '2026-11-23T10:00:00.000Z'],
      ['2026-11-23T11:00:00+01:00', '2026-11-23T10:00:00.000Z'],
    ]) {
      const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
      const data = event['data'] as Record<string, unknown>;
      delete data['time'];
      delete data['time_dt'];
      event['time'] = time;
      expect(parse(event).messages).toMatchObject([{ kind: 'delta', occurredAt: iso }]);
    }
  });

  it('turns a known change without any time into a hint stamped with the receive time', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    const data = event['data'] as Record<string, unknown>;
    delete data['time'];
    delete data['time_dt'];
    delete event['time'];
    expect(parse(event).messages).toMatchObject([{ kind: 'hint', occurredAt: context.receivedAt, reason: 'USER_REMOVE: user.removed without a readable time; re-check' }]);
  });

  it('clamps an event time later than receipt to the receive time (a future time would win every later change)', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE', timeMs: Date.parse('2099-01-01T00:00:00Z') });
    expect(parse(event).messages).toMatchObject([{ kind: 'delta', occurredAt: context.receivedAt }]);
  });

  it('does not apply a removal older than Adobe ever retries or journals (only a replay is that old): it becomes a re-check', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE', timeMs: Date.parse(context.receivedAt) - 8 * 86_400_000 });
    expect(parse(event).messages).toMatchObject([{ kind: 'hint', reason: expect.stringContaining('re-checked from UMAPI') }]);
    const recent = auditCloudEvent({ eventCode: 'USER_REMOVE', timeMs: Date.parse(context.receivedAt) - 6 * 86_400_000 });
    expect(parse(recent).messages).toMatchObject([{ kind: 'delta', change: 'user.removed' }]);
  });

  it('uses the first readable time when an earlier time field is unreadable', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    const data = event['data'] as Record<string, unknown>;
    data['time'] = 'yesterday';
    data['time_dt'] = { when: 'now' };
    event['time'] = '2026-11-23T09:30:00Z';
    expect(parse(event).messages).toMatchObject([{ kind: 'delta', change: 'user.removed', occurredAt: '2026-11-23T09:30:00.000Z' }]);
  });

  it('turns a known change whose every time field is unreadable into a hint stamped with the receive time', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    const data = event['data'] as Record<string, unknown>;
    data['time'] = -5;
    data['time_dt'] = 'soon';
    event['time'] = 'yesterday';
    expect(parse(event).messages).toMatchObject([{ kind: 'hint', occurredAt: context.receivedAt, reason: 'USER_REMOVE: user.removed without a readable time; re-check' }]);
  });

  it.each([
    ['data.cloud.org.uid', (e: Record<string, unknown>) => ((e['data'] as { cloud: { org: { uid: string } } }).cloud.org.uid = 'OTHER0000000000000000000@AdobeOrg')],
    ['data.metadata.tenant_uid', (e: Record<string, unknown>) => ((e['data'] as { metadata: { tenant_uid: string } }).metadata.tenant_uid = 'OTHER0000000000000000000@AdobeOrg')],
    ['subject', (e: Record<string, unknown>) => (e['subject'] = 'OTHER0000000000000000000@AdobeOrg')],
    ['source', (e: Record<string, unknown>) => (e['source'] = 'https://adminconsole.adobe.com/OTHER0000000000000000000@AdobeOrg')],
  ])('refuses an event of another org (%s): skipped, never enqueued', (field, change) => {
    const event = auditCloudEvent({ id: 'evt-other', eventCode: 'USER_REMOVE' });
    change(event);
    expect(parse([auditCloudEvent({ id: 'evt-ours', eventCode: 'USER_REMOVE' }), event])).toMatchObject({
      messages: [{ change: 'user.removed' }],
      skipped: [{ id: 'evt-other', cause: 'other-org', reason: `io-events delivery: [1].${field}: "OTHER0000000000000000000@AdobeOrg" is not the configured org "${TEST_ORG_ID}"` }],
    });
  });

  it.each([
    ['a provider urn', 'urn:uuid:2f6b7f7e-1b1a-4a0e-9d53-c5d7d1f2a001'],
    ['a URL without an org', 'https://adminconsole.adobe.com/events'],
  ])('reads the org from data.cloud.org.uid when source is %s (it names the provider, not the org)', (_name, source) => {
    const event = auditCloudEvent({ id: 'evt-urn', eventCode: 'USER_REMOVE' });
    event['source'] = source;
    event['subject'] = 'urn:uuid:9d0c1e2f-0000-4000-8000-000000000001';
    expect(parse(event)).toMatchObject({ messages: [{ kind: 'delta', change: 'user.removed' }], skipped: [] });
  });

  it('skips an event that names no org at all', () => {
    const event = auditCloudEvent({ id: 'evt-noorg', eventCode: 'USER_REMOVE' });
    const data = event['data'] as Record<string, unknown>;
    delete data['cloud'];
    delete (data['metadata'] as Record<string, unknown>)['tenant_uid'];
    delete event['subject'];
    delete event['source'];
    expect(parse(event)).toEqual({
      messages: [],
      ignored: [],
      skipped: [{ id: 'evt-noorg', cause: 'unreadable', reason: `io-events delivery: data.cloud.org.uid: missing (also no metadata.tenant_uid, subject or source naming an org); expected "${TEST_ORG_ID}"` }],
    });
  });

  it('refuses a body that is not JSON, or JSON that is no event at all', () => {
    expect(() => parseAdobeIoDelivery(Buffer.from('not json'), expected, context)).toThrow('io-events delivery: body is not JSON');
    for (const body of [42, 'event', null, true]) {
      expect(() => parse(body)).toThrow(ValidationError);
      expect(() => parse(body)).toThrow(/^io-events delivery: body: expected an event object or a JSON array of events, got /);
    }
  });

  it('skips an event without data (it names no user or group)', () => {
    const event = auditCloudEvent({ id: 'evt-empty', eventCode: 'USER_REMOVE' });
    delete event['data'];
    expect(parse(event).skipped).toEqual([{ id: 'evt-empty', cause: 'unreadable', reason: 'io-events delivery: data: missing; expected the audit event object' }]);
  });

  it('yields nothing for an empty batch', () => {
    expect(parse([])).toEqual({ messages: [], ignored: [], skipped: [] });
  });
});
