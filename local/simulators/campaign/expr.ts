/**
 * The subset of Campaign's XTK expression language the simulator understands, parsed properly
 * (a tokenizer, then recursive descent) so that quoted literals are data whatever they hold:
 * `'a\' or 1=1 or \''` is one string. Anything outside the subset is a parse error (a fault),
 * never a guess.
 *
 *   condition := or
 *   or        := and ("OR" and)*
 *   and       := not ("AND" not)*
 *   not       := "NOT" not | "(" condition ")" | comparison
 *   comparison:= operand ("=" | "<>" | "!=") operand | operand ["NOT"] "IN" "(" operand ("," operand)* ")"
 *   operand   := path | 'string' | number | ("Lower" | "Upper") "(" operand ")"
 *   path      := "[" ... "]" | @attr | link/@attr
 */
import type { XmlElement } from '../../../lib/targets/campaign/xml.js';

export class ExpressionError extends Error {}

type Token =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: string }
  | { kind: 'path'; value: string }
  | { kind: 'word'; value: string }
  | { kind: 'punct'; value: string };

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const c = source[i] ?? '';
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === "'") {
      let value = '';
      i += 1;
      for (;;) {
        const d = source[i];
        if (d === undefined) throw new ExpressionError(`unterminated string literal in ${JSON.stringify(source)}`);
        if (d === '\\') {
          const escaped = source[i + 1];
          if (escaped === undefined) throw new ExpressionError('dangling backslash in a string literal');
          value += escaped;
          i += 2;
        } else if (d === "'") {
          i += 1;
          break;
        } else {
          value += d;
          i += 1;
        }
      }
      tokens.push({ kind: 'string', value });
    } else if (c === '[') {
      const end = source.indexOf(']', i);
      if (end < 0) throw new ExpressionError('unterminated [path]');
      tokens.push({ kind: 'path', value: source.slice(i + 1, end) });
      i = end + 1;
    } else if (source.startsWith('<>', i) || source.startsWith('!=', i)) {
      tokens.push({ kind: 'punct', value: '<>' });
      i += 2;
    } else if ('(),='.includes(c)) {
      tokens.push({ kind: 'punct', value: c });
      i += 1;
    } else {
      const match = /^(-?\d+(?:\.\d+)?)|^(@[\w-]+|[A-Za-z_]\w*(?:\/@?[\w-]+)*)/.exec(source.slice(i));
      if (!match) throw new ExpressionError(`unexpected ${JSON.stringify(c)} at ${i} in ${JSON.stringify(source)}`);
      if (match[1] !== undefined) tokens.push({ kind: 'number', value: match[1] });
      else if (match[2] !== undefined) {
        const word = match[2];
        tokens.push(word.includes('@') || word.includes('/') ? { kind: 'path', value: word } : { kind: 'word', value: word });
      }
      i += match[0].length;
    }
  }
  return tokens;
}

/** A row the conditions and select nodes are evaluated on: the entity as an element tree. */
export type Row = XmlElement;

/** The value at a path like `@name`, `operator/@name`, `access/@authenticationType`; undefined if absent. */
export function valueAt(row: Row, path: string): string | undefined {
  const steps = path.trim().split('/');
  const attribute = steps.pop();
  if (attribute === undefined || !attribute.startsWith('@')) throw new ExpressionError(`unsupported path ${JSON.stringify(path)}`);
  let node: Row | undefined = row;
  for (const step of steps) node = node?.children.find((c) => c.name === step);
  return node?.attrs[attribute.slice(1)];
}

type Operand = (row: Row) => string | undefined;
export type Condition = (row: Row) => boolean;

export function parseCondition(source: string): Condition {
  const tokens = tokenize(source);
  let at = 0;
  const peek = (): Token | undefined => tokens[at];
  const isWord = (word: string): boolean => {
    const t = peek();
    return t?.kind === 'word' && t.value.toUpperCase() === word;
  };
  const expect = (value: string): void => {
    const t = tokens[at];
    if (t?.kind !== 'punct' || t.value !== value) throw new ExpressionError(`expected "${value}" in ${JSON.stringify(source)}`);
    at += 1;
  };

  const operand = (): Operand => {
    const t = tokens[at];
    at += 1;
    if (t === undefined) throw new ExpressionError(`operand expected at the end of ${JSON.stringify(source)}`);
    if (t.kind === 'string' || t.kind === 'number') return () => t.value;
    if (t.kind === 'path') return (row) => valueAt(row, t.value);
    if (t.kind === 'word' && /^(lower|upper)$/i.test(t.value)) {
      expect('(');
      const inner = operand();
      expect(')');
      const upper = t.value.toLowerCase() === 'upper';
      return (row) => {
        const v = inner(row);
        return v === undefined ? undefined : upper ? v.toUpperCase() : v.toLowerCase();
      };
    }
    throw new ExpressionError(`unsupported operand ${JSON.stringify(t.value)} in ${JSON.stringify(source)}`);
  };

  const comparison = (): Condition => {
    const left = operand();
    let negate = false;
    if (isWord('NOT')) {
      negate = true;
      at += 1;
    }
    if (isWord('IN')) {
      at += 1;
      expect('(');
      const list: Operand[] = [operand()];
      while (peek()?.kind === 'punct' && peek()?.value === ',') {
        at += 1;
        list.push(operand());
      }
      expect(')');
      return (row) => {
        const v = left(row);
        if (v === undefined) return false;
        return list.some((item) => item(row) === v) !== negate;
      };
    }
    if (negate) throw new ExpressionError(`NOT must be followed by IN in ${JSON.stringify(source)}`);
    const op = tokens[at];
    if (op?.kind !== 'punct' || (op.value !== '=' && op.value !== '<>')) throw new ExpressionError(`comparison expected in ${JSON.stringify(source)}`);
    at += 1;
    const right = operand();
    return (row) => {
      const l = left(row);
      const r = right(row);
      if (l === undefined || r === undefined) return false;
      return op.value === '=' ? l === r : l !== r;
    };
  };

  const not = (): Condition => {
    if (isWord('NOT')) {
      at += 1;
      const inner = not();
      return (row) => !inner(row);
    }
    const t = peek();
    if (t?.kind === 'punct' && t.value === '(') {
      at += 1;
      const inner = or();
      expect(')');
      return inner;
    }
    return comparison();
  };
  const and = (): Condition => {
    const parts = [not()];
    while (isWord('AND')) {
      at += 1;
      parts.push(not());
    }
    return (row) => parts.every((p) => p(row));
  };
  const or = (): Condition => {
    const parts = [and()];
    while (isWord('OR')) {
      at += 1;
      parts.push(and());
    }
    return (row) => parts.some((p) => p(row));
  };

  const condition = or();
  if (at !== tokens.length) throw new ExpressionError(`unexpected ${JSON.stringify(tokens[at]?.value)} in ${JSON.stringify(source)}`);
  return condition;
}

/** A select/orderBy node expression: a path, bracketed or not. */
export function parsePath(expr: string): string {
  const tokens = tokenize(expr);
  const only = tokens[0];
  if (tokens.length !== 1 || only?.kind !== 'path') throw new ExpressionError(`only paths can be selected or ordered by, not ${JSON.stringify(expr)}`);
  return only.value;
}
