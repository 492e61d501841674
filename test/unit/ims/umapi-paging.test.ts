import { describe, expect, it } from 'vitest';
import { IncompleteReadError, ProtocolError } from '../../../lib/errors.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../lib/http.js';
import { createUmapiClient } from '../../../lib/ims/umapi.js';
import { fakeClock } from '../../support/clock.js';

type Page = { users: { id: string; email: string }[]; lastPage: boolean; headers?: Record<string, string> };

/** Serves scripted pages by page number, recording every request. */
function pagedTransport(pages: Page[]): HttpTransport & { requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const transport = async (request: HttpRequest): Promise<HttpResponse> => {
    requests.push(request);
    const page = Number(/\/users\/[^/]+\/(\d+)/.exec(request.url)?.[1]);
    const answer = pages[Math.min(page, pages.length - 1)] as Page;
    return { status: 200, headers: answer.headers ?? {}, body: JSON.stringify({ lastPage: answer.lastPage, result: 'success', users: answer.users }) };
  };
  return Object.assign(transport, { requests });
}

const user = (n: number) => ({ id: `U${n}@AdobeID`, email: `u${n}@acme.com` });

function clientOver(http: HttpTransport) {
  return createUmapiClient({
    http,
    clock: fakeClock(),
    tokens: { getToken: async () => 'token', invalidate: () => {} },
    limiter: { acquire: async () => {} },
    baseUrl: 'https://umapi.example/v2/usermanagement/',
    orgId: 'ABC@AdobeOrg',
    clientId: 'client',
  });
}

describe('UMAPI paging checks', () => {
  it('follows lastPage when the server sends no paging headers, with the page size it chose', async () => {
    const http = pagedTransport([
      { users: [user(1), user(2), user(3)], lastPage: false },
      { users: [user(4)], lastPage: true },
    ]);

    const users = await clientOver(http).listUsers();

    expect(users.map((u) => u.id)).toEqual(['U1@AdobeID', 'U2@AdobeID', 'U3@AdobeID', 'U4@AdobeID']);
    expect(http.requests.map((r) => r.url)).toEqual([
      'https://umapi.example/v2/usermanagement/users/ABC%40AdobeOrg/0?directOnly=false',
      'https://umapi.example/v2/usermanagement/users/ABC%40AdobeOrg/1?directOnly=false',
    ]);
    expect(http.requests[0]?.headers).toMatchObject({ authorization: 'Bearer token', 'x-api-key': 'client' });
    expect(http.requests[0]?.headers?.['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('stops with IncompleteReadError after more pages than X-Page-Count', async () => {
    const headers = { 'x-page-count': '1' };
    const http = pagedTransport([
      { users: [user(1)], lastPage: false, headers },
      { users: [user(2)], lastPage: false, headers },
    ]);

    await expect(clientOver(http).listUsers()).rejects.toBeInstanceOf(IncompleteReadError);
    expect(http.requests).toHaveLength(1);
  });

  it('stops with IncompleteReadError when lastPage comes before the last page X-Page-Count names', async () => {
    const headers = { 'x-page-count': '3' };
    const http = pagedTransport([
      { users: [user(1)], lastPage: true, headers },
      { users: [user(2)], lastPage: false, headers },
      { users: [user(3)], lastPage: true, headers },
    ]);

    await expect(clientOver(http).listUsers()).rejects.toThrow(/lastPage on page 0 but X-Page-Count is 3/);
    expect(http.requests).toHaveLength(1);
  });

  it('accepts lastPage on the page X-Page-Count names as last', async () => {
    const headers = { 'x-page-count': '2' };
    const http = pagedTransport([
      { users: [user(1)], lastPage: false, headers },
      { users: [user(2)], lastPage: true, headers },
    ]);

    const users = await clientOver(http).listUsers();

    expect(users.map((u) => u.id)).toEqual(['U1@AdobeID', 'U2@AdobeID']);
  });

  it('stops when X-Total-Count changes during the read', async () => {
    const http = pagedTransport([
      { users: [user(1)], lastPage: false, headers: { 'x-total-count': '2' } },
      { users: [user(2)], lastPage: true, headers: { 'x-total-count': '3' } },
    ]);

    await expect(clientOver(http).listUsers()).rejects.toThrow(/X-Total-Count changed/);
  });

  it('stops when a user shows up twice', async () => {
    const http = pagedTransport([
      { users: [user(1), user(2)], lastPage: false },
      { users: [user(2), user(3)], lastPage: true },
    ]);

    await expect(clientOver(http).listUsers()).rejects.toThrow(/listed twice/);
  });

  it('refuses an unreadable paging header as a protocol error', async () => {
    const http = pagedTransport([{ users: [user(1)], lastPage: true, headers: { 'x-total-count': 'many' } }]);

    await expect(clientOver(http).listUsers()).rejects.toBeInstanceOf(ProtocolError);
  });
});
