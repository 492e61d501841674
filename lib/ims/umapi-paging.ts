/**
 * Reading every page of a UMAPI listing (contracts/ims-and-umapi.md §3.1). The page size is read,
 * never assumed; asking past the last page returns the last page again, so the loop stops on
 * `lastPage: true` and checks the sequence against the paging headers. Any sign that the list is
 * not whole raises IncompleteReadError: a partial list must never pass for the org's state.
 */
import { IncompleteReadError, ProtocolError, TargetUnavailableError } from '../errors.js';
import type { ReadProgress } from './port.js';
import type { UmapiAnswer } from './umapi-request.js';

/** A guard for servers that send no X-Page-Count: 1000 pages of 2000 is twice the largest org we know of. */
const MAX_PAGES = 1000;

export interface PagedRead<T> {
  /** e.g. "GET users"; the page number is appended. */
  readonly call: string;
  fetchPage(page: number, call: string): Promise<UmapiAnswer>;
  parsePage(answer: UmapiAnswer, call: string): { items: T[]; lastPage: boolean };
  /** Stable identity of an item, to notice a page served twice or an org changing under the read. */
  key(item: T): string;
  /** A 404 on page 0 meaning "does not exist" (answered as undefined). */
  isMissing?(answer: UmapiAnswer): boolean;
  onPage?(progress: ReadProgress): void;
}

export async function readAllPages<T>(read: PagedRead<T>): Promise<T[] | undefined> {
  const items: T[] = [];
  const seen = new Set<string>();
  let total: number | undefined;
  let pageCount: number | undefined;
  const incomplete = (page: number, why: string, cause?: unknown): IncompleteReadError =>
    new IncompleteReadError('umapi', `umapi ${read.call}: read stopped at page ${page} after ${items.length} items: ${why}`, { cause });

  for (let page = 0; ; page += 1) {
    if (pageCount !== undefined && page >= pageCount) throw incomplete(page, `more pages than X-Page-Count ${pageCount} without lastPage`);
    if (page >= MAX_PAGES) throw incomplete(page, `more than ${MAX_PAGES} pages without lastPage`);
    const call = `${read.call} page ${page}`;

    let answer: UmapiAnswer;
    try {
      answer = await read.fetchPage(page, call);
    } catch (error) {
      // Throttling, refused credentials and malformed answers keep their own meaning; anything
      // unavailable mid-read makes the whole list unknown.
      if (error instanceof TargetUnavailableError) throw incomplete(page, error.message, error);
      throw error;
    }
    if (answer.status === 404) {
      if (page === 0 && read.isMissing?.(answer)) return undefined;
      throw incomplete(page, `HTTP 404 (${answer.body.slice(0, 200)})`);
    }

    const headerTotal = intHeader(answer, 'x-total-count', call);
    const headerPages = intHeader(answer, 'x-page-count', call);
    const headerPage = intHeader(answer, 'x-current-page', call);
    if (headerPage !== undefined && headerPage !== page) throw incomplete(page, `asked for page ${page}, was served page ${headerPage}`);
    if (headerTotal !== undefined) {
      if (total !== undefined && total !== headerTotal) throw incomplete(page, `X-Total-Count changed from ${total} to ${headerTotal} during the read`);
      total = headerTotal;
    }
    if (headerPages !== undefined) {
      if (pageCount !== undefined && pageCount !== headerPages) throw incomplete(page, `X-Page-Count changed from ${pageCount} to ${headerPages} during the read`);
      pageCount = headerPages;
    }

    const { items: pageItems, lastPage } = read.parsePage(answer, call);
    if (pageItems.length === 0 && !lastPage) throw incomplete(page, 'an empty page that is not the last');
    for (const item of pageItems) {
      const key = read.key(item);
      if (seen.has(key)) throw incomplete(page, `"${key}" listed twice (a page served twice, or the org changed during the read)`);
      seen.add(key);
      items.push(item);
    }
    read.onPage?.({ page, usersSoFar: items.length, ...(total !== undefined ? { totalUsers: total } : {}) });
    if (lastPage) {
      // lastPage on a page before the one X-Page-Count names as last means the server cut the
      // list short; accepting it would hand back a partial org (contract §3.1).
      if (pageCount !== undefined && page + 1 < pageCount) throw incomplete(page, `lastPage on page ${page} but X-Page-Count is ${pageCount}`);
      break;
    }
  }

  if (total !== undefined && items.length !== total) {
    throw new IncompleteReadError('umapi', `umapi ${read.call}: read ${items.length} items over every page, but X-Total-Count is ${total}`);
  }
  return items;
}

/** Paging headers are strings (contract §3.1); absent is allowed, unreadable is not. */
function intHeader(answer: UmapiAnswer, name: string, call: string): number | undefined {
  const value = answer.headers[name];
  if (value === undefined || value.trim() === '') return undefined;
  if (!/^\d+$/.test(value.trim())) {
    throw new ProtocolError('umapi', `umapi ${call} (request ${answer.requestId}): header ${name} is not a whole number: "${value.slice(0, 40)}"`);
  }
  return Number(value.trim());
}
