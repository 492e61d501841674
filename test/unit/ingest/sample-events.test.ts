/**
 * The sample API Gateway events in `events/` stay in step with their generator, and each one goes
 * through the real ingestion pieces: the request, the verifier (keys over real HTTP), the parser.
 */
import { readFileSync } from 'node:fs';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isChallenge, parseAdobeIoDelivery } from '../../../lib/ingest/adobe-io/envelope.js';
import { createPublicKeyCache } from '../../../lib/ingest/adobe-io/public-keys.js';
import { verifyAdobeIoSignature } from '../../../lib/ingest/adobe-io/signature.js';
import { parseGenericDelivery, verifyGenericSignature } from '../../../lib/ingest/generic.js';
import { fromHttpApiEvent } from '../../../lib/ingest/request.js';
import {
  buildSampleEvents,
  FIXED_TEST_KEYS,
  SAMPLE_GENERIC_SECRET,
  SAMPLE_GENERIC_TIMESTAMP,
  sampleEventText,
  startKeyServer,
  TEST_CLIENT_ID,
  TEST_ORG_ID,
  type KeyServer,
} from '../../support/io-events.js';
import { fakeClock, recordingTransport } from './support.js';

const read = (name: string): string => readFileSync(new URL(`../../../events/${name}`, import.meta.url), 'utf8');
const load = (name: string): APIGatewayProxyEventV2 => JSON.parse(read(name)) as APIGatewayProxyEventV2;

describe('events/http-*.json', () => {
  let server: KeyServer;
  beforeAll(async () => {
    server = await startKeyServer(FIXED_TEST_KEYS);
  });
  afterAll(async () => {
    await server.stop();
  });

  it('are exactly what test/support/io-events.ts generates (regenerate: npx tsx test/support/io-events.ts)', () => {
    for (const [name, event] of Object.entries(buildSampleEvents())) expect(read(name), name).toBe(sampleEventText(event));
  });

  it('challenge: answers the challenge value', () => {
    expect(isChallenge(fromHttpApiEvent(load('http-adobe-io-challenge.json')))).toBe('8ec8d794-e0ab-42df-9017-e3dada8e84f7');
  });

  it('adobe-io delivery: verifies with the fixed test keys and yields one delta', async () => {
    const request = fromHttpApiEvent(load('http-adobe-io-delivery.json'));
    const keys = createPublicKeyCache({ http: recordingTransport().http, clock: fakeClock(), keyHost: server.url });
    await verifyAdobeIoSignature(request, keys);
    const result = parseAdobeIoDelivery(request.rawBody, { clientId: TEST_CLIENT_ID, orgId: TEST_ORG_ID }, { correlationId: request.headers['x-adobe-event-id'] ?? '', receivedAt: '2026-11-23T10:00:01.000Z' });
    expect(result.messages).toEqual([
      {
        kind: 'delta',
        id: expect.stringMatching(/^5b0f7e57-8d8c-4f7e-9d2a-2d3c8a0b1c01#[0-9a-f]{24}$/),
        occurredAt: '2026-11-23T09:59:55.000Z',
        correlationId: '5b0f7e57-8d8c-4f7e-9d2a-2d3c8a0b1c01',
        source: 'adobe-io',
        actor: 'admin@acme.com',
        change: 'membership.added',
        user: { email: 'rita@acme.com', id: 'A1000007@AdobeID' },
        group: 'AEM-Authors',
      },
    ]);
  });

  it('generic delivery: verifies with the sample secret at its timestamp and yields a delta and a hint', () => {
    const request = fromHttpApiEvent(load('http-generic-delivery.json'));
    verifyGenericSignature(request, SAMPLE_GENERIC_SECRET, SAMPLE_GENERIC_TIMESTAMP * 1000 + 1000, 300);
    const { messages } = parseGenericDelivery(request.rawBody, TEST_ORG_ID, {
      correlationId: 'req-1',
      receivedAt: new Date(SAMPLE_GENERIC_TIMESTAMP * 1000 + 1000).toISOString(),
    });
    expect(messages.map((m) => [m.kind, m.id])).toEqual([
      ['delta', expect.stringMatching(/^usst-2026-11-23-0001#/)],
      ['hint', expect.stringMatching(/^usst-2026-11-23-0002#/)],
    ]);
  });
});
