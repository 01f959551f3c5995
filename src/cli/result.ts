import type { Readable, Writable } from 'node:stream';

/** What a command hands back to main: text for stdout, errors for stderr, an optional fixed exit code. */
export interface CommandResult {
  stdout: string;
  errors: Error[];
  /** Printed on stderr as `Warning: ...`; they do not change the exit code. */
  warnings?: string[];
  /** Overrides the code derived from errors (`exists` says "no" with 1 and no error). */
  exitCode?: number;
  /** Ask before going on: main prints stdout and `prompt`, reads a line, and runs `proceed` on y/Y. */
  confirm?: { prompt: string; proceed(): Promise<CommandResult> };
  /** Work on raw bytes (export to stdout, import from stdin): main runs it with the process's streams. */
  streams?(io: ByteIo): Promise<void>;
}

/** The process's stdin and stdout as byte streams, opened only when asked for. */
export interface ByteIo {
  stdinBytes(): Readable;
  /** Ending this stream leaves stdout itself open. */
  stdoutBytes(): Writable;
  /** A signal that aborts on SIGINT/SIGTERM, for commands that run until interrupted (events --follow). */
  interrupts(): AbortSignal;
}

/** A result with output and no errors. */
export function ok(stdout: string): CommandResult {
  return { stdout, errors: [] };
}

/** The result of a command that acts on several volumes: each done one's name on stdout, each failure an error. */
export function reportsResult(reports: readonly { name: string; error?: Error }[]): CommandResult {
  const result: CommandResult = { stdout: '', errors: [] };
  for (const r of reports) {
    if (r.error) result.errors.push(r.error);
    else result.stdout += r.name + '\n';
  }
  return result;
}
