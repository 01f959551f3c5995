import { isVolError, type VolErrorCode } from '../../core/errors.ts';

/** gRPC status codes (grpc/status.h), by the names the CSI spec uses. */
export const CODE = {
  OK: 0,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** An error that carries the gRPC code to answer with. */
export class CsiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'CsiError';
  }
}

/** Shorthand for an INVALID_ARGUMENT refusal. */
export function invalid(message: string): CsiError {
  return new CsiError(CODE.INVALID_ARGUMENT, message);
}

const BY_VOL_CODE: Partial<Record<VolErrorCode, number>> = {
  NO_SUCH_VOLUME: CODE.NOT_FOUND,
  NO_SUCH_SNAPSHOT: CODE.NOT_FOUND,
  VOLUME_EXISTS: CODE.ALREADY_EXISTS,
  SNAPSHOT_EXISTS: CODE.ALREADY_EXISTS,
  ALREADY_PUBLISHED: CODE.ALREADY_EXISTS,
  VOLUME_IN_USE: CODE.FAILED_PRECONDITION,
  STATE_CONFLICT: CODE.FAILED_PRECONDITION,
  INVALID_ARG: CODE.INVALID_ARGUMENT,
  INVALID_NAME: CODE.INVALID_ARGUMENT,
  AMBIGUOUS_NAME: CODE.INVALID_ARGUMENT,
  QUOTA_UNSUPPORTED: CODE.INVALID_ARGUMENT,
  OUT_OF_RANGE: CODE.OUT_OF_RANGE,
  NO_CAPACITY: CODE.RESOURCE_EXHAUSTED,
  LOCK_TIMEOUT: CODE.ABORTED,
  PLUGIN_UNREACHABLE: CODE.UNAVAILABLE,
};

/** The gRPC status for `err`; `overrides` changes the code of some engine errors for one RPC. */
export function statusOf(err: unknown, overrides: Partial<Record<VolErrorCode, number>> = {}): { code: number; details: string } {
  if (err instanceof CsiError) return { code: err.code, details: err.message };
  if (isVolError(err)) {
    const hint = err.hint ? ` (${err.hint})` : '';
    return { code: overrides[err.code] ?? BY_VOL_CODE[err.code] ?? CODE.INTERNAL, details: err.message + hint };
  }
  return { code: CODE.INTERNAL, details: err instanceof Error ? err.message : String(err) };
}

/** Maps a backend's "cannot" (QUOTA_UNSUPPORTED) to `code`, for RPCs where the spec has a better one than INVALID_ARGUMENT. */
export function unsupportedAs(code: number): (err: unknown) => never {
  return (err) => {
    if (isVolError(err, 'QUOTA_UNSUPPORTED')) throw new CsiError(code, err.message);
    throw err;
  };
}
