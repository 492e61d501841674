/**
 * Reading every page of a UMAPI listing (contracts/ims-and-umapi.md §3.1). The page size is read,
 * never assumed; asking past the last page returns the last page again, so the loop stops on
 * `lastPage: true` and checks the sequence against the paging headers. Any sign that the list is
 * not whole raises IncompleteReadError: a partial list must never pass for the org's state.
 *
 * Unless the caller opts in with `onChurn`: a live org changes during a long read (at 25 user pages
 * a minute, 20k users take minutes), and users shift across page boundaries as others are removed
 * or added. Such a caller gets every user the read listed, is told the list churned, and must take
 * users missing from it as unknown, never as gone. Protocol failures still raise.
 */
import { IncompleteReadError, ProtocolError, TargetUnavailableError } from '../errors.js';
import type { ReadChurn, ReadProgress } from './port.js';
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
  /**
   * Opting in to a list that may have changed during the read: a changed X-Total-Count or
   * X-Page-Count, or a key listed again, no longer raises. The read goes on to `lastPage`, keeps one
   * item per key (a later page's record wins: it was read later), and calls this once at the end.
   * Without it, any such sign raises IncompleteReadError.
   */
  onChurn?(churn: ReadChurn): void;
}

/** Signs of change kept for the log; a busy org can show hundreds of repeats. */
const MAX_SIGNS = 10;

export async function readAllPages<T>(read: PagedRead<T>): Promise<T[] | undefined> {
  const byKey = new Map<string, T>();
  const signs: string[] = [];
  let signCount = 0;
  let total: number | undefined;
  let pageCount: number | undefined;
  const incomplete = (page: number, why: string, cause?: unknown): IncompleteReadError =>
    new IncompleteReadError('umapi', `umapi ${read.call}: read stopped at page ${page} after ${byKey.size} items: ${why}`, { cause });
  /** A sign the list changed under the read: fatal unless the caller opted in. */
  const changed = (page: number, why: string): void => {
    if (read.onChurn === undefined) throw incomplete(page, why);
    signCount += 1;
    if (signs.length < MAX_SIGNS) signs.push(`page ${page}: ${why}`);
  };
  /** One item per key; a repeat is a sign of change, and the later record (read later) wins. */
  const keep = (pageItems: readonly T[], page: number): void => {
    for (const item of pageItems) {
      const key = read.key(item);
      if (byKey.has(key)) changed(page, `"${key}" listed twice (a page served twice, or the org changed during the read)`);
      byKey.set(key, item);
    }
  };

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
    // Asking past the last page answers the last page again (§3.1): when the list shrank below the
    // page asked, the server's own page count says so, and the list has ended there. Any other page
    // served in place of the one asked is a protocol failure, churn or not.
    const shrankPast = read.onChurn !== undefined && headerPages !== undefined && page >= headerPages && headerPage === headerPages - 1;
    if (headerPage !== undefined && headerPage !== page && !shrankPast) throw incomplete(page, `asked for page ${page}, was served page ${headerPage}`);
    if (headerTotal !== undefined) {
      if (total !== undefined && total !== headerTotal) changed(page, `X-Total-Count changed from ${total} to ${headerTotal} during the read`);
      total = headerTotal;
    }
    if (headerPages !== undefined) {
      if (pageCount !== undefined && pageCount !== headerPages) changed(page, `X-Page-Count changed from ${pageCount} to ${headerPages} during the read`);
      pageCount = headerPages;
    }

    const { items: pageItems, lastPage } = read.parsePage(answer, call);
    if (shrankPast) {
      if (!lastPage) throw incomplete(page, `asked for page ${page}, was served page ${headerPage} (not the last)`);
      changed(page, `the list shrank to ${headerPages} pages during the read: its last page was served again`);
      keep(pageItems, page);
      break;
    }
    if (pageItems.length === 0 && !lastPage) throw incomplete(page, 'an empty page that is not the last');
    keep(pageItems, page);
    read.onPage?.({ page, usersSoFar: byKey.size, ...(total !== undefined ? { totalUsers: total } : {}) });
    if (lastPage) {
      // lastPage on a page before the one X-Page-Count names as last means the server cut the
      // list short; accepting it would hand back a partial org (contract §3.1).
      if (pageCount !== undefined && page + 1 < pageCount) throw incomplete(page, `lastPage on page ${page} but X-Page-Count is ${pageCount}`);
      break;
    }
  }

  if (total !== undefined && byKey.size !== total) {
    const why = `read ${byKey.size} items over every page, but X-Total-Count is ${total}`;
    // A count that never moved, yet disagrees with what was served, is a list cut short, not an org
    // that changed: only with other signs of change is it taken for churn.
    if (read.onChurn === undefined || signCount === 0) throw new IncompleteReadError('umapi', `umapi ${read.call}: ${why}`);
    signCount += 1;
    if (signs.length < MAX_SIGNS) signs.push(why);
  }
  const items = [...byKey.values()];
  if (signCount > 0) read.onChurn?.({ listed: items.length, signCount, signs });
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
