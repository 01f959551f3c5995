import { isVolError, type VolErrorCode } from '../core/errors.ts';
import type { CommandResult } from './result.ts';

/** Exit codes of the command-line contract. */
export const EXIT = { ok: 0, notFound: 1, inUse: 2, failure: 125 } as const;

/** `vol check` found inconsistencies that remain (after `--repair`: that it could not fix). */
const FINDINGS_REMAIN = 1;

// Codes that have their own exit status in a given command; every other error is 125.
const TABLE: Record<string, Partial<Record<VolErrorCode, number>>> = {
  rm: { NO_SUCH_VOLUME: EXIT.notFound, VOLUME_IN_USE: EXIT.inUse },
};

// The code of a "no" that is a command's answer, not an error.
const NO: Record<string, number> = { exists: EXIT.notFound, check: FINDINGS_REMAIN };

/**
 * The exit code of `command` from its result: 0, its "no", or the code of its errors.
 * podman: the last error decides; vol takes the most serious one (125 over 2 over 1), so a
 * script never mistakes a real failure for "already gone".
 */
export function exitCodeFor(command: string, result: CommandResult | undefined): number {
  let code: number = result?.no ? (NO[command] ?? EXIT.failure) : EXIT.ok;
  for (const err of result?.errors ?? []) {
    const mapped = isVolError(err) ? TABLE[command]?.[err.code] : undefined;
    code = Math.max(code, mapped ?? EXIT.failure);
  }
  return code;
}
