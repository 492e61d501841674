/**
 * The managed groups of one target for a plan, as the use cases need them: the domain's rules
 * (`managedGroupsFor`) over the names at hand, plus, for Campaign, the groups remembered from
 * earlier plans (a deleted product profile's group stays managed: its IMS members are removed).
 */
import { managedGroupsFor, type ManagedGroups } from '../domain/managed.js';
import type { SyncRuntime, TargetBinding } from './runtime.js';

export async function managedGroupsOf(
  binding: TargetBinding,
  candidates: Iterable<string>,
  rt: Pick<SyncRuntime, 'stores'>,
  options: { readonly remember: boolean },
): Promise<ManagedGroups> {
  const target = binding.config;
  if (target.kind === 'aem') return managedGroupsFor(target, candidates);
  const store = rt.stores.managedGroups;
  const managed = managedGroupsFor(target, candidates, await store.list(target.id, target.associationMask));
  if (options.remember) await store.remember(target.id, [...managed.values()].map((g) => g.name), target.associationMask);
  return managed;
}
