/**
 * A simulated AEM 6.5 author instance (Granite user/group HTTP API), seeded from a fixture. See
 * docs/simulator-aem.md for what it implements and the choices it makes where AEM is undocumented.
 */
import type { FixtureAemInstance } from '../../fixtures/types.js';
import { startSimulator, type Faults, type RunningSimulator } from '../http-sim.js';
import { AemHandler, type AemSimCredentials } from './handler.js';
import { AemModel, type AemSnapshot, type MembershipChange } from './model.js';

export type { AemSnapshot, MembershipChange } from './model.js';
export type { AemSimCredentials } from './handler.js';
export { DEFAULT_ML } from './reads.js';

/** Granite CSRF tokens live a few minutes (contracts/aem.md §2). */
export const DEFAULT_CSRF_TTL_MS = 10 * 60 * 1000;

export interface AemSimulatorOptions {
  instance: FixtureAemInstance;
  port?: number;
  /** Omitted: authentication is not checked. */
  credentials?: AemSimCredentials;
  csrfTtlMs?: number;
  now?: () => number;
  faults?: Faults;
  random?: () => number;
  /**
   * Default true: search items carry `externalId` for IMS authorizables. False: they never do, as
   * contracts/aem.md §3 documents only `authorizableId`, `type`, `home`, `name`.
   */
  searchExternalId?: boolean;
}

export interface AemControl {
  /**
   * What AEM's IMS login does: create the IMS user if new, create the missing IMS groups (marked
   * `;ims`), add the user to them. (Memberships are only added: the real login sync would also
   * drop expired ones, which the demo does not need.)
   */
  login(userId: string, imsGroups: readonly string[]): void;
  /** Declared members of a group, by id as spelled in AEM. */
  members(groupId: string): string[];
  /** Groups that declare this authorizable a member. */
  memberOf(authorizableId: string): string[];
  isDisabled(userId: string): boolean;
  /** The value of the user's `rep:disabled` (the reason), undefined when enabled. */
  disabledReason(userId: string): string | undefined;
  /** Disable a user with a reason, as an administrator would by hand (Granite console, `disableUser=<reason>`). */
  disable(userId: string, reason: string): void;
  /**
   * Create a local group (no `rep:externalId`), as an administrator would: it may carry the id an IMS
   * group has, or one a managed pattern matches. AEM's login sync never adds anyone to it.
   */
  createLocalGroup(groupId: string, members?: readonly string[]): void;
  /** Stale every CSRF token issued so far (the next POST with one answers 403). */
  expireCsrfTokens(): void;
  snapshot(): AemSnapshot;
  /** Call `listener` for every membership a write adds or removes; returns how to stop. */
  onMembershipChange(listener: (change: MembershipChange) => void): () => void;
}

export type RunningAemSimulator = RunningSimulator & { readonly control: AemControl };

export async function startAemSimulator(options: AemSimulatorOptions): Promise<RunningAemSimulator> {
  const now = options.now ?? Date.now;
  const model = new AemModel(options.instance.targetId, options.instance);
  const handler = new AemHandler(model, {
    ...(options.credentials ? { credentials: options.credentials } : {}),
    csrfTtlMs: options.csrfTtlMs ?? DEFAULT_CSRF_TTL_MS,
    searchExternalId: options.searchExternalId ?? true,
    now,
  });
  const control: AemControl = {
    login(userId, imsGroups) {
      const user = model.get(userId) ?? model.create(userId, 'user', true);
      if (user.kind !== 'user') throw new Error(`AEM simulator: "${userId}" is a group, not a user`);
      for (const name of imsGroups) {
        const group = model.get(name) ?? model.create(name, 'group', true);
        // Oak's login sync skips a local group that has the IMS group's id (contracts/aem.md §1).
        if (group.kind === 'group' && group.ims) group.members.add(user.id);
      }
    },
    members: (groupId) => [...model.require(groupId).members],
    memberOf: (authorizableId) => model.memberOf(authorizableId).map((g) => g.id),
    isDisabled: (userId) => model.require(userId).disabled !== undefined,
    disabledReason: (userId) => model.require(userId).disabled,
    disable(userId, reason) {
      const user = model.require(userId);
      if (user.kind !== 'user') throw new Error(`AEM simulator: "${userId}" is a group, not a user`);
      // Oak stores the reason as the value of rep:disabled; no reason (null) would enable instead.
      user.disabled = reason;
    },
    createLocalGroup(groupId, members = []) {
      const group = model.create(groupId, 'group', false);
      for (const member of members) group.members.add(model.require(member).id);
    },
    expireCsrfTokens: () => handler.expireCsrfTokens(),
    snapshot: () => model.snapshot(),
    onMembershipChange: (listener) => {
      model.membershipListeners.add(listener);
      return () => void model.membershipListeners.delete(listener);
    },
  };
  const running = await startSimulator(handler, {
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
    ...(options.random ? { random: options.random } : {}),
    now,
  });
  // Keep the accessors of `faults` working: extend the running object rather than copying it.
  return Object.assign(running, { control });
}
