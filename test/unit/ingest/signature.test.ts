import { createPublicKey, createVerify } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InvalidSignatureError, TargetUnavailableError } from '../../../lib/errors.js';
import { createPublicKeyCache, type PublicKeyCache } from '../../../lib/ingest/adobe-io/public-keys.js';
import { verifyAdobeIoSignature } from '../../../lib/ingest/adobe-io/signature.js';
import { fromHttpApiEvent, type WebhookRequest } from '../../../lib/ingest/request.js';
import {
  auditCloudEvent,
  FIXED_TEST_KEYS,
  generateSigningKey,
  httpApiEvent,
  ioEventsHeaders,
  signIoEvents,
  startKeyServer,
  type KeyServer,
  type SigningKey,
} from '../../support/io-events.js';
import { fakeClock, recordingTransport } from './support.js';

const body = JSON.stringify(auditCloudEvent({ eventCode: 'USER_GROUP_ADD_USER:USER_GROUP' }));

const request = (headers: Record<string, string>, raw: string | Buffer = body): WebhookRequest => ({
  method: 'POST',
  path: '/webhook/adobe-io',
  query: new URLSearchParams(),
  headers,
  rawBody: typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw,
});

// Two real key pairs generated for this run and served by the local key host; a third, valid key
// that the key host does not serve plays the attacker's.
let key1: SigningKey;
let key2: SigningKey;
const stranger: SigningKey = FIXED_TEST_KEYS[0];
let server: KeyServer;

beforeAll(async () => {
  [key1, key2] = [generateSigningKey(), generateSigningKey()];
  server = await startKeyServer([key1, key2]);
});
afterAll(async () => {
  await server.stop();
});

describe('verifyAdobeIoSignature', () => {
  let keys: PublicKeyCache;

  beforeEach(() => {
    server.faults = {};
    server.resetCounts();
    keys = createPublicKeyCache({ http: recordingTransport().http, clock: fakeClock(), keyHost: server.url });
  });

  it('accepts a delivery signed by both keys', async () => {
    await expect(verifyAdobeIoSignature(request(ioEventsHeaders(body, { key1, key2 })), keys)).resolves.toBeUndefined();
  });

  it('accepts a delivery where only signature 1 is present', async () => {
    await expect(verifyAdobeIoSignature(request(ioEventsHeaders(body, { key1 })), keys)).resolves.toBeUndefined();
  });

  it('accepts a delivery where only signature 2 is present', async () => {
    await expect(verifyAdobeIoSignature(request(ioEventsHeaders(body, { key2 })), keys)).resolves.toBeUndefined();
  });

  it('accepts a delivery where signature 1 is bad but signature 2 verifies', async () => {
    const headers = { ...ioEventsHeaders(body, { key1, key2 }), 'x-adobe-digital-signature-1': signIoEvents(body, stranger) };
    await expect(verifyAdobeIoSignature(request(headers), keys)).resolves.toBeUndefined();
  });

  it('refuses a body changed after signing, naming both signatures', async () => {
    const forged = body.replace('rita@acme.com', 'mallory@acme.com');
    const attempt = verifyAdobeIoSignature(request(ioEventsHeaders(body, { key1, key2 }), forged), keys);
    await expect(attempt).rejects.toThrow(InvalidSignatureError);
    await expect(attempt).rejects.toThrow(/signature 1: does not match the body.*signature 2: does not match the body/);
  });

  it('refuses a body re-serialised after signing: the raw bytes are what is signed', async () => {
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    await expect(verifyAdobeIoSignature(request(ioEventsHeaders(body, { key1, key2 }), pretty), keys)).rejects.toThrow(InvalidSignatureError);
  });

  it('refuses a signature made with a key other than the one at the named path', async () => {
    const headers = { ...ioEventsHeaders(body, { key1 }), 'x-adobe-digital-signature-1': signIoEvents(body, stranger) };
    await expect(verifyAdobeIoSignature(request(headers), keys)).rejects.toThrow(InvalidSignatureError);
  });

  it('refuses an attacker key served from a path the key host does not have', async () => {
    const headers = ioEventsHeaders(body, { key1: stranger });
    await expect(verifyAdobeIoSignature(request(headers), keys)).rejects.toThrow(/no such key/);
  });

  it('refuses a key path pointing at another host, without fetching it', async () => {
    const headers = { ...ioEventsHeaders(body, { key1 }), 'x-adobe-public-key1-path': `https://evil.example${key1.keyPath}` };
    await expect(verifyAdobeIoSignature(request(headers), keys)).rejects.toThrow(InvalidSignatureError);
    expect(server.keyRequests()).toBe(0);
  });

  it('refuses a delivery without digital signatures', async () => {
    await expect(verifyAdobeIoSignature(request({ 'content-type': 'application/json' }), keys)).rejects.toThrow(
      'io-events delivery: no x-adobe-digital-signature-1 or x-adobe-digital-signature-2 header',
    );
  });

  it('never accepts the retired x-adobe-signature HMAC as authentication', async () => {
    await expect(verifyAdobeIoSignature(request({ 'x-adobe-signature': 'c2lnbmF0dXJl' }), keys)).rejects.toThrow(/retired in 2022/);
  });

  it('refuses a signature that is not base64 or has no key path', async () => {
    const headers = { 'x-adobe-digital-signature-1': '%%%not-base64%%%', 'x-adobe-public-key1-path': key1.keyPath, 'x-adobe-digital-signature-2': signIoEvents(body, key2) };
    await expect(verifyAdobeIoSignature(request(headers), keys)).rejects.toThrow(/signature 1: not base64; signature 2: missing x-adobe-public-key2-path/);
  });

  it('answers "unknown" (TargetUnavailableError) when no signature verified because the key host failed', async () => {
    server.faults = { errorRate: 1 };
    await expect(verifyAdobeIoSignature(request(ioEventsHeaders(body, { key1, key2 })), keys)).rejects.toThrow(TargetUnavailableError);
  });

  it('verifies a base64-encoded API Gateway body after decoding it', async () => {
    const event = httpApiEvent({ method: 'POST', path: '/webhook/adobe-io', headers: ioEventsHeaders(body, { key1, key2 }), body, base64: true });
    expect(event.body).not.toBe(body);
    await expect(verifyAdobeIoSignature(fromHttpApiEvent(event), keys)).resolves.toBeUndefined();
  });

  it('verifies a body with non-ASCII characters byte for byte', async () => {
    const accented = JSON.stringify(auditCloudEvent({ eventCode: 'USER_GROUP_ADD_USER', entity: { name: 'Rédacteurs – Zürich', type: 'User Group' } }));
    await expect(verifyAdobeIoSignature(request(ioEventsHeaders(accented, { key1 }), accented), keys)).resolves.toBeUndefined();
  });
});

