/**
 * A local osls plugin (serverless.yml `plugins:`): `serverless package` and `serverless deploy`
 * refuse, before anything is built, when the configuration SYNC_CONFIG names is missing or invalid.
 * Without it the zips would hold only the bundles and every function would fail at its cold start.
 *
 * A file is validated by `ims-sync check-config` itself (the loader the functions use, connecting to
 * nothing), so packaging can never accept what the CLI refuses. An `ssm:` configuration is read at
 * cold start from SSM Parameter Store: there is no file to check.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const HOW_TO_CREATE =
  'create it from the demo: `cp config/demo.yaml config/sync.yaml` (then edit the org, the targets and the secret references), ' +
  'or name another file or an SSM parameter: `SYNC_CONFIG=ssm:/ims-group-sync/<stage>/config npx serverless deploy --stage <stage>` ' +
  '(see docs/deployment.md)';

export default class RequireSyncConfig {
  constructor(serverless, _options, utils) {
    this.serverless = serverless;
    this.log = utils?.log;
    const check = () => this.check();
    this.hooks = {
      'before:package:initialize': check,
      'before:deploy:function:initialize': check,
    };
  }

  async check() {
    const ref = this.serverless.service.provider.environment?.SYNC_CONFIG;
    const fail = (message) => {
      throw new this.serverless.classes.Error(`ims-group-sync: nothing was packaged: ${message}`);
    };
    if (typeof ref !== 'string' || ref.trim() === '') fail(`SYNC_CONFIG is empty; ${HOW_TO_CREATE}`);
    if (ref.startsWith('ssm:')) return;

    const serviceDir = this.serverless.serviceDir;
    if (!existsSync(resolve(serviceDir, ref))) fail(`SYNC_CONFIG names ${ref}, which does not exist; ${HOW_TO_CREATE}`);

    const cli = resolve(serviceDir, 'bin/ims-sync.js');
    let report;
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [cli, 'check-config', '--config', ref, '--json'], { cwd: serviceDir, env: process.env });
      report = JSON.parse(stdout);
    } catch (error) {
      // check-config exits 1 for an invalid configuration, still printing its JSON report.
      const stdout = typeof error?.stdout === 'string' ? error.stdout : '';
      try {
        report = JSON.parse(stdout);
      } catch {
        fail(`could not validate ${ref} with \`ims-sync check-config\`: ${String(error?.stderr || error?.message || error).trim()}`);
      }
    }
    if (report?.valid !== true) {
      const issues = Array.isArray(report?.issues) ? report.issues : [];
      fail(`SYNC_CONFIG names ${ref}, which is invalid (as \`npx ims-sync check-config --config ${ref}\` reports); fix these:\n${issues.map((i) => `  - ${i}`).join('\n')}\n`);
    }
    this.log?.notice?.(`ims-group-sync: ${ref} is a valid configuration; it goes into every package.`);
  }
}
