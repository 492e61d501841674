/**
 * The org's user-group and product-profile names, read from UMAPI at most once per `ttlMs` per
 * runtime. Managed-group patterns and Campaign masks are matched against them; reading them for
 * every webhook event would spend the 5-a-minute `GET groups` budget (contracts/ims-and-umapi.md §4).
 */
import type { Clock } from '../clock.js';
import type { Umapi } from '../ims/port.js';

export interface OrgGroupNames {
  /** The names, read or cached; raises when UMAPI cannot be read and nothing is cached. */
  get(): Promise<readonly string[]>;
  /** The names if read recently, without a call: urgent work (a removal) never waits for the budget. */
  peek(): readonly string[] | undefined;
}

export function createOrgGroupNames(umapi: Umapi, clock: Clock, ttlMs = 10 * 60_000): OrgGroupNames {
  let cached: { names: readonly string[]; readAt: number } | undefined;
  let inFlight: Promise<readonly string[]> | undefined;
  return {
    peek: () => (cached && clock.now() - cached.readAt < ttlMs ? cached.names : undefined),
    async get() {
      if (cached && clock.now() - cached.readAt < ttlMs) return cached.names;
      inFlight ??= umapi
        .listGroups()
        .then((groups) => {
          cached = { names: groups.map((g) => g.groupName), readAt: clock.now() };
          return cached.names;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
