/**
 * Adobe I/O Events, locally: the stack's own signing keys, the key host that serves their public
 * halves, the headers Adobe puts on a delivery, and an Admin Console audit event in its envelope.
 *
 * The keys are generated at every stack start and live only in memory: nothing outside the stack
 * (config/demo.yaml's `IO_KEY_HOST` points at this key host) ever trusts them.
 */
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { startSimulator, type RunningSimulator } from '../simulators/http-sim.js';

export interface IoSigningKey {
  /** `/prod/keys/pub-key-<id>.pem`, the shape the verifier accepts (lib/ingest/adobe-io/public-keys.ts). */
  readonly keyPath: string;
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
}

/** Adobe signs every delivery twice, with two keys it rotates in turn (contracts/io-events.md §2-3). */
export type IoSigningKeys = readonly [IoSigningKey, IoSigningKey];

/** A fresh 2048-bit RSA pair (Adobe's size) under a random key path. */
export function generateIoSigningKey(): IoSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPath: `/prod/keys/pub-key-${randomUUID()}.pem`, privateKeyPem: privateKey, publicKeyPem: publicKey };
}

export const generateIoSigningKeys = (): IoSigningKeys => [generateIoSigningKey(), generateIoSigningKey()];

export interface IoKeyServer extends RunningSimulator {
  /** Key fetches answered so far (any status). */
  keyRequests(): number;
  serve(key: IoSigningKey): void;
  /** Serve this body (e.g. something that is not a PEM) at a path: for tests of the verifier. */
  serveRaw(path: string, body: string): void;
}

/** The stand-in for static.adobeioevents.com: GET `<keyPath>` → the PEM public key, anything else 404. */
export async function startIoKeyServer(keys: readonly IoSigningKey[], options: { port?: number } = {}): Promise<IoKeyServer> {
  const served = new Map(keys.map((k) => [k.keyPath, k.publicKeyPem]));
  const sim = await startSimulator(
    {
      classify: (request) => (request.method === 'GET' ? { endpoint: 'GET key', kind: 'read' } : undefined),
      handle: (request) => {
        const pem = request.method === 'GET' ? served.get(request.path) : undefined;
        // CloudFront answers 403 for a missing object; 404 is as final for the verifier (public-keys.ts).
        return pem === undefined
          ? { status: 404, headers: { 'content-type': 'text/plain' }, body: 'Not Found' }
          : { status: 200, headers: { 'content-type': 'application/x-pem-file' }, body: pem };
      },
      throttled: () => ({ status: 429, headers: { 'retry-after': '1' }, body: 'Too Many Requests' }),
      dump: () => ({ keys: [...served.keys()] }),
    },
    options.port !== undefined ? { port: options.port } : {},
  );
  return Object.assign(sim, {
    keyRequests: () => sim.counts()['GET key']?.read ?? 0,
    serve: (key: IoSigningKey) => void served.set(key.keyPath, key.publicKeyPem),
    serveRaw: (path: string, body: string) => void served.set(path, body),
  });
}

export interface AdobeIoSignOptions {
  /** Same on every retry of one event (§2); a new one by default. */
  readonly eventId?: string;
  /** The I/O Events event code: the envelope `type` of Admin Console audit log events by default. */
  readonly eventCode?: string;
}

/**
 * The headers of one I/O Events delivery (contracts/io-events.md §2): base64 RSA-SHA256 (PKCS#1 v1.5)
 * of the raw body bytes with each key (§3), and where each public key lives on the key host.
 */
export function adobeIoHeaders(body: string | Buffer, keys: IoSigningKeys, options: AdobeIoSignOptions = {}): Record<string, string> {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const signature = (key: IoSigningKey): string => sign('sha256', raw, key.privateKeyPem).toString('base64');
  return {
    'content-type': 'application/json',
    'user-agent': 'Adobe/1.0',
    'x-adobe-event-id': options.eventId ?? randomUUID(),
    'x-adobe-delivery-id': randomUUID(),
    'x-adobe-event-code': options.eventCode ?? AUDIT_LOG_EVENT_TYPE,
    'x-adobe-provider': 'adminconsole-auditlogs',
    'x-adobe-digital-signature-1': signature(keys[0]),
    'x-adobe-public-key1-path': keys[0].keyPath,
    'x-adobe-digital-signature-2': signature(keys[1]),
    'x-adobe-public-key2-path': keys[1].keyPath,
  };
}

export const AUDIT_LOG_EVENT_TYPE = 'com.adobe.adminconsole.auditlogs.v1';

export interface AuditChange {
  /** `metadata.event_code`, `<EVENT_TYPE>:<SUBTYPE>`; the recognised types are in lib/ingest/adobe-io/audit-events.ts. */
  readonly eventCode: string;
  /** The affected user (`user.email_addr`). */
  readonly email: string;
  /** The affected user group or product profile (`entity.name`). */
  readonly group?: string;
  readonly entityType?: 'User Group' | 'Product Profile';
  /** Who made the change in the Admin Console (`actor.user.email_addr`). */
  readonly actor?: string;
}

export interface AuditDelivery {
  readonly id: string;
  /** The raw body, exactly as signed and sent. */
  readonly body: string;
}

/** One Admin Console audit event (OCSF, §5) in its CloudEvents 1.0 envelope (§4), with both recipient spellings. */
export function auditDelivery(change: AuditChange, to: { orgId: string; clientId: string; id?: string; timeMs?: number }): AuditDelivery {
  const id = to.id ?? randomUUID();
  const timeMs = to.timeMs ?? Date.now();
  const data = {
    class_name: 'Group Management',
    actor: { user: { email_addr: change.actor ?? 'admin@acme.com', type: 'User' } },
    cloud: { org: { uid: to.orgId }, provider: 'Adobe' },
    metadata: { event_code: change.eventCode, uid: id, tenant_uid: to.orgId, product: { name: 'Adobe Admin Console Audit Log', vendor_name: 'Adobe' } },
    time: timeMs,
    time_dt: new Date(timeMs).toISOString(),
    user: { email_addr: change.email },
    ...(change.group !== undefined ? { entity: { name: change.group, type: change.entityType ?? 'User Group' } } : {}),
  };
  const envelope = {
    specversion: '1.0',
    type: AUDIT_LOG_EVENT_TYPE,
    source: `https://adminconsole.adobe.com/${to.orgId}`,
    subject: to.orgId,
    id,
    time: String(timeMs),
    datacontenttype: 'application/json',
    eventid: id,
    recipientclientid: to.clientId,
    event_id: id,
    recipient_client_id: to.clientId,
    data,
  };
  return { id, body: JSON.stringify(envelope) };
}

export interface PostedDelivery {
  readonly status: number;
  readonly answer: string;
}

/** POST a body with the given headers to the stack's `/webhooks/adobe-io`, as Adobe would. */
export async function postAdobeIo(webhookUrl: string, body: string, headers: Record<string, string>): Promise<PostedDelivery> {
  const response = await fetch(`${webhookUrl}/webhooks/adobe-io`, { method: 'POST', headers, body });
  return { status: response.status, answer: await response.text() };
}
