/**
 * `ims-sync check-config`: validate a configuration file before it is deployed, with the loader
 * production uses, and without connecting to the table, the queues or any target. Only an `ssm:`
 * configuration or an `ssm:`/`secretsmanager:` secret reference (with --secrets) calls AWS.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { loadConfig } from '../config/loader.js';
import type { SyncConfig } from '../config/schema.js';
import { createSecretResolver } from '../config/secrets.js';
import { ConfigError } from '../errors.js';
import { expectPositionals, parseCommand } from './args.js';
import { renderSummary, summarizeConfig, type ConfigSummary } from './config-summary.js';
import type { Command } from './context.js';
import { UsageError } from './errors.js';
import { EXIT } from './exit-codes.js';
import { json, plural } from './format.js';
import { checkSecrets, renderSecrets, secretReferences, type SecretCheck } from './secret-check.js';

/** What `--json` prints. `valid` is true exactly when the exit code is 0. */
export interface CheckConfigReport {
  readonly valid: boolean;
  /** The configuration's problems, one line each, naming the YAML path, what was expected and the fix. */
  readonly issues: readonly string[];
  readonly summary?: ConfigSummary;
  /** Whether the secret references were resolved (--secrets); without it they were not looked at. */
  readonly secretsChecked: boolean;
  /** With --secrets: each secret reference, ok or with its error. */
  readonly secrets?: readonly SecretCheck[];
}

export const checkConfigCommand: Command = {
  name: 'check-config',
  summary: 'Validate a configuration (with --secrets, its secret references too), connecting to nothing',
  help: `Usage: ims-sync check-config [--config <path>] [--secrets] [--json]

Validate the configuration that --config or SYNC_CONFIG names (a file, or ssm:<parameter>) with
the loader the functions use, without connecting to the table, the queues or any target: no
TABLE_NAME, QUEUE_URL or local stack is needed. An invalid configuration prints every problem,
each with its path in the file, what was expected and the fix. A valid one prints a summary: the
org, the identity types, the guard and, per target, its kind, base URL, auth, product profiles,
managed groups or association mask, and revocation. \${NAME} values and env: secrets are read
from the variables every command uses (the environment, --env-file or .local-state/stack.env).
An ssm: configuration is read from SSM Parameter Store (AWS credentials needed).

Options:
  --secrets       Also resolve every secret reference (org.clientSecret, each target's auth,
                  webhooks.generic.secret) and report each as ok or with its error; secret values
                  are never shown. ssm: and secretsmanager: references call AWS.
  --json          Print { valid, issues, summary, secrets } as JSON

Without --secrets, the secret references are not looked at (an unset env: variable goes unnoticed)
and the output says so.

Exit: 0 valid (and, with --secrets, every reference resolved), 1 not.`,
  async run(args, ctx) {
    const { values, positionals } = parseCommand('check-config', args, {
      secrets: { type: 'boolean' },
      json: { type: 'boolean' },
    });
    expectPositionals('check-config', positionals, []);
    const { env, configNamedBy } = ctx.environment({ preferExportedConfig: true });
    const ref = env['SYNC_CONFIG'];
    if (ref === undefined) throw new UsageError('no configuration to check: pass --config <path> or set SYNC_CONFIG', 'check-config');

    const lookups = ctx.awsLookups(env);
    try {
      let config: SyncConfig;
      try {
        config = await loadConfig(ref, {
          env,
          // A relative path is the operator's, relative to where the CLI runs.
          readFile: (path) => readFile(resolve(ctx.cwd, path), 'utf8'),
          ssmGetParameter: (name) => lookups.ssm(name),
          namedBy: configNamedBy,
        });
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const report: CheckConfigReport = { valid: false, issues: error.issues, secretsChecked: false };
        if (values.json === true) ctx.out(json(report));
        else ctx.err(`ims-sync check-config: ${ref} is invalid — ${plural(error.issues.length, 'problem')}, fix these and run again:\n${error.issues.map((issue) => `  - ${issue}`).join('\n')}\n`);
        return EXIT.failed;
      }

      const summary = summarizeConfig(config);
      const secrets =
        values.secrets === true
          ? await checkSecrets(
              config,
              // A fresh resolver: nothing is cached across runs, and values never leave checkSecrets.
              createSecretResolver({ env, ssm: (name) => lookups.ssm(name), secretsManager: (id) => lookups.secretsManager(id) }),
            )
          : undefined;
      const unresolved = secrets?.filter((s) => s.status === 'error').length ?? 0;
      const valid = unresolved === 0;
      if (values.json === true) {
        const report: CheckConfigReport = { valid, issues: [], summary, secretsChecked: secrets !== undefined, ...(secrets !== undefined ? { secrets } : {}) };
        ctx.out(json(report));
      } else {
        ctx.out(renderSummary(ref, summary));
        if (secrets !== undefined) ctx.out(`\n${renderSecrets(secrets)}`);
        else ctx.out(`\n${secretsNotChecked(config)}\n`);
        if (!valid) {
          ctx.err(`ims-sync check-config: ${plural(unresolved, 'secret reference does', 'secret references do')} not resolve — see the problems above\n`);
        }
      }
      return valid ? EXIT.ok : EXIT.failed;
    } finally {
      lookups.close();
    }
  },
};

/** Without --secrets: "valid" says nothing about the secrets, so say so, and how to check them. */
function secretsNotChecked(config: SyncConfig): string {
  const refs = secretReferences(config);
  const envNames = [...new Set(refs.flatMap((r) => (r.ref.startsWith('env:') ? [r.ref.slice('env:'.length)] : [])))];
  const envNote = envNames.length > 0 ? ` (${envNames.join(', ')} must then be set in this environment or the env file)` : '';
  return `Secrets: not checked — ${plural(refs.length, 'secret reference')} not resolved. Check them with \`ims-sync check-config --secrets\`${envNote}.`;
}
