/**
 * The exit codes of `ims-sync`, printed by `--help` (docs/cli.md). Where several targets end
 * differently, the most serious wins: failed (1) over held (3) over changes (2) over nothing (0).
 */
export const EXIT = {
  /** Success, and nothing to do (or nothing left to do). */
  ok: 0,
  /** Something failed; stderr says what and what to do. */
  failed: 1,
  /** Changes were applied or queued (`plan`: changes are pending). */
  changes: 2,
  /** The removal guard held removals for approval (`plan`: it would hold them). */
  held: 3,
  /** The command line is wrong (BSD sysexits EX_USAGE). */
  usage: 64,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const SEVERITY: readonly ExitCode[] = [EXIT.ok, EXIT.changes, EXIT.held, EXIT.failed];

/** The most serious of several outcomes. */
export function worst(codes: readonly ExitCode[]): ExitCode {
  let result: ExitCode = EXIT.ok;
  for (const code of codes) if (SEVERITY.indexOf(code) > SEVERITY.indexOf(result)) result = code;
  return result;
}
