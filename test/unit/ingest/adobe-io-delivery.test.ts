import { describe, expect, it } from 'vitest';
import { InvalidSignatureError, ValidationError } from '../../../lib/errors.js';
import { AUDIT_RULES } from '../../../lib/ingest/adobe-io/audit-events.js';
import { parseAdobeIoDelivery } from '../../../lib/ingest/adobe-io/envelope.js';
import { auditCloudEvent, TEST_CLIENT_ID, TEST_ORG_ID } from '../../support/io-events.js';

const expected = { clientId: TEST_CLIENT_ID, orgId: TEST_ORG_ID };
const context = { correlationId: 'corr-1', receivedAt: '2026-11-23T10:00:05.000Z' };
const parse = (body: unknown) => parseAdobeIoDelivery(Buffer.from(JSON.stringify(body)), expected, context);
const TIME = 1795428000000;

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
          id: 'evt-1',
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
    });
  });

  it.each(['USER_REMOVE:USER', 'USER_DELETE:USER'])('maps %s to a user.removed delta without a group', (eventCode) => {
    const { messages } = parse(auditCloudEvent({ id: 'evt-2', eventCode, timeMs: TIME, entity: null }));
    expect(messages).toEqual([
      {
        kind: 'delta',
        id: 'evt-2',
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
        id: 'evt-3',
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

  it('refuses an event without any recipient', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    delete event['recipientclientid'];
    delete event['recipient_client_id'];
    expect(() => parse(event)).toThrow(InvalidSignatureError);
  });

  it.each([
    ['only the new spellings', ['event_id', 'recipient_client_id']],
    ['only the deprecated spellings', ['id', 'eventid', 'recipientclientid']],
  ])('accepts %s', (_name, removed) => {
    const event = auditCloudEvent({ id: 'evt-6', eventCode: 'USER_REMOVE' });
    for (const key of removed) delete event[key];
    expect(parse(event).messages).toMatchObject([{ id: 'evt-6', change: 'user.removed' }]);
  });

  it('parses a batch (a JSON array) into one message per event, in order', () => {
    const batch = [
      auditCloudEvent({ id: 'evt-a', eventCode: 'USER_GROUP_ADD_USER' }),
      auditCloudEvent({ id: 'evt-b', eventCode: 'ADMIN_ROLE_ASSIGN_USER:ORG_ADMIN' }),
      auditCloudEvent({ id: 'evt-c', eventCode: 'SOMETHING_NEW:X' }),
    ];
    const { messages, ignored } = parse(batch);
    expect(messages.map((m) => [m.id, m.kind])).toEqual([
      ['evt-a', 'delta'],
      ['evt-c', 'hint'],
    ]);
    expect(ignored.map((i) => i.id)).toEqual(['evt-b']);
  });

  it('names the index of the bad event of a batch', () => {
    const bad = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    (bad['data'] as Record<string, unknown>)['user'] = { email_addr: 42 };
    expect(() => parse([auditCloudEvent({ eventCode: 'USER_REMOVE' }), bad])).toThrow(
      'io-events delivery: [1].data.user.email_addr: expected string, got number',
    );
  });

  it('parses the legacy envelope {event_id, recipient_client_id, event}', () => {
    const cloud = auditCloudEvent({ eventCode: 'PRODUCT_PROFILE_REMOVE_USER', entity: { name: 'Campaign - acme-prod - delivery', type: 'Product Profile' } });
    const legacy = { event_id: 'legacy-1', recipient_client_id: TEST_CLIENT_ID, event: cloud['data'] };
    expect(parse(legacy).messages).toMatchObject([
      { kind: 'delta', id: 'legacy-1', change: 'membership.removed', group: 'Campaign - acme-prod - delivery', occurredAt: '2026-11-23T10:00:00.000Z' },
    ]);
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

  it('refuses an unreadable time, naming the field', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    event['time'] = 'yesterday';
    expect(() => parse(event)).toThrow(
      'io-events delivery: time: expected epoch milliseconds or an RFC 3339 time, e.g. "1732021086000" or "2024-11-19T12:58:06Z", got "yesterday"',
    );
  });

  it.each([
    ['data.cloud.org.uid', (e: Record<string, unknown>) => ((e['data'] as { cloud: { org: { uid: string } } }).cloud.org.uid = 'OTHER0000000000000000000@AdobeOrg')],
    ['subject', (e: Record<string, unknown>) => (e['subject'] = 'OTHER0000000000000000000@AdobeOrg')],
    ['source', (e: Record<string, unknown>) => (e['source'] = 'https://adminconsole.adobe.com/OTHER0000000000000000000@AdobeOrg')],
  ])('refuses an event of another org (%s)', (field, change) => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    change(event);
    expect(() => parse(event)).toThrow(ValidationError);
    expect(() => parse(event)).toThrow(`io-events delivery: ${field}: "OTHER0000000000000000000@AdobeOrg" is not the configured org "${TEST_ORG_ID}"`);
  });

  it('refuses an event that names no org at all', () => {
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    const data = event['data'] as Record<string, unknown>;
    delete data['cloud'];
    delete (data['metadata'] as Record<string, unknown>)['tenant_uid'];
    delete event['subject'];
    delete event['source'];
    expect(() => parse(event)).toThrow(/data\.cloud\.org\.uid: missing/);
  });

  it('refuses a body that is not JSON, or an event without data', () => {
    expect(() => parseAdobeIoDelivery(Buffer.from('not json'), expected, context)).toThrow('io-events delivery: body is not JSON');
    const event = auditCloudEvent({ eventCode: 'USER_REMOVE' });
    delete event['data'];
    expect(() => parse(event)).toThrow('io-events delivery: data: missing; expected the audit event object');
  });

  it('yields nothing for an empty batch', () => {
    expect(parse([])).toEqual({ messages: [], ignored: [] });
  });
});
