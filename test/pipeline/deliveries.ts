/**
 * What the outside world sends the pipeline in these tests: signed Admin Console audit deliveries,
 * signed generic webhook posts, scheduled events, and the sample events of `events/`.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2, ScheduledEvent } from 'aws-lambda';
import { auditCloudEvent, genericChange, genericHeaders, httpApiEvent, ioEventsHeaders, SAMPLE_GENERIC_SECRET, type SigningKey } from '../support/io-events.js';

/** A sample event of `events/`, parsed. */
export function sampleEvent<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), 'utf8')) as T;
}

export interface AuditChange {
  readonly id: string;
  /** e.g. USER_GROUP_ADD_USER:USER_GROUP */
  readonly code: string;
  readonly email: string;
  readonly uid?: string;
  /** The user group or product profile; absent for user removals. */
  readonly group?: string;
  readonly timeMs?: number;
  readonly recipient?: string;
}

/** The CloudEvents body of one Admin Console audit event. */
export function auditBody(change: AuditChange): string {
  const isProfile = change.group?.startsWith('Campaign - ') || change.group?.startsWith('AEM Managed Services - ');
  return JSON.stringify(
    auditCloudEvent({
      id: change.id,
      eventCode: change.code,
      user: { email_addr: change.email, ...(change.uid ? { uid: change.uid } : {}) },
      entity: change.group ? { name: change.group, type: isProfile ? 'Product Profile' : 'User Group' } : null,
      timeMs: change.timeMs ?? Date.now(),
      ...(change.recipient ? { recipient: change.recipient } : {}),
    }),
  );
}

/** An API Gateway event carrying an I/O Events delivery of `body`, signed with both keys. */
export function signedIoDelivery(body: string, keys: readonly [SigningKey, SigningKey], options: { eventId?: string; base64?: boolean } = {}): APIGatewayProxyEventV2 {
  const [key1, key2] = keys;
  return httpApiEvent({
    method: 'POST',
    path: '/webhooks/adobe-io',
    headers: { ...ioEventsHeaders(body, { key1, key2, ...(options.eventId ? { eventId: options.eventId } : {}) }), 'content-length': String(Buffer.byteLength(body)) },
    body,
    ...(options.base64 ? { base64: true } : {}),
  });
}

/** A signed Admin Console audit delivery of one change. */
export function auditDelivery(change: AuditChange, keys: readonly [SigningKey, SigningKey], options: { base64?: boolean } = {}): APIGatewayProxyEventV2 {
  return signedIoDelivery(auditBody(change), keys, { eventId: change.id, ...options });
}

/** A generic webhook post of these changes, signed at `timestampSeconds` (now by default). */
export function genericDelivery(
  changes: readonly Record<string, unknown>[],
  options: { secret?: string; timestampSeconds?: number } = {},
): APIGatewayProxyEventV2 {
  const body = JSON.stringify(changes.map((c) => genericChange(c)));
  const timestamp = options.timestampSeconds ?? Math.floor(Date.now() / 1000);
  return httpApiEvent({
    method: 'POST',
    path: '/webhooks/generic',
    headers: genericHeaders(body, options.secret ?? SAMPLE_GENERIC_SECRET, timestamp),
    body,
    timeEpoch: timestamp * 1000,
  });
}

/** The sample EventBridge schedule event with a fresh id and time, so each run has its own run id. */
export function scheduledEvent(id: string, time = new Date()): ScheduledEvent {
  return { ...sampleEvent<ScheduledEvent>('scheduled.json'), id, time: time.toISOString().replace(/\.\d{3}Z$/, 'Z') };
}
