/** What a command hands back to main: text for stdout, errors for stderr, an optional fixed exit code. */
export interface CommandResult {
  stdout: string;
  errors: Error[];
  /** Overrides the code derived from errors (`exists` says "no" with 1 and no error). */
  exitCode?: number;
}

/** A result with output and no errors. */
export function ok(stdout: string): CommandResult {
  return { stdout, errors: [] };
}
