/**
 * `POST <home>.rw.html` (contracts/aem.md §5): `addMembers` / `removeMembers` (repeatable, by id)
 * on a group, `disableUser` on a user. All or nothing: an unknown member id answers 400 and
 * changes nothing [assumed]. Answers are Sling HTML.
 */
import type { SimResponse } from '../http-sim.js';
import type { AemModel, SimAuthorizable } from './model.js';
import { slingHtml } from './sling.js';

export function writeAuthorizable(model: AemModel, target: SimAuthorizable, body: string): SimResponse {
  const form = new URLSearchParams(body);
  const adds = form.getAll('addMembers');
  const removes = form.getAll('removeMembers');
  const disable = form.has('disableUser') ? form.get('disableUser') ?? '' : undefined;

  if (target.kind === 'user' && adds.length + removes.length > 0) {
    return slingHtml(400, `${target.id} is a user: it has no members`, target.home);
  }
  if (target.kind === 'group' && disable !== undefined) {
    return slingHtml(400, `${target.id} is a group: only users can be disabled`, target.home);
  }
  const unknown = [...adds, ...removes].filter((id) => model.get(id) === undefined);
  if (unknown.length > 0) {
    return slingHtml(400, `Authorizable with id ${unknown[0] ?? ''} does not exist`, target.home);
  }
  if (adds.some((id) => model.get(id) === target)) {
    return slingHtml(400, `${target.id} cannot be a member of itself`, target.home);
  }

  const changes: string[] = [];
  for (const id of adds) {
    const member = model.require(id);
    if (!target.members.has(member.id)) {
      target.members.add(member.id);
      model.noteMembership(target, member, 'added');
      changes.push(`added("${target.home}", "${member.id}");`);
    }
  }
  for (const id of removes) {
    const member = model.require(id);
    if (target.members.delete(member.id)) {
      model.noteMembership(target, member, 'removed');
      changes.push(`removed("${target.home}", "${member.id}");`);
    }
  }
  if (disable !== undefined) {
    target.disabled = disable === '' ? undefined : disable;
    changes.push(`modified("${target.home}/rep:disabled");`);
  }
  return slingHtml(200, 'Authorizable modified', target.home, changes);
}
