import { describe, expect, it } from 'vitest';
import type { DeltaMessage } from '../../../lib/domain/messages.js';
import { applyBatch } from '../../../lib/sync/apply-work.js';
import { IDEMPOTENCY_LEASE_MS } from '../../../lib/sync/runtime.js';
import { CLAIM_SLACK_MS, claimLeaseMs, workBudget } from '../../../lib/sync/work-budget.js';
import { demoRuntime } from '../../support/runtime.js';

describe('claimLeaseMs', () => {
  it('leases a claim for the invocation’s remaining time and a little more, within the full lease', () => {
    const now = 1_000_000;
    expect(claimLeaseMs(workBudget(now, 60_000), now)).toBe(60_000 + CLAIM_SLACK_MS);
    expect(claimLeaseMs(workBudget(now, 60_000), now + 10_000)).toBe(50_000 + CLAIM_SLACK_MS);
    expect(claimLeaseMs(workBudget(now, 900_000), now)).toBe(IDEMPOTENCY_LEASE_MS);
  });

  it('gives the full lease when there is no deadline (the CLI)', () => {
    expect(claimLeaseMs(undefined, 0)).toBe(IDEMPOTENCY_LEASE_MS);
    expect(claimLeaseMs(workBudget(0, undefined), 0)).toBe(IDEMPOTENCY_LEASE_MS);
  });

  it('is what the worker claims with: a batch killed mid-way holds its events for about its own time, not five minutes', async () => {
    const world = demoRuntime();
    const idempotency = world.runtime.stores.idempotency;
    const leases: number[] = [];
    const begin = idempotency.begin.bind(idempotency);
    idempotency.begin = async (eventId, targetId, leaseMs) => {
      leases.push(leaseMs);
      return begin(eventId, targetId, leaseMs);
    };
    const removal: DeltaMessage = { kind: 'delta', id: 'e1', occurredAt: '2026-11-23T09:59:00.000Z', correlationId: 'c', source: 'generic', change: 'user.removed', user: { email: 'sam@acme.com' } };

    await applyBatch([removal], world.runtime, workBudget(world.runtime.clock.now(), 60_000));

    expect(leases).toHaveLength(3);
    for (const lease of leases) {
      expect(lease).toBeLessThanOrEqual(60_000 + CLAIM_SLACK_MS);
      expect(lease).toBeGreaterThan(CLAIM_SLACK_MS);
    }
  });
});
