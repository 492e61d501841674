/**
 * Reading the configuration: YAML text → interpolation → schema → cross-field rules → `SyncConfig`.
 * Every problem found on the way is reported at once, in one `ConfigError`, in the order the keys
 * appear in the file, so that a customer fixes a file in one pass rather than one error per deploy.
 */
import { readFileSync } from 'node:fs';
import { readFile as readFileAsync } from 'node:fs/promises';
import { LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import { ConfigError } from '../errors.js';
import { interpolateDocument, type Env } from './interpolate.js';
import { samePath, toConfigError, type ConfigIssue, type ConfigPath } from './issues.js';
import { checkCrossFieldRules } from './rules.js';
import { SyncConfig } from './schema.js';
import { configErrorMap, fromZodIssues } from './zod-issues.js';

export type { Env } from './interpolate.js';

/** Parse configuration text. `source` (a file name, `ssm:<name>`) only labels syntax errors. Throws `ConfigError`. */
export function parseConfig(yamlText: string, env: Env, source?: string): SyncConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(yamlText, { lineCounter, prettyErrors: true });
  const [firstSyntaxError] = doc.errors;
  if (firstSyntaxError !== undefined) {
    // Only the first: the parser's later errors mostly follow from it and bury it.
    const more = doc.errors.length - 1;
    const rest = more > 0 ? ` (fix this first; ${more} more syntax error${more === 1 ? '' : 's'} may follow from it)` : '';
    throw new ConfigError([`${syntaxIssue(firstSyntaxError, source)}${rest}`]);
  }
  const interpolationIssues = interpolateDocument(doc, env);
  const input: unknown = doc.toJS();
  if (input === null || input === undefined) {
    throw new ConfigError(['(top level): the configuration is empty — it needs at least "org" and "targets" (see docs/configuration.md)']);
  }
  const parsed = SyncConfig.safeParse(input, { error: configErrorMap });
  const schemaIssues = parsed.success ? [] : fromZodIssues(parsed.error, input, SyncConfig);
  // A value whose variable is missing was left as written; what the schema thinks of it is noise.
  const issues = [
    ...interpolationIssues,
    ...[...schemaIssues, ...checkCrossFieldRules(input)].filter(
      (issue) => !interpolationIssues.some((missing) => samePath(missing.path, issue.path)),
    ),
  ];
  if (issues.length > 0 || !parsed.success) throw toConfigError(inDocumentOrder(issues, doc, lineCounter));
  return parsed.data;
}

/** Read and parse a configuration file. Throws `ConfigError`. */
export function loadConfigFile(path: string, env: Env): SyncConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw unreadable(path, error, 'SYNC_CONFIG');
  }
  return parseConfig(text, env, path);
}

export interface LoadConfigDeps {
  readonly env: Env;
  readonly readFile?: (path: string) => Promise<string>;
  /** Reads an SSM parameter's (decrypted) value; see `aws-secret-sources.ts`. */
  readonly ssmGetParameter?: (name: string) => Promise<string>;
  /** What named the configuration, for the fix of an unreadable file (default `SYNC_CONFIG`; the CLI: `--config`). */
  readonly namedBy?: string;
}

/**
 * Load the configuration that `SYNC_CONFIG` names: a file path, or `ssm:<parameter-name>` for a
 * configuration kept in SSM Parameter Store (so that a deployment can change it without a rebuild).
 */
export async function loadConfig(ref: string, deps: LoadConfigDeps): Promise<SyncConfig> {
  if (ref.trim() === '') {
    throw new ConfigError(['SYNC_CONFIG: is empty — set it to a file path (config/acme.yaml) or "ssm:<parameter-name>"']);
  }
  if (ref.startsWith('ssm:')) {
    const name = ref.slice('ssm:'.length);
    if (deps.ssmGetParameter === undefined) {
      throw new ConfigError([`${ref}: cannot read the configuration — no SSM client was given to the loader`]);
    }
    let text: string;
    try {
      text = await deps.ssmGetParameter(name);
    } catch (error) {
      throw new ConfigError([`${ref}: cannot read the configuration parameter (${errorName(error)}) — check the name and the function's ssm:GetParameter permission`]);
    }
    return parseConfig(text, deps.env, ref);
  }
  const readFile = deps.readFile ?? ((path: string) => readFileAsync(path, 'utf8'));
  let text: string;
  try {
    text = await readFile(ref);
  } catch (error) {
    throw unreadable(ref, error, deps.namedBy ?? 'SYNC_CONFIG');
  }
  return parseConfig(text, deps.env, ref);
}

function unreadable(path: string, error: unknown, namedBy: string): ConfigError {
  return new ConfigError([`${path}: cannot read the configuration file (${errorName(error)}) — check the path given in ${namedBy}`]);
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'unknown error';
}

/**
 * `config.yaml line 3, column 7: YAML syntax error — <what>`. yaml's pretty message ends with the
 * offending line quoted; that is cut, because the line may hold a value that should not be logged.
 */
function syntaxIssue(error: YAMLError, source: string | undefined): string {
  const position = error.linePos?.[0];
  const where = position === undefined ? 'YAML' : `line ${position.line}, column ${position.col}`;
  const what = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  return `${source === undefined ? '' : `${source} `}${where}: YAML syntax error — ${what}`;
}

/** Sort issues by the line of the key they name (or its closest existing parent); ties keep their order. */
function inDocumentOrder(issues: readonly ConfigIssue[], doc: Document, lineCounter: LineCounter): ConfigIssue[] {
  const lineOf = (path: ConfigPath): number => {
    for (let length = path.length; length > 0; length -= 1) {
      const node: unknown = doc.getIn(path.slice(0, length), true);
      const offset = rangeStart(node);
      if (offset !== undefined) return lineCounter.linePos(offset).line;
    }
    return 0;
  };
  return issues
    .map((issue, order) => ({ issue, order, line: lineOf(issue.path) }))
    .sort((a, b) => a.line - b.line || a.order - b.order)
    .map(({ issue }) => issue);
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const { range } = node;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}
