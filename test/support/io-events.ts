/**
 * Test helpers for webhook ingestion: RSA signing keys, an Adobe I/O Events signer, a tiny key server
 * (the simulator base, over real HTTP) serving `/prod/keys/pub-key-<id>.pem`, event builders, and the
 * generator of the sample API Gateway events in `events/`.
 *
 * Regenerate `events/http-*.json` (after changing a builder below):
 *   npx tsx test/support/io-events.ts
 * RSA PKCS#1 v1.5 signatures are deterministic, so the output is byte-identical until an input
 * changes; test/unit/ingest/sample-events.test.ts fails when the files and this generator disagree.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { genericSignatureOf } from '../../lib/ingest/generic.js';
import { DEMO_CLIENT_ID, DEMO_ORG_ID } from '../../local/fixtures/demo-org.js';
import { startIoKeyServer, type IoKeyServer, type IoSigningKey } from '../../local/demo/adobe-io.js';

export const TEST_ORG_ID = DEMO_ORG_ID;
export const TEST_CLIENT_ID = DEMO_CLIENT_ID;
/** The generic webhook secret the sample event is signed with (config/demo.yaml reads DEMO_WEBHOOK_SECRET). */
export const SAMPLE_GENERIC_SECRET = 'demo-webhook-secret-0123456789abcdef';

export type SigningKey = IoSigningKey;

