/**
 * Where the local stack keeps its state: `.local-state/` in the repository (its env file for the
 * CLI, and DynamoDB on disk with --persist). `IMS_SYNC_STATE_DIR` puts it elsewhere, so that a test
 * can run `npm start` without touching a developer's running stack.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LOCAL_STACK_ENV } from '../lib/cli/env.js';

const REPOSITORY = fileURLToPath(new URL('..', import.meta.url));

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['IMS_SYNC_STATE_DIR'] || join(REPOSITORY, '.local-state');
}

/** `.local-state/stack.env`: what the CLI reads by default from the repository's root. */
export function stackEnvPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(stateDir(env), LOCAL_STACK_ENV.slice('.local-state/'.length));
}
