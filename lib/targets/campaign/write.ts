/**
 * The one place that knows the Write/WriteCollection document for operator-group memberships.
 * Contract campaign.md §5: the mechanism is documented, the exact document is [assumed]; keep it
 * here so it can be adjusted against a real instance without touching anything else.
 *
 * One `<operator>` per operator, reconciled by login (`_key="@name"`, `_operation="none"`: the
 * operator itself is never created or changed), holding one `<operatorGroup>` per change:
 * - add: `_operation="insertOrUpdate"` rather than `insert`, so that a membership that appeared in the
 *   meantime (the user logged in and IMS added it) is not a duplicate-key fault that would fail every
 *   other change of the same call;
 * - remove: `_operation="delete"`.
 */
import { elementParam, type SoapRequest } from './soap.js';
import { element, type Xml } from './xml.js';

export const ADD_OPERATION = 'insertOrUpdate';
export const REMOVE_OPERATION = 'delete';

export interface OperatorEdit {
  /** The operator's login, as Campaign spells it. */
  readonly operator: string;
  /** Internal names of groups to join / leave, as Campaign spells them. */
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

const membership = (group: string, operation: string): Xml =>
  element('operatorGroup', { _key: '[group/@name]', _operation: operation }, [element('group', { name: group, _operation: 'none' })]);

export function operatorElement(edit: OperatorEdit): Xml {
  return element(
    'operator',
    { _key: '@name', name: edit.operator, _operation: 'none' },
    [...edit.add.map((g) => membership(g, ADD_OPERATION)), ...edit.remove.map((g) => membership(g, REMOVE_OPERATION))],
  );
}

/** `xtk:session#WriteCollection` carrying every edit in one `<operator-collection>`. */
export function writeCollectionRequest(edits: readonly OperatorEdit[]): SoapRequest {
  const collection = element('operator-collection', { xtkschema: 'xtk:operator' }, edits.map(operatorElement));
  return { urn: 'xtk:session', method: 'WriteCollection', params: [elementParam('domDoc', collection)] };
}
