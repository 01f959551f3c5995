import { VolError } from './errors.ts';

const DURATION_RE = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;
const DURATION_PART_RE = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a point in time as Podman's `until` filter and `--since` flags do: Unix seconds
 * (fractions allowed), a date (`2006-01-02`, local time), RFC 3339, or a Go duration before `now`
 * (`10m`, `1h30m`). Returns milliseconds since the epoch.
 */
export function parseTimestamp(text: string, now: number, what: string): number {
  const t = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(t)) return Number(t) * 1000;
  if (DURATION_RE.test(t)) {
    let ms = 0;
    for (const m of t.matchAll(DURATION_PART_RE)) ms += Number(m[1]) * UNIT_MS[m[2]!]!;
    return now - ms;
  }
  const date = DATE_RE.exec(t);
  if (date) return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3])).getTime();
  if (DATETIME_RE.test(t)) {
    const ms = Date.parse(t.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return ms;
  }
  throw new VolError('INVALID_ARG', `invalid ${what} ${JSON.stringify(text)}: expected Unix seconds, a date (2006-01-02), RFC 3339 or a duration (10m)`);
}

/**
 * The same syntax as parseTimestamp, in nanoseconds, keeping every digit of a fraction (Unix
 * seconds or RFC 3339 up to 9 digits), so an event's own printed Time selects that event.
 */
export function parseTimestampNs(text: string, now: number, what: string): bigint {
  const t = text.trim();
  const unix = /^(\d+)(?:\.(\d{1,9})\d*)?$/.exec(t);
  if (unix) return BigInt(unix[1]!) * 1_000_000_000n + BigInt((unix[2] ?? '').padEnd(9, '0'));
  const frac = /^(.*T\d{2}:\d{2}:\d{2})\.(\d{1,9})(Z|[+-]\d{2}:?\d{2})$/i.exec(t);
  if (frac && DATETIME_RE.test(t)) {
    const wholeMs = parseTimestamp(frac[1]! + frac[3]!, now, what);
    return BigInt(wholeMs) * 1_000_000n + BigInt(frac[2]!.padEnd(9, '0'));
  }
  return BigInt(Math.round(parseTimestamp(t, now, what) * 1_000_000));
}
