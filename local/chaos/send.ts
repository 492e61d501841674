/**
 * Deliveries through the webhook door, as the two senders would make them: Adobe I/O Events
 * (an Admin Console audit event in its CloudEvents envelope, RSA-signed by the run's key host keys)
 * and the generic HMAC webhook. A duplicate is the very same request again: same bytes, same headers.
 */
import { genericSignatureOf } from '../../lib/ingest/generic.js';
import { adobeIoHeaders, auditDelivery, type IoSigningKeys } from '../demo/adobe-io.js';
import type { ScriptedChange } from './events.js';

export interface BuiltRequest {
  readonly path: '/webhooks/adobe-io' | '/webhooks/generic';
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface DoorSecrets {
  readonly orgId: string;
  readonly ioClientId: string;
  readonly ioKeys: IoSigningKeys;
  readonly genericSecret: string;
}

function auditCode(change: ScriptedChange): string {
  const onProfile = change.entityType === 'Product Profile';
  switch (change.type) {
    case 'membership.added':
      return onProfile ? 'PRODUCT_PROFILE_ADD_USER' : 'USER_GROUP_ADD_USER';
    case 'membership.removed':
      return onProfile ? 'PRODUCT_PROFILE_REMOVE_USER' : 'USER_GROUP_REMOVE_USER';
    case 'user.removed':
      return 'USER_REMOVE';
    case 'user.changed':
      // Not in the mapping table: the webhook turns it into a hint (re-check this user).
      return 'USER_UPDATE';
  }
}

export function buildRequest(change: ScriptedChange, occurredAtMs: number, secrets: DoorSecrets): BuiltRequest {
  if (change.door === 'adobe-io') {
    const delivery = auditDelivery(
      { eventCode: `${auditCode(change)}:CHAOS`, email: change.email, ...(change.group !== undefined ? { group: change.group, entityType: change.entityType ?? 'User Group' } : {}) },
      { orgId: secrets.orgId, clientId: secrets.ioClientId, id: change.id, timeMs: occurredAtMs },
    );
    return { path: '/webhooks/adobe-io', headers: adobeIoHeaders(delivery.body, secrets.ioKeys, { eventId: change.id }), body: delivery.body };
  }
  const body = JSON.stringify({
    id: change.id,
    orgId: secrets.orgId,
    occurredAt: new Date(occurredAtMs).toISOString(),
    type: change.type,
    user: { email: change.email },
    ...(change.group !== undefined && change.type !== 'user.removed' && change.type !== 'user.changed' ? { group: change.group } : {}),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  return {
    path: '/webhooks/generic',
    headers: {
      'content-type': 'application/json',
      'x-ims-sync-timestamp': timestamp,
      'x-ims-sync-signature': `sha256=${genericSignatureOf(secrets.genericSecret, timestamp, Buffer.from(body, 'utf8'))}`,
    },
    body,
  };
}

export interface SendOutcome {
  readonly status: number;
  /** Answers other than 200 before the one that counted (a sender retries 5xx, as Adobe does). */
  readonly retries: number;
  readonly answer: string;
}

/** POST, retrying a 5xx or a network error a few times as a sender would; a 4xx is final. */
export async function send(webhookUrl: string, request: BuiltRequest): Promise<SendOutcome> {
  let retries = 0;
  for (;;) {
    try {
      const response = await fetch(`${webhookUrl}${request.path}`, { method: 'POST', headers: request.headers, body: request.body });
      const answer = await response.text();
      if (response.status < 500 || retries >= 5) return { status: response.status, retries, answer };
    } catch (error) {
      if (retries >= 5) return { status: 0, retries, answer: String(error) };
    }
    retries += 1;
    await new Promise((resolve) => setTimeout(resolve, 200 * retries));
  }
}

/** Run `work` over `items` with at most `limit` at once. */
export async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
