import { isVolError, type VolErrorCode } from '../core/errors.ts';

/** Exit codes of the command-line contract. */
export const EXIT = { ok: 0, notFound: 1, inUse: 2, failure: 125 } as const;

// Codes that have their own exit status in a given command; every other error is 125.
const TABLE: Record<string, Partial<Record<VolErrorCode, number>>> = {
  rm: { NO_SUCH_VOLUME: EXIT.notFound, VOLUME_IN_USE: EXIT.inUse },
};

/**
 * The exit code for `command` that failed with `errors` (none: 0).
 * podman: the last error decides; vol takes the most serious one (125 over 2 over 1), so a
 * script never mistakes a real failure for "already gone".
 */
export function exitCodeFor(command: string, errors: readonly unknown[]): number {
  let code: number = EXIT.ok;
  for (const err of errors) {
    const mapped = isVolError(err) ? TABLE[command]?.[err.code] : undefined;
    code = Math.max(code, mapped ?? EXIT.failure);
  }
  return code;
}