let generated = 0;
/** A fresh 2048-bit RSA key pair (Adobe's size), served at a new `/prod/keys/pub-key-<id>.pem` path. */
export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  generated += 1;
  const id = `00000000-0000-4000-8000-${String(generated).padStart(12, '0')}`;
  return { keyPath: `/prod/keys/pub-key-${id}.pem`, privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * TEST-ONLY key pairs, public by design: they sign `events/http-adobe-io-delivery.json`. Nothing
 * trusts them except a key server started by the tests or the local stack.
 */
export const FIXED_TEST_KEYS: readonly [SigningKey, SigningKey] = [
  {
    keyPath: '/prod/keys/pub-key-d89677b7-1850-4b36-80d4-8cc5ad2cfcd2.pem',
    privateKeyPem: `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDcCOySXrwQOyik
r7i3hTbK5/qHNQsk/II4Ef9WJVv8AvsKZ8AVnMR4veyED/MQiwAZAjmDv09MqONT
r+nUvPNiUHueQWP0aIglEiDIL1Df867DBq0bCzjgLtoA3Q2NZuss/RkLuZnlO28F
dt1HhVwVzJOam+Vh34cSxw1eePAxCBLSOsQDgpnIxS1f3XDe36VbCaVSbPrFEjwz
WguOi5eYMUoLJFyoASpqU37RiDkWXN0NBOOOO3i/fM9LJiFMP+7y3PL1cuDaA7+X
C2TQe+sFrfKE2JCDbtXn/Pzb8jHf3pDlwoSDUGO2tyT6hoUaIRewzfou7A8Ksbzz
uShVJs1dAgMBAAECggEAaqNglCeZmXwyXG5VZYwIXBpFjtWkSw6dxbLjPsroY6DG
LerOaysJBUN2pyJbuL7FE1nCqhlDw3FuixaMiu/wPMuovbAPU1p98QlyHdLgrUka
f6ZyqtKrg+rw+M4pTUh93dXkF4yiCzjcu5c58vmtAVuehaXca6y7d9xEnG6cagYL
BFJzO54z67aNxOKe4VLDFKHlCTvBuYykq65ZZo8OCP331E01aRjvu9HgRRnFU5V3
eznSUlgLeNErhdQuT5jmrujOd3wacOPl9BeyEWKYipgFhYK8NhfJNvsTBLfpG5Gp
/xCFyzUMBVZlOpdal/jLOHpkN9G97fJ+jGtCGTz/eQKBgQD/ABpkeI2n70JBIHER
p7EahAHD9Eq8jKIyn0LYKLH5suieb/BrehAOvysLQJNuuc58fQywutsA6RbWHL4m
aitLvb8Xiok7sS3KtwT723T8RKUNOXkxHoVOGKQTkIce3NZ/P3JEJmgOoDFbfTD0
8sH2JTDDmxo2G1cgaqpORGLc+wKBgQDc5buH38zj+JpVRfshr7aPCThjRNGzSeic
yGAWEYXzIyLIL0WYgGBL4Ii8HS7NchYAWnDkTerTngF6rjDhj4E4ByF09Q44xwid
U/pufmEbn0qRM2JTJwtKiDU4zLE6vEZsl5ujIbViNNtc7icUdIa+fpelbqXHE57L
a7irs1+/hwKBgQCYG8KijfrJ4wGdgbGQu3v8eiPndLCkGiuikLe540SO0zbJU7KR
GeW8NjKB6spHMVTHk3xfa4a521CA9fJDTe93pb74Vu4Xik/rbRLu/XCiDnx6D/+H
2lHgTPiKpxrCwS6+BuWtW0+U8d+fWGU8qBYlMvgMpleTUOm+74GZYFeswwKBgFQf
cQFXq3GN9UhQNEkp334tZrn3NVzv4pQCgwUkezySvuY5iml/SizbP3dULcSzk8li
p+dp/OnGHI4Z1CeyPOWXYZhm0pmwwokXuCFoI5cfXIhbZzB/h/9ES/Brk3roxHEK
c4z2g1r5Aikr0NorXj0hfKLVtnBP+oNBbLyGvQn1AoGAKMPBGuLVg8q5axjelCn7
z6kxCQQNWylXhwMcviR6a0zC7avFJwz/UCYhKSZmyu724doJIZUxggKhxv8sD2Jb
qiA3ESEI6FQEg7i+/FPFUm/kEQyENf36NkwItdIwGXvu0rd4MrkB9y2SoZZTT7Wv
vtE1kSnj/kMbdMbkPwiYGkY=
-----END PRIVATE KEY-----\n`,
    publicKeyPem: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA3Ajskl68EDsopK+4t4U2
yuf6hzULJPyCOBH/ViVb/AL7CmfAFZzEeL3shA/zEIsAGQI5g79PTKjjU6/p1Lzz
YlB7nkFj9GiIJRIgyC9Q3/OuwwatGws44C7aAN0NjWbrLP0ZC7mZ5TtvBXbdR4Vc
FcyTmpvlYd+HEscNXnjwMQgS0jrEA4KZyMUtX91w3t+lWwmlUmz6xRI8M1oLjouX
mDFKCyRcqAEqalN+0Yg5FlzdDQTjjjt4v3zPSyYhTD/u8tzy9XLg2gO/lwtk0Hvr
Ba3yhNiQg27V5/z82/Ix396Q5cKEg1Bjtrck+oaFGiEXsM36LuwPCrG887koVSbN
XQIDAQAB
-----END PUBLIC KEY-----\n`,
  },
  {
    keyPath: '/prod/keys/pub-key-bf1dce1e-4327-4ad9-bd73-8f70a6e4a049.pem',
    privateKeyPem: `-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQC+8O+Xo8Q17dM1
uAn1HbGNGGvbpUwhek3muRSckIrQ9k4xo0kZxfhL/nmApFhjvYdBQPuvzks5C56o
r9AM50kjKuNlIJsT/cVFTCF8MJRo6dVHOtChPCMR5uHCk7WJoshiSnSj5lB1xeLe
cZggLNGHrK1ejVKmzPWMSiZ6/DzR74V7LHeySu7ZwDsjXLchM6DUjzpMuYAMwIRR
OH4zBcWAUclXiyJWR4lXzA+OEXQsO/ppuz8d8BX0XnyfwgsO6dj9B+myf/jDe7kK
dUx8edjs3J2LVRKH2RvP0NsfGi+0y8AKXuGUl6HEXaB9Nk5M/nsLssTZchTj8Tqm
xa8W01CPAgMBAAECggEAGkZ4igMAvLUaBAHr6N2psbNjIEoqZE76yl28vuDLIX9L
elwwcooCJZ8CpFe5TBxoMOwa1nIKevKk5iyvch8fuuWrfh6TCJi63VLhJsBeo+NN
tKwcyptGbi+58Hc4G5UZgyEg1O8cMmDFW/wAxai1Orjh8Kl87rQ0tBX+Hp14VyEk
c7Sb4CaFOiZTtVqoAIOHYtYGUJPi62V96WT4uq1GtWvKuudTAyF2W9uKd1wqm5/H
HNr4FosjtwS+pVT1tpqdCk2cx2G0tTB5BRv8S9bmKCE59Xf58BZbsddmIK8L9E+R
rx7SdEkbsMDZ2E8ulAaZeSVo1zDKUEB3LdEr+IS+/QKBgQDmiIRLmaJjBgNC1hla
V8th61QcR7fbtu48WRaGYs7Db3px8GhULvJ8t9tBqilJIL73xzwSgPx5N5J7ewut
KegORaK6WPyjzD6TizFwdAc/jVztHM9n28Cca8AWcbKCt1zh04DmSBr0VZ6Bau4e
26VwoqwZHfFRxbaVn/ax4hfRfQKBgQDUCMD3F5UpduZgBPtWOYgKf/30hCRbs44I
PucMlnaU/JLQJtqmdPutDcw0lGwNBLFuxI7JyVruKJR9pISMQu1kcZNIGj2n2yyQ
JDApiDGYVgyuLwY3PQbVXd/qq3hDdFsgKf5swUQBXCqsallcstC3aqIZadi+qQd3
apNiYgCH+wKBgQCWGKB6UIdoDcwlwhwztCHZmUzkNNXCmjI23JJL4R1aJcUFVk+3
L/H1vgdlk5LZ6BYuYWv9aDn5+nLHLvAFSNmsIS64QaQMSbkce24vF3x4pmOwhieM
KYoYzhb9Bf4CGbzB0+GDDcNu/if7f1GWidAHrAJ9P/+VDDO667HFU73KSQKBgEXR
jBjQ/yDkMf+0JD7EOvOaKbl2ObKocUBt1g7jDLEKah14bc8Z/jWBsZgut1WiEfrz
ZkEzuGlrm1mz7qFw+FJ2w5Seb2byWL4t7F4AprQOwaYpfdZ6leF0Q+M2CyfLDKaO
rWSKTyZTfwm/CyXnC6sZxb6wh9pgNkEwKs/ejWY5AoGBAKxPrUXAsLQJIfPBVe41
hqW2O9pDmKanBHIwdPoP5r+EVxOKK+Lrbvxce9ougn0sSg2TY5/ce9W/cxg9r+E2
kpzmbQM8foViGeFwfk7XAZQGHyE2C3q2rtHWofp6NLTV8NZRz9DbktVSf5f/YE6a
qYXmYWIBCQK6i6mN2pCcIXuM
-----END PRIVATE KEY-----\n`,
    publicKeyPem: `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvvDvl6PENe3TNbgJ9R2x
jRhr26VMIXpN5rkUnJCK0PZOMaNJGcX4S/55gKRYY72HQUD7r85LOQueqK/QDOdJ
IyrjZSCbE/3FRUwhfDCUaOnVRzrQoTwjEebhwpO1iaLIYkp0o+ZQdcXi3nGYICzR
h6ytXo1Spsz1jEomevw80e+Feyx3skru2cA7I1y3ITOg1I86TLmADMCEUTh+MwXF
gFHJV4siVkeJV8wPjhF0LDv6abs/HfAV9F58n8ILDunY/Qfpsn/4w3u5CnVMfHnY
7Nydi1USh9kbz9DbHxovtMvACl7hlJehxF2gfTZOTP57C7LE2XIU4/E6psWvFtNQ
jwIDAQAB
-----END PUBLIC KEY-----\n`,
  },
];

/** What Adobe puts in `x-adobe-digital-signature-N`: base64 of RSA-SHA256 (PKCS#1 v1.5) over the raw body. */
export function signIoEvents(body: Buffer | string, key: SigningKey): string {
  return sign('sha256', typeof body === 'string' ? Buffer.from(body, 'utf8') : body, key.privateKeyPem).toString('base64');
}

export interface IoEventsHeaderOptions {
  readonly key1?: SigningKey;
  readonly key2?: SigningKey;
  readonly eventId?: string;
  readonly eventCode?: string;
}

/** The headers of one I/O Events delivery (contracts/io-events.md §2), signed with the keys given. */
export function ioEventsHeaders(body: Buffer | string, options: IoEventsHeaderOptions): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'Adobe/1.0',
    'x-adobe-event-id': options.eventId ?? '5b0f7e57-8d8c-4f7e-9d2a-2d3c8a0b1c01',
    'x-adobe-delivery-id': 'a1b2c3d4-0000-4000-8000-000000000001',
    'x-adobe-event-code': options.eventCode ?? 'com.adobe.adminconsole.auditlogs.v1',
    'x-adobe-provider': 'adminconsole-auditlogs',
  };
  if (options.key1) {
    headers['x-adobe-digital-signature-1'] = signIoEvents(body, options.key1);
    headers['x-adobe-public-key1-path'] = options.key1.keyPath;
  }
  if (options.key2) {
    headers['x-adobe-digital-signature-2'] = signIoEvents(body, options.key2);
    headers['x-adobe-public-key2-path'] = options.key2.keyPath;
  }
  return headers;
}

export type KeyServer = IoKeyServer;

/** The tiny local key host (the local stack's): GET `/prod/keys/pub-key-<id>.pem` → the PEM, or 404. Stop it in afterEach/afterAll. */
export const startKeyServer = (keys: readonly SigningKey[]): Promise<KeyServer> => startIoKeyServer(keys);

export interface AuditEventOptions {
  readonly id?: string;
  readonly eventCode: string;
  readonly user?: { email_addr?: string; uid?: string } | null;
  readonly entity?: { name?: string; uid?: string; type?: string } | null;
  readonly timeMs?: number;
  readonly orgId?: string;
  readonly recipient?: string;
  readonly actorEmail?: string;
}

/** One Admin Console audit event in its CloudEvents 1.0 envelope, with both recipient spellings (§4, §5). */
export function auditCloudEvent(options: AuditEventOptions): Record<string, unknown> {
  const id = options.id ?? '5b0f7e57-8d8c-4f7e-9d2a-2d3c8a0b1c01';
  const orgId = options.orgId ?? TEST_ORG_ID;
  const timeMs = options.timeMs ?? 1795428000000;
  const recipient = options.recipient ?? TEST_CLIENT_ID;
  const data: Record<string, unknown> = {
    activity_id: 7,
    activity_name: 'Add User',
    actor: { user: { email_addr: options.actorEmail ?? 'admin@acme.com', uid: 'A9000001@AdobeID', type: 'User', type_id: 1 } },
    category_name: 'Identity & Access Management',
    category_uid: 3,
    class_name: 'Group Management',
    class_uid: 3006,
    cloud: { org: { name: 'ACME', uid: orgId }, provider: 'Adobe' },
    device: { ip: '198.51.100.7', type: 'Unknown', type_id: 0 },
    metadata: {
      event_code: options.eventCode,
      product: { name: 'Adobe Admin Console Audit Log', vendor_name: 'Adobe' },
      profiles: ['cloud', 'datetime', 'host'],
      tenant_uid: orgId,
      uid: id,
      version: '2026.02.07',
    },
    severity: 'Informational',
    severity_id: 1,
    time: timeMs,
    time_dt: new Date(timeMs).toISOString().replace('.000Z', 'Z'),
    type_name: 'Group Management: Add User',
    type_uid: 300607,
  };
  if (options.user !== null) data['user'] = options.user ?? { email_addr: 'rita@acme.com', uid: 'A1000007@AdobeID' };
  if (options.entity !== null) data['entity'] = options.entity ?? { name: 'AEM-Authors', uid: '800001', type: 'User Group', type_id: 99 };
  return {
    specversion: '1.0',
    type: 'com.adobe.adminconsole.auditlogs.v1',
    source: `https://adminconsole.adobe.com/${orgId}`,
    subject: orgId,
    id,
    time: String(timeMs),
    datacontenttype: 'application/json',
    eventid: id,
    recipientclientid: recipient,
    event_id: id,
    recipient_client_id: recipient,
    data,
  };
}

/** One change of the generic webhook format (§6). */
export function genericChange(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'chg-0001',
    orgId: TEST_ORG_ID,
    occurredAt: '2026-11-23T10:00:00Z',
    type: 'membership.added',
    user: { email: 'jane@acme.com', id: 'A1000001@AdobeID' },
    group: 'AEM-Authors',
    ...overrides,
  };
}

