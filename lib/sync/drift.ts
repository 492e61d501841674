/**
 * Drift a reconciliation can see from its own reads, plus one read-only look at the IMS identities'
 * memberships in unmanaged groups: the access review's findings, counted per kind and published as
 * `DriftFindings` (dimensions target, kind). Never fails a reconciliation: a failed extra read
 * leaves the kinds it decides (`direct-member`, `orphan`) unpublished, since unknown is not zero.
 */
import type { DesiredMembers } from '../domain/desired.js';
import { countFindings, findingsOf, type DirectMemberships, type FindingKind } from '../domain/findings.js';
import type { ImsUser } from '../domain/ims.js';
import type { ManagedGroups } from '../domain/managed.js';
import type { TargetPlan } from '../domain/plan-types.js';
import type { TargetActual } from '../domain/state.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';

/** What one target's reconciliation read and planned. */
export interface TargetReads {
  readonly binding: TargetBinding;
  readonly users: readonly ImsUser[];
  readonly managed: ManagedGroups;
  readonly desired: DesiredMembers;
  readonly actual: TargetActual;
  readonly plan: TargetPlan;
  /** The org changed during the read: users it did not list are unknown, counted in no finding. */
  readonly unlistedUnknown?: boolean;
}

/** Kinds that need the direct memberships: without them their count is unknown. */
const NEED_DIRECT: readonly FindingKind[] = ['direct-member', 'orphan'];

export type DirectRead = { readonly ok: true; readonly value: DirectMemberships } | { readonly ok: false; readonly error: string };

/** The IMS identities' memberships in unmanaged groups, or why they could not be read. */
export async function readDirect(reads: Pick<TargetReads, 'binding' | 'managed' | 'actual'>): Promise<DirectRead> {
  const { adapter } = reads.binding;
  if (adapter.readDirectMemberships === undefined) return { ok: false, error: `the ${adapter.kind} adapter cannot read unmanaged groups` };
  // The reconciliation's read listed every IMS identity of the target: no second read of them.
  const ims = new Set([...reads.actual.identities].filter(([, kind]) => kind === 'ims').map(([key]) => key));
  try {
    return { ok: true, value: await adapter.readDirectMemberships([...reads.managed.values()].map((g) => g.name), ims) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Count and publish the findings of one reconciled target; the counts are stored with the run
 * (`ims-sync status`). Kinds whose reads failed are left out, never counted as zero.
 */
export async function measureDrift(reads: TargetReads, rt: Pick<SyncRuntime, 'config' | 'metrics' | 'log'>): Promise<Partial<Record<FindingKind, number>>> {
  const direct = await readDirect(reads);
  const unknownGroups = direct.ok ? direct.value.unknownGroups : [];
  const counts: Partial<Record<FindingKind, number>> = countFindings(
    findingsOf({ ...reads, target: reads.binding.config, rules: rt.config.identity, ...(direct.ok ? { direct: direct.value } : {}) }),
  );
  if (!direct.ok || unknownGroups.length > 0) {
    for (const kind of NEED_DIRECT) delete counts[kind];
    const reason = direct.ok ? `groups not read: ${unknownGroups.join(', ')}` : direct.error;
    rt.log.warn('drift: unmanaged groups could not be read; direct-member and orphan findings not counted', { targetId: reads.binding.config.id, reason });
  }
  for (const [kind, count] of Object.entries(counts)) rt.metrics.count('DriftFindings', count, { target: reads.binding.config.id, kind });
  return counts;
}
