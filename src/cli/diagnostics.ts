import { clipMessage, isVolError } from '../core/errors.ts';
import { EXIT } from './exit-codes.ts';
import type { CommandResult } from './result.ts';

/** Exit status of a command whose stdout reader went away: what a process killed by SIGPIPE reports. */
export const EXIT_BROKEN_PIPE = 141;

/** How much of an unexpected error's story to tell: its stack goes out only at the debug level. */
export interface DiagnosticsMode {
  debug: boolean;
  json: boolean;
}

/** The mode the global flags (or, without them, VOL_LOG_LEVEL and VOL_LOG_FORMAT) ask for. */
export function diagnosticsMode(level: string | undefined, format: string | undefined): DiagnosticsMode {
  return { debug: (level ?? process.env.VOL_LOG_LEVEL) === 'debug', json: (format ?? process.env.VOL_LOG_FORMAT) === 'json' };
}

/** Prints what escaped main (a bug) as an internal error, with the mode read from raw `argv`; gives the exit code. */
export function crashed(err: unknown, stderr: StderrSink, argv: readonly string[]): number {
  const flag = (name: string): string | undefined => {
    const joined = argv.find((a) => a.startsWith(`${name}=`));
    if (joined) return joined.slice(name.length + 1);
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  printError(err, stderr, diagnosticsMode(flag('--log-level'), flag('--log-format')));
  return EXIT.failure;
}

/** Where diagnostics go. */
export type StderrSink = (text: string) => void;

/** Prints a result's warnings and errors on stderr, one line each (and, at debug, the stacks of unexpected errors). */
export function printDiagnostics(result: CommandResult | undefined, stderr: StderrSink, mode: DiagnosticsMode): void {
  for (const w of result?.warnings ?? []) stderr(`Warning: ${clipMessage(w)}\n`);
  if (result?.errorsInStdout) return;
  for (const err of result?.errors ?? []) printError(err, stderr, mode);
}

/** Prints one error as its `Error: ` line; an error vol did not expect says so and how to see more. */
export function printError(err: unknown, stderr: StderrSink, mode: DiagnosticsMode): void {
  stderr(`Error: ${errorText(err)}\n`);
  if (isVolError(err) || !mode.debug) return;
  const stack = (err as Error | undefined)?.stack ?? String(err);
  if (mode.json) stderr(JSON.stringify({ level: 20, time: Date.now(), pid: process.pid, msg: 'internal error', stack }) + '\n');
  else stderr(`Debug: internal error: ${stack}\n`);
}

/** The text after `Error: `: a VolError's message and hint; anything else is a bug and is called one. */
export function errorText(err: unknown): string {
  if (isVolError(err)) return clipMessage(err.message + (err.hint ? ` (${err.hint})` : ''));
  const message = err instanceof Error ? err.message : String(err);
  return `internal error: ${clipMessage(message)} (run with --log-level debug for details)`;
}

/**
 * The exit code once writing stdout failed with `failure`: EPIPE (the reader went away) ends
 * quietly with 141; any other write error (ENOSPC, EIO) is one `Error:` line and 125. Errors
 * that were that same failure (an export cut short) are not repeated.
 */
export function stdoutFailed(failure: Error, result: CommandResult | undefined, stderr: StderrSink, mode: DiagnosticsMode): number {
  if ((failure as NodeJS.ErrnoException).code === 'EPIPE') return EXIT_BROKEN_PIPE;
  const others = (result?.errors ?? []).filter((e) => !causedBy(e, failure));
  printDiagnostics({ stdout: '', warnings: result?.warnings, errors: others, errorsInStdout: result?.errorsInStdout }, stderr, mode);
  const why = failure.message.replace(/^[A-Z0-9]+: /, '').replace(/, write$/, '');
  stderr(`Error: writing to stdout: ${clipMessage(why)}\n`);
  return EXIT.failure;
}

function causedBy(err: unknown, failure: Error): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e === failure || (e as NodeJS.ErrnoException).code === (failure as NodeJS.ErrnoException).code) return true;
  }
  return false;
}
