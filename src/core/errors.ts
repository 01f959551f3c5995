/** The closed set of error kinds vol reports; the CLI maps each to an exit code. */
export type VolErrorCode =
  | 'NO_SUCH_VOLUME'
  | 'VOLUME_EXISTS'
  | 'VOLUME_IN_USE'
  | 'INVALID_ARG'
  | 'INVALID_NAME'
  | 'AMBIGUOUS_NAME'
  | 'QUOTA_UNSUPPORTED'
  | 'LOCK_TIMEOUT'
  | 'PLUGIN_FAILED'
  | 'PLUGIN_UNREACHABLE'
  | 'NO_SUCH_PLUGIN'
  | 'STATE_CONFLICT'
  | 'IO_FAILED'
  | 'NO_SUCH_SNAPSHOT'
  | 'SNAPSHOT_EXISTS'
  | 'OUT_OF_RANGE'
  | 'NO_CAPACITY'
  | 'ALREADY_PUBLISHED';

/** Options of a VolError beyond its code and message. */
export interface VolErrorOptions {
  hint?: string;
  cause?: unknown;
}

/** The one error type the core throws; match on `code`, never on `message`. */
export class VolError extends Error {
  readonly code: VolErrorCode;
  readonly hint?: string;

  constructor(code: VolErrorCode, message: string, opts: VolErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'VolError';
    this.code = code;
    this.hint = opts.hint;
  }
}

/** True when `err` is a VolError, optionally of the given code. */
export function isVolError(err: unknown, code?: VolErrorCode): err is VolError {
  return err instanceof VolError && (code === undefined || err.code === code);
}

/** The errno code of a Node system error, or undefined. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Longest run of non-blank characters echoed in a message before it is cut. */
const MAX_ECHOED_VALUE = 200;
/** Longest message line printed in full. */
const MAX_LINE = 2000;

/** `text` on one line, with every long value (a run of non-blank characters) and the whole line cut to a sane length. */
export function clipMessage(text: string): string {
  const line = text.replace(/\s*\n\s*/g, ' ').replace(new RegExp(`\\S{${MAX_ECHOED_VALUE + 1},}`, 'g'), (v) => `${v.slice(0, MAX_ECHOED_VALUE)}...`);
  return line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line;
}
