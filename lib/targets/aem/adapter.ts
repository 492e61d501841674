/**
 * The AEM TargetAdapter: Granite user/group HTTP API behind the Target port. Built once per cold
 * start; the home-path cache lives as long as the adapter.
 */
import type { Clock } from '../../clock.js';
import type { AemTarget } from '../../config/schema.js';
import { foldName } from '../../domain/ims.js';
import type { HttpTransport } from '../../http.js';
import type { RetryPolicy } from '../../retry.js';
import type { TargetAdapter } from '../port.js';
import { AemClient, type AemCredentials } from './client.js';
import type { AemContext, MemberListLimits } from './context.js';
import { Directory } from './lookup.js';
import { readState } from './read.js';
import { readDirectMemberships } from './read-direct.js';
import { apply } from './write.js';

export type { AemCredentials } from './client.js';

export interface AemTargetDeps {
  readonly http: HttpTransport;
  readonly clock: Clock;
  readonly config: AemTarget;
  readonly credentials: () => Promise<AemCredentials>;
  /** Tuning, mostly for tests: member-list `ml` bounds, in-process retry policy, jitter source. */
  readonly options?: {
    readonly memberList?: Partial<MemberListLimits>;
    readonly retry?: Partial<Omit<RetryPolicy, 'system'>>;
    readonly random?: () => number;
  };
}

/**
 * Start at 10 000 members a read (`ml` only caps the list: small groups cost the same), grow ×10,
 * give up (unknown) beyond 1 000 000. The 100k-user bench read its largest groups twice from 1000.
 */
export const DEFAULT_MEMBER_LIST: MemberListLimits = { initial: 10_000, max: 1_000_000 };

export function buildAemTarget(deps: AemTargetDeps): TargetAdapter {
  const client = new AemClient({
    http: deps.http,
    clock: deps.clock,
    config: deps.config,
    credentials: deps.credentials,
    ...(deps.options?.retry ? { retry: deps.options.retry } : {}),
    ...(deps.options?.random ? { random: deps.options.random } : {}),
  });
  const directory = new Directory(client, () => deps.clock.now());
  const ctx: AemContext = {
    client,
    directory,
    config: deps.config,
    memberList: { ...DEFAULT_MEMBER_LIST, ...deps.options?.memberList },
  };
  return {
    id: deps.config.id,
    kind: 'aem',
    async listGroups() {
      const groups = await directory.loadImsGroups();
      const names = new Map(groups.map((g) => [foldName(g.id), g.id]));
      return [...names.values()];
    },
    readState: (scope) => readState(ctx, scope),
    readDirectMemberships: (managedGroups, imsUsers) => readDirectMemberships(ctx, managedGroups, imsUsers),
    apply: (slice) => apply(ctx, slice),
  };
}
