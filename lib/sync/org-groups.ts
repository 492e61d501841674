/**
 * The org's user-group and product-profile names (and member counts), read from UMAPI at most once per `ttlMs` per
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
  /** Members of a group as the cached list counted them (folded name), without a call; undefined when unknown. */
  sizeOf(group: string): number | undefined;
}

export function createOrgGroupNames(umapi: Umapi, clock: Clock, ttlMs = 10 * 60_000): OrgGroupNames {
  let cached: { names: readonly string[]; sizes: ReadonlyMap<string, number>; readAt: number } | undefined;
  const fresh = () => (cached && clock.now() - cached.readAt < ttlMs ? cached : undefined);
  let inFlight: Promise<readonly string[]> | undefined;
  return {
    peek: () => fresh()?.names,
    sizeOf: (group) => fresh()?.sizes.get(group.toLowerCase()),
    async get() {
      const known = fresh();
      if (known) return known.names;
      inFlight ??= umapi
        .listGroups()
        .then((groups) => {
          const sizes = new Map(groups.flatMap((g) => (g.memberCount === undefined ? [] : [[g.groupName.toLowerCase(), g.memberCount] as const])));
          cached = { names: groups.map((g) => g.groupName), sizes, readAt: clock.now() };
          return cached.names;
        })
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    },
  };
}