/**
 * Adobe's algorithm as described in its webhook guide and implemented by @adobe/aio-lib-events
 * (contracts/io-events.md §3, §7): build a public key object from the PEM as SPKI, verify RSA-SHA256
 * over the UTF-8 payload with the base64-decoded signature, either signature suffices. Written
 * independently here (no extra dependency) to check that the project's verifier agrees with it.
 */
function adobeDescribedVerify(payload: string, signatures: Array<{ signature: string; pem: string }>): boolean {
  return signatures.some(({ signature, pem }) => {
    try {
      const publicKey = createPublicKey({ key: pem, format: 'pem', type: 'spki' });
      const verifier = createVerify('RSA-SHA256');
      verifier.update(new TextEncoder().encode(payload));
      return verifier.verify(publicKey, Buffer.from(signature, 'base64'));
    } catch {
      return false;
    }
  });
}

describe('verifyAdobeIoSignature agrees with the algorithm Adobe describes', () => {
  it('gives the same verdict on valid, forged, wrong-key and one-of-two cases', async () => {
    const cases: Array<{ name: string; signedWith: [SigningKey, SigningKey]; sent: (b: string) => string }> = [
      { name: 'both valid', signedWith: [key1, key2], sent: (b) => b },
      { name: 'only 1 valid', signedWith: [key1, stranger], sent: (b) => b },
      { name: 'only 2 valid', signedWith: [stranger, key2], sent: (b) => b },
      { name: 'forged body', signedWith: [key1, key2], sent: (b) => b.replace('AEM-Authors', 'AEM-Admins') },
      { name: 'both wrong keys', signedWith: [stranger, stranger], sent: (b) => b },
      { name: 'trailing newline added', signedWith: [key1, key2], sent: (b) => `${b}\n` },
    ];
    const keys = createPublicKeyCache({ http: recordingTransport().http, clock: fakeClock(), keyHost: server.url });
    const verdicts: Array<[string, boolean, boolean]> = [];
    for (const c of cases) {
      const [signer1, signer2] = c.signedWith;
      const sig1 = signIoEvents(body, signer1);
      const sig2 = signIoEvents(body, signer2);
      const sent = c.sent(body);
      const headers = {
        'x-adobe-digital-signature-1': sig1,
        'x-adobe-public-key1-path': key1.keyPath,
        'x-adobe-digital-signature-2': sig2,
        'x-adobe-public-key2-path': key2.keyPath,
      };
      const ours = await verifyAdobeIoSignature(request(headers, sent), keys).then(
        () => true,
        () => false,
      );
      const theirs = adobeDescribedVerify(sent, [
        { signature: sig1, pem: key1.publicKeyPem },
        { signature: sig2, pem: key2.publicKeyPem },
      ]);
      verdicts.push([c.name, ours, theirs]);
    }
    expect(verdicts.map(([name, ours, theirs]) => [name, ours === theirs])).toEqual(verdicts.map(([name]) => [name, true]));
    expect(verdicts.map(([name, ours]) => [name, ours])).toEqual([
      ['both valid', true],
      ['only 1 valid', true],
      ['only 2 valid', true],
      ['forged body', false],
      ['both wrong keys', false],
      ['trailing newline added', false],
    ]);
  });
});
