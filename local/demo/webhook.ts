/** Posting a change to the stack's webhook door as a sender would: the generic format, signed (contracts/io-events.md §6). */
import { genericSignatureOf } from '../../lib/ingest/generic.js';
import { DEMO_ORG_ID } from '../fixtures/demo-org.js';

export type GenericChangeType = 'membership.added' | 'membership.removed' | 'user.removed' | 'user.changed';

let sequence = 0;

export interface PostedChange {
  readonly id: string;
  readonly status: number;
  readonly answer: string;
}

export async function postGenericChange(
  door: { webhookUrl: string; secret: string },
  change: { type: GenericChangeType; email: string; group?: string },
): Promise<PostedChange> {
  sequence += 1;
  const id = `demo-${Date.now().toString(36)}-${sequence}`;
  const body = JSON.stringify({
    id,
    orgId: DEMO_ORG_ID,
    occurredAt: new Date().toISOString(),
    type: change.type,
    user: { email: change.email },
    ...(change.group !== undefined ? { group: change.group } : {}),
  });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const response = await fetch(`${door.webhookUrl}/webhooks/generic`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-ims-sync-timestamp': timestamp,
      'x-ims-sync-signature': `sha256=${genericSignatureOf(door.secret, timestamp, Buffer.from(body, 'utf8'))}`,
    },
    body,
  });
  return { id, status: response.status, answer: await response.text() };
}
