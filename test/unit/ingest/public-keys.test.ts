import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, InvalidSignatureError, TargetUnavailableError } from '../../../lib/errors.js';
import { createPublicKeyCache, MAX_KEY_AGE_MS } from '../../../lib/ingest/adobe-io/public-keys.js';
import { FIXED_TEST_KEYS, generateSigningKey, startKeyServer, type KeyServer, type SigningKey } from '../../support/io-events.js';
import { fakeClock, recordingTransport } from './support.js';

describe('Adobe I/O public key cache', () => {
  let key: SigningKey;
  let server: KeyServer;

  beforeAll(async () => {
    key = generateSigningKey();
    server = await startKeyServer([key]);
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(() => {
    server.resetCounts();
    server.faults = {};
  });

  const cacheFor = (options: { maxAgeMs?: number } = {}) => {
    const clock = fakeClock();
    const transport = recordingTransport();
    const keys = createPublicKeyCache({ http: transport.http, clock, keyHost: server.url, ...options });
    return { keys, clock, urls: transport.urls };
  };

  it('fetches the PEM from the key host over HTTP', async () => {
    const { keys, urls } = cacheFor();
    expect(await keys.get(key.keyPath)).toBe(key.publicKeyPem);
    expect(urls).toEqual([`${server.url}${key.keyPath}`]);
  });

  it('serves a cached key without asking again, until the max age has passed', async () => {
    const { keys, clock } = cacheFor({ maxAgeMs: 60_000 });
    await keys.get(key.keyPath);
    await keys.get(key.keyPath);
    clock.advance(59_999);
    await keys.get(key.keyPath);
    expect(server.keyRequests()).toBe(1);

    clock.advance(1);
    await keys.get(key.keyPath);
    expect(server.keyRequests()).toBe(2);
  });

  it('keeps keys for 24 h by default and never longer', async () => {
    const { keys, clock } = cacheFor();
    await keys.get(key.keyPath);
    clock.advance(MAX_KEY_AGE_MS - 1);
    await keys.get(key.keyPath);
    expect(server.keyRequests()).toBe(1);
    clock.advance(1);
    await keys.get(key.keyPath);
    expect(server.keyRequests()).toBe(2);
    expect(() => createPublicKeyCache({ http: recordingTransport().http, clock, keyHost: server.url, maxAgeMs: MAX_KEY_AGE_MS + 1 })).toThrow(ConfigError);
  });

  it('shares one fetch between concurrent requests for the same key', async () => {
    const { keys } = cacheFor();
    const pems = await Promise.all([keys.get(key.keyPath), keys.get(key.keyPath), keys.get(key.keyPath)]);
    expect(pems).toEqual([key.publicKeyPem, key.publicKeyPem, key.publicKeyPem]);
    expect(server.keyRequests()).toBe(1);
  });

  it.each([
    ['another host, absolute', `https://evil.example/prod/keys/pub-key-${'a'.repeat(36)}.pem`],
    ['another host, scheme-relative', `//evil.example/prod/keys/pub-key-${'a'.repeat(36)}.pem`],
    ['a credentials trick', `@evil.example/prod/keys/pub-key-${'a'.repeat(36)}.pem`],
    ['a traversal', '/prod/keys/../../etc/passwd.pem'],
    ['an encoded traversal', '/prod/keys/pub-key-%2e%2e%2fsecret.pem'],
    ['a query string', `/prod/keys/pub-key-${'a'.repeat(36)}.pem?x=1`],
    ['the stage folder', `/stage/keys/pub-key-${'a'.repeat(36)}.pem`],
    ['another file name', '/prod/keys/private-key-0123456789.pem'],
    ['a too-short id', '/prod/keys/pub-key-abc.pem'],
    ['an empty path', ''],
  ])('refuses %s without fetching anything', async (_name, path) => {
    const { keys, urls } = cacheFor();
    await expect(keys.get(path)).rejects.toThrow(InvalidSignatureError);
    expect(urls).toEqual([]);
    expect(server.keyRequests()).toBe(0);
  });

  it('accepts the short random ids Adobe serves as well as UUIDs', async () => {
    const short = { ...FIXED_TEST_KEYS[0], keyPath: '/prod/keys/pub-key-0eVF88tU5Q.pem' };
    server.serve(short);
    const { keys } = cacheFor();
    expect(await keys.get(short.keyPath)).toBe(short.publicKeyPem);
  });

  it('treats a key the host does not have as an invalid signature, and does not cache the miss', async () => {
    const { keys } = cacheFor();
    const missing = '/prod/keys/pub-key-11111111-2222-4333-8444-555555555555.pem';
    await expect(keys.get(missing)).rejects.toThrow(/no such key .*HTTP 404/);
    await expect(keys.get(missing)).rejects.toThrow(InvalidSignatureError);
    expect(server.keyRequests()).toBe(2);
  });

  it('reports a failing key host as unavailable (so Adobe retries), and recovers after it', async () => {
    const { keys } = cacheFor();
    server.faults = { errorRate: 1 };
    await expect(keys.get(key.keyPath)).rejects.toThrow(TargetUnavailableError);
    server.faults = {};
    expect(await keys.get(key.keyPath)).toBe(key.publicKeyPem);
  });

  it('reports an unreachable key host as unavailable', async () => {
    const clock = fakeClock();
    const keys = createPublicKeyCache({ http: recordingTransport().http, clock, keyHost: 'http://127.0.0.1:9', timeoutMs: 500 });
    await expect(keys.get(key.keyPath)).rejects.toThrow(TargetUnavailableError);
  });

  it('refuses an answer that is not a PEM public key, even a private key', async () => {
    const odd = { ...FIXED_TEST_KEYS[1], keyPath: '/prod/keys/pub-key-not-a-public-key.pem' };
    server.serveRaw(odd.keyPath, odd.privateKeyPem);
    const { keys } = cacheFor();
    await expect(keys.get(odd.keyPath)).rejects.toThrow(/not a PEM RSA public key/);
    server.serveRaw(odd.keyPath, '<html>maintenance</html>');
    await expect(keys.get(odd.keyPath)).rejects.toThrow(TargetUnavailableError);
  });

  it('refuses a key host that is not a bare origin', () => {
    const clock = fakeClock();
    const http = recordingTransport().http;
    expect(() => createPublicKeyCache({ http, clock, keyHost: 'https://static.adobeioevents.com/prod' })).toThrow(ConfigError);
    expect(() => createPublicKeyCache({ http, clock, keyHost: 'static.adobeioevents.com' })).toThrow(ConfigError);
  });
});
