/**
 * zod's own issues, reworded for a person editing YAML: what was expected and how to fix it.
 * Messages written in `schema.ts` take precedence (zod applies a schema's own message before the
 * per-parse error map); this map words everything else. Values are never echoed, except a wrong
 * choice among fixed values (`kind`, `type`, enum entries), which cannot be a secret.
 */
import { z } from 'zod';
import { closest } from './did-you-mean.js';
import { samePath, type ConfigIssue, type ConfigPath } from './issues.js';

type RawIssue = z.core.$ZodRawIssue;

/** The per-parse error map: `Schema.safeParse(input, { error: configErrorMap })`. */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => describeRawIssue(issue);

function describeRawIssue(issue: RawIssue): string {
  const hint = descriptionOf(issue.schema);
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined
        ? `required — ${expectedPhrase(issue.expected)}${hint}`
        : `expected ${expectedPhrase(issue.expected)}, got ${kindOf(issue.input)}${hint}`;
    case 'too_small':
      return tooSmall(issue.origin, Number(issue.minimum), issue.inclusive !== false);
    case 'too_big':
      return tooBig(issue.origin, Number(issue.maximum), issue.inclusive !== false);
    case 'invalid_value':
      return oneOf(issue.values.map(String), issue.input);
    case 'invalid_union':
      if (issue.note === 'No matching discriminator' && Array.isArray(issue.options)) {
        // zod hands over the whole object here; the wrong value is its discriminator field.
        const discriminator = typeof issue.discriminator === 'string' ? issue.discriminator : '';
        return oneOf(issue.options.map(String), valueAt(issue.input, [discriminator]));
      }
      return `does not match any of the allowed forms${hint}`;
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern !== undefined
        ? `does not have the expected form (${issue.pattern})${hint}`
        : `is not a valid ${issue.format}${hint}`;
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return `is invalid${hint}`;
  }
}

/**
 * Turn zod's finished issues into ours. An unknown key becomes one issue per key, with the closest
 * allowed key as a suggestion; the "required" issue for the key it suggests is dropped, since both
 * say the same thing about one typo.
 */
export function fromZodIssues(error: z.ZodError, input: unknown, schema: z.ZodType): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const suggested: ConfigPath[] = [];
  for (const issue of error.issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = configPath(issue.path);
    const allowed = allowedKeysAt(schema, input, path);
    for (const key of issue.keys) {
      const suggestion = closest(key, allowed.filter((k) => !hasKey(valueAt(input, path), k)));
      if (suggestion !== undefined) suggested.push([...path, suggestion]);
      issues.push({
        path: [...path, key],
        message:
          suggestion !== undefined
            ? `unknown key — did you mean "${suggestion}"?`
            : `unknown key — allowed keys: ${allowed.join(', ')}`,
      });
    }
  }
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') continue;
    const path = configPath(issue.path);
    const missing = issue.code === 'invalid_type' && valueAt(input, path) === undefined;
    if (missing && suggested.some((s) => samePath(s, path))) continue;
    issues.push({ path, message: issue.message });
  }
  return issues;
}

/** zod paths may hold symbols; YAML paths never do. */
function configPath(path: readonly PropertyKey[]): ConfigPath {
  return path.filter((segment): segment is string | number => typeof segment !== 'symbol');
}

function expectedPhrase(expected: string): string {
  switch (expected) {
    case 'object':
      return 'a mapping (key: value)';
    case 'array':
      return 'a list';
    case 'boolean':
      return 'true or false';
    case 'int':
      return 'a whole number';
    default:
      return `a ${expected}`;
  }
}

function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && !Number.isInteger(value)) return 'a decimal number';
  return `a ${typeof value}`;
}

function tooSmall(origin: string, minimum: number, inclusive: boolean): string {
  if (origin === 'array' || origin === 'set') return `needs at least ${plural(inclusive ? minimum : minimum + 1, 'entry', 'entries')}`;
  if (origin === 'string') return minimum <= 1 ? 'must not be empty' : `needs at least ${plural(minimum, 'character', 'characters')}`;
  return inclusive ? `must be at least ${minimum}` : `must be greater than ${minimum}`;
}

function tooBig(origin: string, maximum: number, inclusive: boolean): string {
  if (origin === 'array' || origin === 'set') return `takes at most ${plural(inclusive ? maximum : maximum - 1, 'entry', 'entries')}`;
  if (origin === 'string') return `takes at most ${plural(maximum, 'character', 'characters')}`;
  return inclusive ? `must be at most ${maximum}` : `must be less than ${maximum}`;
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function oneOf(values: readonly string[], input: unknown): string {
  const choices = values.map((v) => `"${v}"`).join(', ');
  if (input === undefined) return `required — one of ${choices}`;
  const got = typeof input === 'string' ? `"${input}"` : kindOf(input);
  const suggestion = typeof input === 'string' ? closest(input, values) : undefined;
  return `must be one of ${choices}, got ${got}${suggestion !== undefined ? ` — did you mean "${suggestion}"?` : ''}`;
}

function descriptionOf(schema: unknown): string {
  if (!(schema instanceof z.ZodType) || schema.description === undefined) return '';
  return ` (${schema.description.replace(/\.$/, '')})`;
}

function hasKey(value: unknown, key: string): boolean {
  return isRecord(value) && Object.hasOwn(value, key);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The raw value at `path`, or undefined. */
export function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment];
    else if (isRecord(value) && typeof segment === 'string') value = value[segment];
    else return undefined;
  }
  return value;
}

/** The keys an object schema at `path` accepts, following the input through lists and `kind`/`type` unions. */
function allowedKeysAt(root: z.ZodType, input: unknown, path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType | undefined = root;
  let value = input;
  for (const segment of [...path, undefined]) {
    schema = unwrap(schema, value);
    if (segment === undefined || schema === undefined) break;
    if (schema instanceof z.ZodObject && typeof segment === 'string') {
      const shape: Record<string, z.ZodType> = schema.shape;
      schema = shape[segment];
    } else if (schema instanceof z.ZodArray && typeof segment === 'number') {
      schema = schema.element instanceof z.ZodType ? schema.element : undefined;
    } else {
      schema = undefined;
    }
    value = valueAt(value, [segment]);
  }
  return schema instanceof z.ZodObject ? Object.keys(schema.shape) : [];
}

/** Strip optional/default wrappers, and pick the option of a discriminated union that the input names. */
function unwrap(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodDefault || current instanceof z.ZodNullable) {
      const inner: unknown = current.unwrap();
      current = inner instanceof z.ZodType ? inner : undefined;
    } else if (current instanceof z.ZodDiscriminatedUnion) {
      const discriminator = current.def.discriminator;
      const chosen = valueAt(value, [discriminator]);
      const options: readonly unknown[] = current.options;
      current = options.find(
        (option): option is z.ZodObject => option instanceof z.ZodObject && literalValue(option.shape[discriminator]) === chosen,
      );
    } else {
      return current;
    }
  }
}

function literalValue(schema: unknown): unknown {
  return schema instanceof z.ZodLiteral ? schema.value : undefined;
}
