/**
 * The Campaign schemas and expressions this adapter reads, in one place (contract campaign.md §4,
 * §6). Link names of `xtk:operatorGroup` and the place of the authentication type are [assumed]:
 * adjust them here against a real instance.
 */
import { z } from 'zod';
import { ProtocolError } from '../../errors.js';
import { readExpr } from './query.js';
import type { XmlElement } from './xml.js';

export const OPERATOR = 'xtk:operator';
export const GROUP = 'xtk:group';
export const OPERATOR_GROUP = 'xtk:operatorGroup';

export const NAME = '@name';
export const ID = '@id';
/** The operator's authentication type: `ims` for operators created by IMS login (§6). */
export const AUTHENTICATION_TYPE = '[access/@authenticationType]';
export const IMS_AUTHENTICATION = 'ims';
export const MEMBER_OPERATOR_NAME = '[operator/@name]';
export const MEMBER_GROUP_NAME = '[group/@name]';
/** Stable paging order of the relation. */
export const MEMBERSHIP_ORDER = ['[@operator-id]', '[@group-id]'] as const;

/**
 * Names are compared folded (IMS compares case-insensitively) while Campaign's database compares
 * them as stored: conditions therefore compare `Lower(<expr>)` with folded literals.
 */
export const lower = (expr: string): string => `Lower(${expr})`;

const Name = z.string().min(1);

/** Read the named select expressions of a row, failing with the system, the call and the field. */
export function rowValues<K extends string>(row: XmlElement, schema: string, exprs: Readonly<Record<K, string>>): Record<K, string> {
  const values = {} as Record<K, string>;
  for (const key of Object.keys(exprs) as K[]) {
    const expr = exprs[key];
    const parsed = Name.safeParse(readExpr(row, expr));
    if (!parsed.success) {
      throw new ProtocolError('campaign', `campaign xtk:queryDef#ExecuteQuery ${schema}: a row has no value for ${expr}`);
    }
    values[key] = parsed.data;
  }
  return values;
}

/** Like `rowValues` for one optional expression: absent or empty is undefined. */
export const optionalValue = (row: XmlElement, expr: string): string | undefined => readExpr(row, expr) || undefined;