export function genericHeaders(body: Buffer | string, secret: string, timestampSeconds: number): Record<string, string> {
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return {
    'content-type': 'application/json',
    'x-ims-sync-timestamp': String(timestampSeconds),
    'x-ims-sync-signature': `sha256=${genericSignatureOf(secret, String(timestampSeconds), raw)}`,
  };
}

export interface HttpApiEventOptions {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly rawQueryString?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Send the body base64-encoded, as API Gateway does for binary media types. */
  readonly base64?: boolean;
  readonly requestId?: string;
  readonly timeEpoch?: number;
}

/** A realistic API Gateway HTTP API payload v2 event (contracts/aws.md §1). */
export function httpApiEvent(options: HttpApiEventOptions): APIGatewayProxyEventV2 {
  const timeEpoch = options.timeEpoch ?? 1795428001000;
  const headers: Record<string, string> = {
    host: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
    'x-amzn-trace-id': 'Root=1-69a2e3f1-0123456789abcdef01234567',
    'x-forwarded-for': '3.208.120.10',
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
    ...options.headers,
  };
  const query = options.rawQueryString ?? '';
  const queryStringParameters = query ? Object.fromEntries(new URLSearchParams(query)) : undefined;
  const body = options.body === undefined ? undefined : options.base64 ? Buffer.from(options.body, 'utf8').toString('base64') : options.body;
  return {
    version: '2.0',
    routeKey: `${options.method} ${options.path}`,
    rawPath: options.path,
    rawQueryString: query,
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123defg',
      domainName: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
      domainPrefix: 'abc123defg',
      http: {
        method: options.method,
        path: options.path,
        protocol: 'HTTP/1.1',
        sourceIp: '3.208.120.10',
        userAgent: headers['user-agent'] ?? 'curl/8.5.0',
      },
      requestId: options.requestId ?? 'Xq1a2gHxDoEEJkA=',
      routeKey: `${options.method} ${options.path}`,
      stage: '$default',
      time: new Date(timeEpoch).toUTCString(),
      timeEpoch,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: options.base64 ?? false,
  };
}

