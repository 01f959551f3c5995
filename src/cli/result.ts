import type { Readable, Writable } from 'node:stream';

/** What a command hands back to main: text for stdout, errors for stderr, and what decides the exit code. */
export interface CommandResult {
  stdout: string;
  errors: Error[];
  /** Printed on stderr as `Warning: ...`; they do not change the exit code. */
  warnings?: string[];
  /** The command answers no (exists: no such volume; check: findings remain): the exit-code table gives the code. */
  no?: boolean;
  /** The errors are part of stdout already (reload --format json): they still decide the exit code, stderr does not repeat them. */
  errorsInStdout?: boolean;
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
