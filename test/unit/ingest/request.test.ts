import { describe, expect, it } from 'vitest';
import { isChallenge, validationUrlOf } from '../../../lib/ingest/adobe-io/envelope.js';
import { fromHttpApiEvent } from '../../../lib/ingest/request.js';
import { httpApiEvent } from '../../support/io-events.js';

describe('fromHttpApiEvent', () => {
  it('keeps method, path, query, lower-cased headers and the body bytes', () => {
    const event = httpApiEvent({ method: 'POST', path: '/webhook/generic', rawQueryString: 'a=1&b=two', headers: { 'X-Ims-Sync-Timestamp': '1' }, body: '{"é":1}' });
    const request = fromHttpApiEvent(event);
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/webhook/generic');
    expect(request.query.get('b')).toBe('two');
    expect(request.headers['x-ims-sync-timestamp']).toBe('1');
    expect(request.rawBody.equals(Buffer.from('{"é":1}', 'utf8'))).toBe(true);
  });

  it('decodes a base64-encoded body to the original bytes', () => {
    const request = fromHttpApiEvent(httpApiEvent({ method: 'POST', path: '/x', body: '{"é":1}', base64: true }));
    expect(request.rawBody.toString('utf8')).toBe('{"é":1}');
  });

  it('gives an empty body when there is none', () => {
    expect(fromHttpApiEvent(httpApiEvent({ method: 'GET', path: '/x' })).rawBody.length).toBe(0);
  });
});

describe('isChallenge', () => {
  const get = (query: string, method: 'GET' | 'POST' = 'GET') => fromHttpApiEvent(httpApiEvent({ method, path: '/webhook/adobe-io', rawQueryString: query }));

  it('returns the challenge of a registration GET', () => {
    expect(isChallenge(get('challenge=8ec8d794-e0ab-42df-9017-e3dada8e84f7'))).toBe('8ec8d794-e0ab-42df-9017-e3dada8e84f7');
  });

  it('ignores POSTs, missing values and values that are not plain printable text', () => {
    expect(isChallenge(get('challenge=abc', 'POST'))).toBeUndefined();
    expect(isChallenge(get('other=abc'))).toBeUndefined();
    expect(isChallenge(get('challenge='))).toBeUndefined();
    expect(isChallenge(get('challenge=%3Cscript%3E%20x'))).toBeUndefined();
    expect(isChallenge(get(`challenge=${'a'.repeat(513)}`))).toBeUndefined();
  });
});

describe('validationUrlOf', () => {
  it('returns the https validation URL of an asynchronous-validation POST', () => {
    const url = 'https://csm.adobe.io/csm/registrations/validate?id=1&challenge=2';
    expect(validationUrlOf(Buffer.from(JSON.stringify({ validationUrl: url })))).toBe(url);
    expect(validationUrlOf(Buffer.from('{"validationUrl":"https://adobe.io/validate"}'))).toBe('https://adobe.io/validate');
  });

  it('returns undefined for deliveries, non-https or non-adobe.io URLs and garbage', () => {
    expect(validationUrlOf(Buffer.from('{"specversion":"1.0"}'))).toBeUndefined();
    expect(validationUrlOf(Buffer.from('{"validationUrl":"http://169.254.169.254/latest"}'))).toBeUndefined();
    expect(validationUrlOf(Buffer.from('{"validationUrl":42}'))).toBeUndefined();
    for (const url of ['https://evil.example/adobe.io', 'https://adobe.io.evil.example/x', 'https://notadobe.io/x', 'https://csm.adobe.io@evil.example/x', 'http://csm.adobe.io/x']) {
      expect(validationUrlOf(Buffer.from(JSON.stringify({ validationUrl: url }))), url).toBeUndefined();
    }
    expect(validationUrlOf(Buffer.from('not json'))).toBeUndefined();
    expect(validationUrlOf(Buffer.from('[]'))).toBeUndefined();
    expect(validationUrlOf(Buffer.alloc(0))).toBeUndefined();
  });
});