/** The routes of serverless.yml (contracts/io-events.md §6 writes `/webhook/generic`; the deployed route is plural). */
export const SAMPLE_ADOBE_IO_PATH = '/webhooks/adobe-io';
export const SAMPLE_GENERIC_PATH = '/webhooks/generic';
/** The `x-ims-sync-timestamp` of the generic sample: verify it with nowMs = this × 1000. */
export const SAMPLE_GENERIC_TIMESTAMP = 1795428000;

/** The sample events of `events/`, keyed by file name. Deterministic: same inputs, same bytes. */
export function buildSampleEvents(): Record<string, APIGatewayProxyEventV2> {
  const delivery = JSON.stringify(
    auditCloudEvent({ id: '5b0f7e57-8d8c-4f7e-9d2a-2d3c8a0b1c01', eventCode: 'USER_GROUP_ADD_USER:USER_GROUP', timeMs: 1795427995000 }),
  );
  const generic = JSON.stringify([
    genericChange({ id: 'usst-2026-11-23-0001', type: 'membership.removed', user: { email: 'omar@acme.com' }, group: 'AEM-DAM-Users' }),
    genericChange({ id: 'usst-2026-11-23-0002', type: 'user.changed', user: { email: 'paul@acme.com', id: 'A1000006@AdobeID' }, group: undefined }),
  ]);
  const [key1, key2] = FIXED_TEST_KEYS;
  return {
    'http-adobe-io-challenge.json': httpApiEvent({
      method: 'GET',
      path: SAMPLE_ADOBE_IO_PATH,
      rawQueryString: 'challenge=8ec8d794-e0ab-42df-9017-e3dada8e84f7',
      headers: { 'user-agent': 'Adobe/1.0', accept: '*/*' },
      requestId: 'Xq1a1gHxDoEEJjA=',
    }),
    'http-adobe-io-delivery.json': httpApiEvent({
      method: 'POST',
      path: SAMPLE_ADOBE_IO_PATH,
      headers: { ...ioEventsHeaders(delivery, { key1, key2, eventCode: 'com.adobe.adminconsole.auditlogs.v1' }), 'content-length': String(Buffer.byteLength(delivery)) },
      body: delivery,
      requestId: 'Xq1a2gHxDoEEJkA=',
    }),
    'http-generic-delivery.json': httpApiEvent({
      method: 'POST',
      path: SAMPLE_GENERIC_PATH,
      headers: {
        ...genericHeaders(generic, SAMPLE_GENERIC_SECRET, SAMPLE_GENERIC_TIMESTAMP),
        'user-agent': 'user-sync-tool/2.12',
        'content-length': String(Buffer.byteLength(generic)),
      },
      body: generic,
      requestId: 'Xq1a3gHxDoEEJlA=',
      timeEpoch: SAMPLE_GENERIC_TIMESTAMP * 1000 + 1000,
    }),
  };
}

export const sampleEventText = (event: APIGatewayProxyEventV2): string => `${JSON.stringify(event, null, 2)}\n`;

// `npx tsx test/support/io-events.ts` rewrites events/http-*.json.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const [name, event] of Object.entries(buildSampleEvents())) {
    writeFileSync(new URL(`../../events/${name}`, import.meta.url), sampleEventText(event));
    console.log(`wrote events/${name}`);
  }
}
