/**
 * `xtk:session#Write` / `#WriteCollection` (also served as `xtk:persist`) for operator-group
 * memberships (contract campaign.md §5): `<operator _key="@name" name="..." _operation="none">`
 * with `<operatorGroup _operation="insert|insertOrUpdate|delete|none|update"><group name="..."/>`.
 * The whole document is checked before anything changes, so one call is all or nothing.
 */
import type { XmlElement } from '../../../lib/targets/campaign/xml.js';
import type { CampaignModel, SimGroup, SimOperator } from './model.js';
import { SIM_FAULTS, SimFault } from './envelope.js';

interface Edit {
  readonly operation: string;
  readonly op: SimOperator;
  readonly group: SimGroup;
}

const OPERATIONS = new Set(['insert', 'insertOrUpdate', 'update', 'delete', 'none']);

export function applyWrite(model: CampaignModel, doc: XmlElement): number {
  let operators: XmlElement[];
  if (doc.name === 'operator-collection') operators = doc.children.filter((c) => c.name === 'operator');
  else if (doc.name === 'operator') operators = [doc];
  else throw new SimFault(SIM_FAULTS.unknownEntity, `the simulator writes only xtk:operator documents, not <${doc.name}>`);

  const edits: Edit[] = [];
  for (const operator of operators) {
    const name = operator.attrs.name;
    const key = operator.attrs._key ?? '@name';
    if (key !== '@name' || name === undefined) throw new SimFault(SIM_FAULTS.unknownEntity, 'operators are reconciled by @name only');
    const op = model.operator(name);
    if (!op) throw new SimFault(SIM_FAULTS.unknownEntity, `no operator named ${JSON.stringify(name)}`);
    const opOperation = operator.attrs._operation ?? 'insertOrUpdate';
    if (!['none', 'update', 'insertOrUpdate'].includes(opOperation)) {
      throw new SimFault(SIM_FAULTS.unknownEntity, `operator _operation ${opOperation} is not supported by the simulator`);
    }
    for (const link of operator.children.filter((c) => c.name === 'operatorGroup')) {
      const operation = link.attrs._operation ?? 'insertOrUpdate';
      if (!OPERATIONS.has(operation)) throw new SimFault(SIM_FAULTS.unknownEntity, `unknown _operation ${operation}`);
      const groupName = link.children.find((c) => c.name === 'group')?.attrs.name;
      const group = groupName === undefined ? undefined : model.group(groupName);
      if (!group) throw new SimFault(SIM_FAULTS.unknownEntity, `no operator group named ${JSON.stringify(groupName ?? '')}`);
      if (operation === 'insert' && (model.isMember(op, group) || edits.some((e) => e.op === op && e.group === group && e.operation !== 'delete'))) {
        throw new SimFault(SIM_FAULTS.duplicate, `${op.name} is already in ${group.name}`);
      }
      edits.push({ operation, op, group });
    }
  }
  for (const { operation, op, group } of edits) {
    const wasMember = model.isMember(op, group);
    if (operation === 'insert' || operation === 'insertOrUpdate') model.link(op, group);
    else if (operation === 'delete') model.unlink(op, group);
    const isMember = model.isMember(op, group);
    if (wasMember !== isMember) model.noteMembership(op, group, isMember ? 'added' : 'removed');
  }
  return edits.length;
}
