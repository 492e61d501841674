/**
 * Watching the simulated targets' state: which of a list of memberships are present right now. Read
 * from the simulators' own state (their `control` accessors, the same state `/__sim/state` dumps),
 * one read per (target, group) asked about, so a watch loop costs little while it polls.
 */
import type { Stack } from '../../local/stack.js';
import { STACK_AEM_IDS, STACK_CAMPAIGN_ID } from './stack-world.js';

export interface Membership {
  readonly targetId: string;
  /** AEM: the group's authorizable id; Campaign: the operator group's name. */
  readonly group: string;
  /** AEM: the user's authorizable id (the email here); Campaign: the operator's name. */
  readonly member: string;
}

export const membershipKey = (m: Membership): string => `${m.targetId}\u0000${m.group.toLowerCase()}\u0000${m.member.toLowerCase()}`;

/** The members of each (target, group) asked about, lower-cased; a target id the stack does not have is an error. */
export function presentMemberships(stack: Stack, items: Iterable<Membership>): Set<string> {
  const groups = new Map<string, Membership>();
  for (const item of items) groups.set(`${item.targetId}\u0000${item.group}`, item);
  const present = new Set<string>();
  for (const { targetId, group } of groups.values()) {
    let members: string[];
    if (targetId === STACK_AEM_IDS[0]) members = stack.sims.aemProd.control.members(group);
    else if (targetId === STACK_AEM_IDS[1]) members = stack.sims.aemStage.control.members(group);
    else if (targetId === STACK_CAMPAIGN_ID) members = stack.sims.campaign.control.membersOf(group);
    else throw new Error(`bench: no simulator for target ${targetId}`);
    for (const member of members) present.add(membershipKey({ targetId, group, member }));
  }
  return present;
}
