/**
 * What `runCli` is given (streams, environment, terminal or not) and what every command receives.
 */
import type { AwsLookups, AwsLookupsFactory } from './aws-lookups.js';
import type { ExitCode } from './exit-codes.js';
import type { CliRuntime, RuntimeFactory } from './connect.js';
import type { Env, ResolvedEnv, ResolveOptions } from './env.js';
import type { Progress } from './progress.js';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Env;
  /** stderr is a terminal: progress and the "connected to" line are shown. */
  readonly isTTY: boolean;
  /** Where `.local-state/stack.env` and relative paths are looked up (default: the process's). */
  readonly cwd?: string;
  /** Ask the operator a question and read one line (only when stdin is a terminal). */
  readonly ask?: (question: string) => Promise<string>;
}

export interface CliDeps {
  /** Builds the runtime from the resolved environment (default: over AWS, `connectAws`). */
  readonly runtime?: RuntimeFactory;
  /** Fresh ids for runs, events and replays (default: time and random). */
  readonly newId?: (prefix: string) => string;
  /** SSM and Secrets Manager lookups for `check-config` (default: AWS clients, made on first use). */
  readonly awsLookups?: AwsLookupsFactory;
}

export interface CommandContext {
  /** Write to stdout. */
  out(text: string): void;
  /** Write to stderr. */
  err(text: string): void;
  /** Progress on stderr, or nothing when not a terminal or with `--json`. */
  progress(json: boolean): Progress;
  /** Connect (once) to the system the flags and environment point at. */
  connect(): Promise<CliRuntime>;
  /** The variables the flags and environment resolve to, without connecting to anything. */
  environment(options?: ResolveOptions): ResolvedEnv;
  /** Where relative paths (such as --config) are looked up. */
  readonly cwd: string;
  /** SSM and Secrets Manager lookups over the given variables; `close()` them when done. */
  awsLookups(env: Env): AwsLookups;
  newId(prefix: string): string;
  /** Ask the operator (a terminal only): undefined when nobody can answer. */
  readonly ask?: (question: string) => Promise<string>;
}

export interface Command {
  readonly name: string;
  /** One line for the tool's help. */
  readonly summary: string;
  /** The command's `--help`. */
  readonly help: string;
  run(args: readonly string[], ctx: CommandContext): Promise<ExitCode>;
}
