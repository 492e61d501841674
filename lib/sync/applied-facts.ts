/**
 * Whole facts about users (a UMAPI record, or leaving the org) that this container applied in full to
 * a target lately. A later work about the same user in that target whose fact is no newer has nothing
 * left to do there: the plan of the newer fact already decided every managed membership of the user,
 * and last writer wins would skip whatever the older fact asked. It is reported done without reading
 * the target again. In a burst a user's additions to several groups and their re-checks are served by
 * the same UMAPI read: one plan per user and target, not one per event.
 *
 * Only what the sync itself applied is remembered, never what a target holds: every plan that runs
 * still reads the target afresh.
 */
export interface AppliedFacts {
  /** Whether a fact as new as `at` (or newer) was applied in full to this user in this target lately. */
  covers(targetId: string, userKey: string, at: number, now: number): boolean;
  record(targetId: string, userKey: string, at: number, now: number): void;
}

/** A burst's batches come within minutes; a later delivery is planned again. */
const APPLIED_FACT_TTL_MS = 10 * 60_000;
/** ~100 bytes each: a few MB of the worker's memory at most. */
const MAX_APPLIED_FACTS = 50_000;

export function createAppliedFacts(): AppliedFacts {
  const facts = new Map<string, { readonly at: number; readonly recordedAt: number }>();
  const keyOf = (targetId: string, userKey: string): string => `${targetId}\u0000${userKey}`;
  return {
    covers(targetId, userKey, at, now) {
      const known = facts.get(keyOf(targetId, userKey));
      return known !== undefined && now - known.recordedAt <= APPLIED_FACT_TTL_MS && known.at >= at;
    },
    record(targetId, userKey, at, now) {
      const key = keyOf(targetId, userKey);
      const known = facts.get(key);
      if (known !== undefined && known.at > at && now - known.recordedAt <= APPLIED_FACT_TTL_MS) return;
      facts.delete(key);
      facts.set(key, { at, recordedAt: now });
      // Oldest first out (a Map keeps insertion order).
      for (const oldest of facts.keys()) {
        if (facts.size <= MAX_APPLIED_FACTS) break;
        facts.delete(oldest);
      }
    },
  };
}
