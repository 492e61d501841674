/**
 * `xtk:queryDef#ExecuteQuery` over the simulated data: schemas xtk:operator, xtk:group,
 * xtk:operatorGroup; select nodes and orderBy by path; where conditions in the XTK subset of
 * `expr.ts` (ANDed); `lineCount`/`startLine` paging; operations select, count, get, getIfExists.
 */
import { element, type Xml, type XmlElement } from '../../../lib/targets/campaign/xml.js';
import { ExpressionError, parseCondition, parsePath, valueAt, type Row } from './expr.js';
import type { CampaignModel } from './model.js';
import { SIM_FAULTS, SimFault } from './envelope.js';

interface OutNode {
  attrs: Record<string, string>;
  children: Map<string, OutNode>;
}

const toXml = (name: string, out: OutNode): Xml =>
  element(name, out.attrs, [...out.children].map(([childName, c]) => toXml(childName, c)));

/** Build the output row for the selected paths: `[operator/@name]` → `<operator name="..."/>` inside the row. */
function project(row: Row, paths: readonly string[]): OutNode {
  const out: OutNode = { attrs: {}, children: new Map() };
  for (const path of paths) {
    const value = valueAt(row, path);
    if (value === undefined) continue;
    const steps = path.split('/');
    const attribute = (steps.pop() ?? '').slice(1);
    let at = out;
    for (const step of steps) {
      let next = at.children.get(step);
      if (!next) at.children.set(step, (next = { attrs: {}, children: new Map() }));
      at = next;
    }
    at.attrs[attribute] = value;
  }
  return out;
}

const compare = (a: string | undefined, b: string | undefined): number => {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  const na = Number(a);
  const nb = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && !Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a < b ? -1 : 1;
};

const nodeExprs = (parent: XmlElement | undefined): string[] =>
  (parent?.children ?? []).filter((c) => c.name === 'node').map((c) => c.attrs.expr ?? '');

export function executeQuery(model: CampaignModel, queryDef: XmlElement): Xml {
  const schema = queryDef.attrs.schema ?? '';
  const operation = queryDef.attrs.operation ?? 'select';
  const all = model.rows(schema);
  if (!all) throw new SimFault(SIM_FAULTS.badQuery, `unknown schema ${schema}`);
  const rowName = schema.slice(schema.indexOf(':') + 1);

  let selected: string[];
  let order: string[];
  let rows: Row[];
  try {
    selected = nodeExprs(queryDef.children.find((c) => c.name === 'select')).map(parsePath);
    order = nodeExprs(queryDef.children.find((c) => c.name === 'orderBy')).map(parsePath);
    const where = queryDef.children.find((c) => c.name === 'where');
    const conditions = (where?.children ?? []).filter((c) => c.name === 'condition').map((c) => parseCondition(c.attrs.expr ?? ''));
    rows = all.filter((row) => conditions.every((condition) => condition(row)));
  } catch (error) {
    if (error instanceof ExpressionError) throw new SimFault(SIM_FAULTS.badQuery, error.message);
    throw error;
  }
  if (order.length > 0) {
    rows.sort((a, b) => {
      for (const path of order) {
        const c = compare(valueAt(a, path), valueAt(b, path));
        if (c !== 0) return c;
      }
      return 0;
    });
  }

  switch (operation) {
    case 'count':
      return element(rowName, { count: String(rows.length) });
    case 'get':
    case 'getIfExists': {
      const first = rows[0];
      if (!first) {
        if (operation === 'get') throw new SimFault(SIM_FAULTS.noRecord, `no ${schema} matches`);
        return element(rowName);
      }
      return toXml(rowName, project(first, selected));
    }
    case 'select': {
      const startLine = Number(queryDef.attrs.startLine ?? '0');
      const lineCount = queryDef.attrs.lineCount === undefined ? rows.length : Number(queryDef.attrs.lineCount);
      if (!Number.isInteger(startLine) || startLine < 0 || !Number.isInteger(lineCount) || lineCount < 0) {
        throw new SimFault(SIM_FAULTS.badQuery, 'lineCount and startLine must be non-negative integers');
      }
      const page = rows.slice(startLine, startLine + lineCount);
      return element(`${rowName}-collection`, {}, page.map((row) => toXml(rowName, project(row, selected))));
    }
    default:
      throw new SimFault(SIM_FAULTS.badQuery, `unsupported operation ${operation}`);
  }
}
