import { describe, expect, it } from 'vitest';
import { toHttpApiEvent } from '../../../local/http-door.js';

describe('the local stack’s HTTP door', () => {
  it('hands over the path and query exactly as sent, as API Gateway’s rawPath and rawQueryString', async () => {
    const event = toHttpApiEvent({ method: 'get', url: "//webhooks/adobe-io?challenge=it's&x=1&x=2", headers: { host: 'localhost' }, sourceIp: '127.0.0.1' }, Buffer.from(''), 0);
    expect(event.rawPath).toBe('//webhooks/adobe-io');
    expect(event.rawQueryString).toBe("challenge=it's&x=1&x=2");
    expect(event.queryStringParameters).toEqual({ challenge: "it's", x: '1,2' });
    expect(event.requestContext.http.method).toBe('GET');
  });
});
