import { describe, expect, it } from 'vitest';
import { IncompleteReadError, ProtocolError } from '../../../lib/errors.js';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../lib/http.js';
import type { ReadChurn } from '../../../lib/ims/port.js';
import { createUmapiClient } from '../../../lib/ims/umapi.js';
import { fakeClock } from '../../support/clock.js';

type Page = { users: { id: string; email: string; firstname?: string }[]; lastPage: boolean; headers?: Record<string, string> };

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

describe('UMAPI paging of an org that changes during the read (opt-in onChurn)', () => {
  const pages = (total: string, count: string, page: number) => ({ 'x-total-count': total, 'x-page-count': count, 'x-current-page': String(page) });

  it('reads to lastPage through a changing total and a user repeated across pages: one record per user, the later one, and reports the churn', async () => {
    // Two a page. u0 joined at the front after page 0 was read: u2 shifts onto page 1 (listed twice)
    // and the total grows; u0 itself is on page 0, already read, so it is not listed.
    const http = pagedTransport([
      { users: [user(1), { ...user(2), firstname: 'Old' }], lastPage: false, headers: pages('5', '3', 0) },
      { users: [{ ...user(2), firstname: 'New' }, user(3)], lastPage: false, headers: pages('6', '3', 1) },
      { users: [user(4), user(5)], lastPage: true, headers: pages('6', '3', 2) },
    ]);
    const churns: ReadChurn[] = [];

    const users = await clientOver(http).listUsers({ onChurn: (churn) => churns.push(churn) });

    expect(users.map((u) => u.id)).toEqual(['U1@AdobeID', 'U2@AdobeID', 'U3@AdobeID', 'U4@AdobeID', 'U5@AdobeID']);
    expect(users.find((u) => u.id === 'U2@AdobeID')?.firstname).toBe('New');
    expect(churns).toHaveLength(1);
    expect(churns[0]?.listed).toBe(5);
    expect(churns[0]?.signs.join('\n')).toMatch(/X-Total-Count changed from 5 to 6/);
    expect(churns[0]?.signs.join('\n')).toMatch(/"U2@AdobeID" listed twice/);
  });

  it('ends the read when the list shrank below the page asked and its last page is served again', async () => {
    // Three pages when the read began; two by the time page 2 is asked: page 1 comes back, lastPage.
    const http = pagedTransport([
      { users: [user(1), user(2)], lastPage: false, headers: pages('5', '3', 0) },
      { users: [user(3), user(4)], lastPage: false, headers: pages('5', '3', 1) },
      { users: [user(3), user(5)], lastPage: true, headers: pages('4', '2', 1) },
    ]);
    const churns: ReadChurn[] = [];

    const users = await clientOver(http).listUsers({ onChurn: (churn) => churns.push(churn) });

    expect(users.map((u) => u.id)).toEqual(['U1@AdobeID', 'U2@AdobeID', 'U3@AdobeID', 'U4@AdobeID', 'U5@AdobeID']);
    expect(churns[0]?.signs.join('\n')).toMatch(/shrank to 2 pages/);
  });

  it('still raises when a total that never moved disagrees with the users served: a list cut short, not an org that changed', async () => {
    const http = pagedTransport([
      { users: [user(1)], lastPage: false, headers: pages('9', '2', 0) },
      { users: [user(2)], lastPage: true, headers: pages('9', '2', 1) },
    ]);

    await expect(clientOver(http).listUsers({ onChurn: () => {} })).rejects.toThrow(/read 2 items over every page, but X-Total-Count is 9/);
  });

  it('reports nothing when the org did not change', async () => {
    const http = pagedTransport([
      { users: [user(1)], lastPage: false, headers: pages('2', '2', 0) },
      { users: [user(2)], lastPage: true, headers: pages('2', '2', 1) },
    ]);
    const churns: ReadChurn[] = [];

    await clientOver(http).listUsers({ onChurn: (churn) => churns.push(churn) });

    expect(churns).toEqual([]);
  });

  it('still raises on protocol failures: the wrong page served, an empty page that is not the last, lastPage before X-Page-Count says', async () => {
    const onChurn = () => {};
    const wrongPage = pagedTransport([
      { users: [user(1)], lastPage: false, headers: pages('3', '3', 0) },
      { users: [user(1)], lastPage: false, headers: pages('3', '3', 0) },
    ]);
    const empty = pagedTransport([
      { users: [user(1)], lastPage: false, headers: pages('3', '3', 0) },
      { users: [], lastPage: false, headers: pages('3', '3', 1) },
    ]);
    const cutShort = pagedTransport([
      { users: [user(1)], lastPage: false, headers: pages('3', '3', 0) },
      { users: [user(2)], lastPage: true, headers: pages('4', '3', 1) },
    ]);

    await expect(clientOver(wrongPage).listUsers({ onChurn })).rejects.toThrow(/asked for page 1, was served page 0/);
    await expect(clientOver(empty).listUsers({ onChurn })).rejects.toThrow(/an empty page that is not the last/);
    await expect(clientOver(cutShort).listUsers({ onChurn })).rejects.toThrow(/lastPage on page 1 but X-Page-Count is 3/);
  });

  it('keeps the strict read for callers that do not opt in: the group member list and the group list', async () => {
    const http = pagedTransport([
      { users: [user(1), user(2)], lastPage: false, headers: { 'x-total-count': '3' } },
      { users: [user(2), user(3)], lastPage: true, headers: { 'x-total-count': '4' } },
    ]);

    await expect(clientOver(http).listGroupUsers('Authors')).rejects.toBeInstanceOf(IncompleteReadError);
    await expect(clientOver(http).listUsers()).rejects.toBeInstanceOf(IncompleteReadError);
  });
});
