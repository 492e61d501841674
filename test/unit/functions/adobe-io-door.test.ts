/**
 * The webhook door with the real verifier, parser and key cache (over HTTP to a local key server):
 * what an authentic Adobe I/O Events delivery produces, event by event.
 */
import { describe, expect, it } from 'vitest';
import { auditCloudEvent } from '../../support/io-events.js';
import { useDoorWorld, type DoorWorld } from '../../support/webhook-door.js';

const world = useDoorWorld();

describe('an Adobe I/O Events batch with an unreadable event', () => {
  it('answers 200, queues every readable event, and logs and counts the one it skips', async () => {
    const removal = auditCloudEvent({ id: 'evt-removal', eventCode: 'USER_GROUP_REMOVE_USER:USER_GROUP', entity: { name: 'AEM-DAM-Users', type: 'User Group' } });
    const noData = { ...auditCloudEvent({ id: 'evt-broken', eventCode: 'USER_REMOVE' }), data: 'garbage' };
    const leaver = auditCloudEvent({ id: 'evt-leaver', eventCode: 'USER_REMOVE', user: { email_addr: 'omar@acme.com' }, entity: null });

    const answer = await world.handler(world.adobeIo(JSON.stringify([removal, noData, leaver])));

    expect(answer.statusCode).toBe(200);
    expect(JSON.parse(answer.body ?? '{}')).toEqual({ accepted: 2, ignored: 0, skipped: 1 });
    expect(world.queue.sent).toMatchObject([
      { kind: 'delta', change: 'membership.removed', group: 'AEM-DAM-Users', user: { email: 'rita@acme.com' } },
      { kind: 'delta', change: 'user.removed', user: { email: 'omar@acme.com' } },
    ]);
    expect(world.metrics.total('EventsSkipped', { source: 'adobe-io', cause: 'unreadable' })).toBe(1);
    expect(world.metrics.total('EventsAccepted', { source: 'adobe-io' })).toBe(2);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        attributes: expect.objectContaining({ eventId: 'evt-broken', cause: 'unreadable', reason: 'io-events delivery: [1].data: expected the audit event object, got string' }),
      }),
    );
  });

  it('still refuses the whole request (401, nothing queued) when it is not signed', async () => {
    const event = world.adobeIo(JSON.stringify([auditCloudEvent({ eventCode: 'USER_REMOVE' })]));
    delete event.headers['x-adobe-digital-signature-1'];
    delete event.headers['x-adobe-digital-signature-2'];

    const answer = await world.handler(event);

    expect(answer.statusCode).toBe(401);
    expect(world.queue.sent).toEqual([]);
  });
});

describe('the asynchronous registration validation (a POST of {"validationUrl"})', () => {
  const url = 'https://csm.adobe.io/csm/registrations/validate?id=6f1e2d3c&challenge=9a8b7c6d';
  const body = JSON.stringify({ validationUrl: url });
  const logged = (): string => JSON.stringify(world.log.lines);

  it('logs the URL for a person to open only when the request is signed by Adobe', async () => {
    const answer = await world.handler(world.adobeIo(body));

    expect(answer.statusCode).toBe(200);
    expect(world.log.lines).toContainEqual(expect.objectContaining({ level: 'warn', attributes: expect.objectContaining({ validationUrl: url }) }));
    expect(world.queue.sent).toEqual([]);
  });

  it.each([
    ['an unsigned request', (event: ReturnType<DoorWorld['adobeIo']>) => {
      delete event.headers['x-adobe-digital-signature-1'];
      delete event.headers['x-adobe-digital-signature-2'];
    }],
    ['a request signed for another body', (event: ReturnType<DoorWorld['adobeIo']>) => {
      event.body = JSON.stringify({ validationUrl: `${url}&x=1` });
    }],
  ])('never puts the URL of %s in front of operators (401, not logged)', async (_name, forge) => {
    const event = world.adobeIo(body);
    forge(event);

    const answer = await world.handler(event);

    expect(answer.statusCode).toBe(401);
    expect(logged()).not.toContain('csm.adobe.io');
    expect(world.queue.sent).toEqual([]);
  });
});
