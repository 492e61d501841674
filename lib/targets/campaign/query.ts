/**
 * `xtk:queryDef#ExecuteQuery` (contract campaign.md §4): the queryDef builder, the quoting of
 * string literals inside `expr`, paging, and reading values out of the result rows.
 *
 * Literals are the only place a name enters an expression. They are quoted with `'`, with `\` and
 * `'` escaped by a backslash, the way Adobe's SDK escapes them (`sdk.escapeXtk`); control
 * characters are refused outright, so a name can never end or extend the expression.
 */
import { IncompleteReadError, ProtocolError, ValidationError } from '../../errors.js';
import { elementParam, type SoapRequest } from './soap.js';
import { child, element, type Xml, type XmlElement } from './xml.js';

// C0, DEL and C1 controls, and the line/paragraph separators some parsers treat as line ends.
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;

export const hasControlCharacter = (value: string): boolean => CONTROL.test(value);

/** A string literal for an XTK expression: `'it\'s'`. */
export function xtkString(value: string): string {
  if (hasControlCharacter(value)) {
    throw new ValidationError(`campaign query: the name ${JSON.stringify(value)} contains a control character and cannot be used in a query`);
  }
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

export const inCondition = (expr: string, values: readonly string[]): string => `${expr} IN (${values.map(xtkString).join(', ')})`;
export const equalsCondition = (expr: string, value: string): string => `${expr} = ${xtkString(value)}`;

export interface QueryDef {
  /** e.g. `xtk:operatorGroup` */
  readonly schema: string;
  /** Select node expressions, e.g. `[operator/@name]`. */
  readonly select: readonly string[];
  /** Conditions, ANDed. */
  readonly where?: readonly string[];
  /** A stable order, so that pages neither skip nor repeat rows. */
  readonly orderBy?: readonly string[];
}

export type QueryOperation = 'select' | 'count' | 'get' | 'getIfExists';

export function executeQueryRequest(query: QueryDef, operation: QueryOperation, page?: { lineCount: number; startLine: number }): SoapRequest {
  const nodes = (exprs: readonly string[]): Xml[] => exprs.map((expr) => element('node', { expr }));
  const parts: Xml[] = [element('select', {}, nodes(query.select))];
  if (query.where && query.where.length > 0) {
    parts.push(element('where', {}, query.where.map((expr) => element('condition', { expr }))));
  }
  if (query.orderBy && query.orderBy.length > 0) parts.push(element('orderBy', {}, nodes(query.orderBy)));
  const queryDef = element(
    'queryDef',
    {
      schema: query.schema,
      operation,
      lineCount: page ? String(page.lineCount) : undefined,
      startLine: page ? String(page.startLine) : undefined,
    },
    parts,
  );
  return { urn: 'xtk:queryDef', method: 'ExecuteQuery', params: [elementParam('entity', queryDef)] };
}

/** The rows of a `select` answer: `pdomOutput/<name>-collection/<name>*`. */
export function resultRows(answer: XmlElement, schema: string): XmlElement[] {
  const rowName = schema.slice(schema.indexOf(':') + 1);
  const output = child(answer, 'pdomOutput');
  const collection = output && child(output, `${rowName}-collection`);
  if (!collection) {
    throw new ProtocolError('campaign', `campaign xtk:queryDef#ExecuteQuery ${schema}: answer has no pdomOutput/${rowName}-collection`);
  }
  return collection.children.filter((row) => row.name === rowName);
}

/**
 * Read a selected value from a row. Campaign answers a link path as nested elements:
 * `[operator/@name]` → `<operatorGroup><operator name="..."/></operatorGroup>` [assumed, §4].
 */
export function readExpr(row: XmlElement, expr: string): string | undefined {
  const path = expr.replace(/^\[(.*)\]$/, '$1').split('/');
  const attribute = path.pop();
  if (attribute === undefined || !attribute.startsWith('@')) return undefined;
  let node: XmlElement | undefined = row;
  for (const step of path) node = node && child(node, step);
  return node?.attrs[attribute.slice(1)];
}

export type SoapCall = (request: SoapRequest) => Promise<XmlElement>;

/** Safety stop: a result that keeps paging past this is treated as a broken read, not as data. */
const MAX_PAGES = 10_000;

/**
 * All rows of a select, page by page (`lineCount`/`startLine`) until a page comes back shorter than
 * `lineCount` (§4). Any failed page fails the whole read: a cut list is never returned.
 */
export async function selectAll(call: SoapCall, query: QueryDef, lineCount: number): Promise<XmlElement[]> {
  const rows: XmlElement[] = [];
  for (let page = 0; page < MAX_PAGES; page += 1) {
    const answer = await call(executeQueryRequest(query, 'select', { lineCount, startLine: rows.length }));
    const pageRows = resultRows(answer, query.schema);
    rows.push(...pageRows);
    if (pageRows.length < lineCount) return rows;
  }
  throw new IncompleteReadError('campaign', `campaign xtk:queryDef#ExecuteQuery ${query.schema}: still paging after ${MAX_PAGES} pages`);
}

/** Split a list into chunks of at most `size`, so `IN (...)` lists stay a sane length. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
