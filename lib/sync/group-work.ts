/**
 * A hint that names only a group ("something about group G changed"): re-check G in every target
 * that manages it, group-centrically — one UMAPI read of G's members, one read of G in the target,
 * one write. Members of G in the target that IMS no longer lists lose G; nothing else is touched.
 */
import { desiredMembers } from '../domain/desired.js';
import { foldName } from '../domain/ims.js';
import { isManagedName, managedGroupsFor, targetGroupName } from '../domain/managed.js';
import type { HintMessage } from '../domain/messages.js';
import { planTarget } from '../domain/plan.js';
import { IncompleteReadError } from '../errors.js';
import { applyPlanSlice, sameFact } from './apply-plan.js';
import { unchangedDecisions } from './decisions.js';
import { forEachTarget, type WorkReport } from './per-target.js';
import type { SyncRuntime } from './runtime.js';
import type { WorkBudget } from './work-budget.js';

export async function applyGroupHint(message: HintMessage & { group: string }, rt: SyncRuntime, budget?: WorkBudget): Promise<WorkReport> {
  const group = message.group;
  const concerned = rt.targets.filter((b) => isManagedName(b.config, group));
  const profileOf = rt.targets.filter((b) => b.config.productProfiles.some((p) => foldName(p) === foldName(group)));
  for (const binding of profileOf) {
    rt.log.info('access profile changed: its members are re-checked by the next reconciliation', { targetId: binding.config.id, group });
  }
  if (concerned.length === 0) return { messageId: message.id, targets: [] };

  const readAt = rt.clock.now();
  // undefined: the group no longer exists in IMS, so nobody is in it.
  const members = (await rt.umapi.listGroupUsers(group)) ?? [];
  const concernedIds = new Set(concerned.map((b) => b.config.id));
  const targets = await forEachTarget(message.id, rt, async (binding) => {
    if (!concernedIds.has(binding.config.id)) return 'not-concerned';
    const target = binding.config;
    // Only this group: configured exact names are always managed, but the hint speaks of G alone,
    // and the members read from UMAPI say nothing about anyone's other groups.
    const hinted = foldName(targetGroupName(target, group));
    const managed = new Map([...managedGroupsFor(target, [group])].filter(([key]) => key === hinted));
    if (managed.size === 0) return 'not-concerned';
    const actual = await binding.adapter.readState({ groups: [...managed.values()].map((g) => g.name) });
    const desired = desiredMembers(members, target, managed, rt.config.identity);
    // Members of G alone say nothing of anyone's access through other groups: a group hint never disables.
    const plan = { ...planTarget({ target, managed, desired, actual }), disable: [], enable: [] };
    const context = sameFact(binding, { eventId: message.id, at: readAt, cause: `event ${message.id}`, ...(message.actor ? { actor: message.actor } : {}) });
    const outcome = await applyPlanSlice(plan, plan.deferred, context, rt, unchangedDecisions(plan, actual, desired, actual.identities.keys()));
    // Nothing was removed from G if it could not be read, but the work is not done: it comes back.
    if (plan.unknownGroups.length > 0) throw new IncompleteReadError(target.kind, `${target.id}: could not read ${group}; retried so that nothing planned there is lost`);
    return outcome;
  }, budget ? { budget } : {});
  return { messageId: message.id, targets };
}

