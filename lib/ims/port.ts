/**
 * What the sync reads from IMS (UMAPI), and the shared request budget every caller draws from.
 */
import type { ImsGroup, ImsUser } from '../domain/ims.js';

export interface ReadProgress {
  readonly page: number;
  readonly usersSoFar: number;
  readonly totalUsers?: number;
}

/**
 * A list read while it changed (opt-in, `onChurn`): every item listed is as current as its page;
 * an item not listed is unknown (it may have shifted across a page boundary), never gone.
 */
export interface ReadChurn {
  /** Distinct items the read listed. */
  readonly listed: number;
  /** How many signs of change the read saw, and the first few in words (for the log). */
  readonly signCount: number;
  readonly signs: readonly string[];
}

export interface ListUsersOptions {
  readonly onPage?: (progress: ReadProgress) => void;
  /**
   * Opt in to a read of an org that changes under it: the read completes, one record per user (the
   * later page's), and this is called once when it churned. Without it, any sign of change raises
   * IncompleteReadError. A caller that opts in must treat users not listed as unknown.
   */
  readonly onChurn?: (churn: ReadChurn) => void;
  /** The budget lane its pages draw from: `reconcile` unless said otherwise (event work reading the org says `event`). */
  readonly lane?: UmapiLane;
  /**
   * How long each page after the first may wait in-process for its turn (the limiter's own wait
   * otherwise): once the first page is spent, finishing the read is what makes it pay.
   */
  readonly laterPagesWaitMs?: number;
}

/** How long a single read may wait in-process for its turn (the limiter's own longest wait otherwise). */
export interface ReadOptions {
  /**
   * 0: only a turn nobody else has reserved, free now; a busier budget raises ThrottledError at
   * once, so that the work waits on the queue and every other caller goes first (a re-check).
   */
  readonly maxWaitMs?: number;
}

export interface Umapi {
  /** Every active user of the org with `directOnly=false`, all pages. Raises IncompleteReadError rather than return a short list (see `onChurn`). */
  listUsers(options?: ListUsersOptions): Promise<ImsUser[]>;
  /** One user by email; `undefined` when UMAPI answers 404 user not found (the user is not in the org). */
  getUser(email: string, options?: ReadOptions): Promise<ImsUser | undefined>;
  /** Members of one user group or product profile, all pages; `undefined` when the group does not exist. */
  listGroupUsers(group: string, options?: ReadOptions): Promise<ImsUser[] | undefined>;
  /** Every user group and product profile of the org, all pages. */
  listGroups(): Promise<ImsGroup[]>;
}

/** UMAPI endpoint families with separate per-minute limits (contracts/ims-and-umapi.md §4). */
export type UmapiFamily = 'users' | 'groups';

/**
 * Who a request serves, chosen per call (not per function, so the worker, the schedule and the CLI
 * agree): `reconcile` for the full org read a reconciliation or a plan makes, which may use only
 * `org.rateLimit.reconcileShare` of each minute's budget; `event` for everything else, which never
 * waits behind a reconciliation's pages (lib/ims/token-bucket.ts).
 */
export type UmapiLane = 'event' | 'reconcile';

/**
 * A request budget shared by every caller using one client id. `acquire` resolves when a request
 * may be sent, or raises ThrottledError with the wait when the wait is too long to hold in-process.
 * The lane is `event` unless said otherwise; `maxWaitMs` overrides the limiter's own longest wait
 * held in-process, for a call worth waiting longer for.
 */
export interface RateLimiter {
  acquire(family: UmapiFamily, lane?: UmapiLane, maxWaitMs?: number): Promise<void>;
}
