import { VolError } from './errors.ts';

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1_000n, µs: 1_000n, μs: 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const DURATION_RE = /^[-+]?(?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const DURATION_PART_RE = /(\d*)(?:\.(\d*))?(ns|us|µs|μs|ms|s|m|h)/g;
const UNIX_RE = /^(\d+)(?:\.(\d*))?$/;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?([Zz]|[+-]\d{2}:?\d{2})?$/;
/** Go's longest duration (int64 nanoseconds). */
const MAX_DURATION_NS = 2n ** 63n - 1n;
/** What a JavaScript Date can hold: ±100,000,000 days around the epoch. */
const MAX_TIME_NS = 8_640_000_000_000_000n * 1_000_000n;
const EXPECTED = 'expected Unix seconds, a date (2006-01-02), RFC 3339 or a duration (10m)';

/** How a duration counts from now: back (the `until` filter, `--since`) or forward (`--until`, as Podman's ParseInputTime). */
export type DurationDirection = 'past' | 'future';

/**
 * Parses a point in time as Podman's `until` filter and `--since`/`--until` flags do: Unix
 * seconds (fractions allowed), a date (`2006-01-02`, local time), RFC 3339, or a Go duration from
 * `nowMs` (`10m`, `1h30m`). Returns nanoseconds since the epoch, keeping every digit of a fraction.
 * Days, months and clock fields that do not exist, and values beyond a Date's range, are errors
 * naming `what`.
 */
export function parseTimestampNs(text: string, nowMs: number, what: string, direction: DurationDirection = 'past'): bigint {
  const t = text.trim();
  const fail = (why: string) => new VolError('INVALID_ARG', `invalid ${what} ${JSON.stringify(text)}: ${why}`);
  let ns: bigint;
  const unix = UNIX_RE.exec(t);
  const date = DATE_RE.exec(t);
  const datetime = DATETIME_RE.exec(t);
  if (unix) ns = BigInt(unix[1]!) * 1_000_000_000n + fractionNs(unix[2], 1_000_000_000n);
  else if (DURATION_RE.test(t) && (direction === 'future' || !/^[-+]/.test(t))) {
    const d = durationNs(t);
    if (d === undefined) throw fail('duration out of range');
    ns = BigInt(nowMs) * 1_000_000n + (direction === 'past' ? -d : d);
  } else if (date) ns = calendarNs(date.slice(1), undefined, fail);
  else if (datetime) ns = calendarNs(datetime.slice(1, 7), datetime[8], fail) + fractionNs(datetime[7], 1_000_000_000n);
  else throw fail(EXPECTED);
  if (ns > MAX_TIME_NS || ns < -MAX_TIME_NS) throw fail('out of range');
  return ns;
}

/** The same as parseTimestampNs, in milliseconds (what volume creation times are kept in). */
export function parseTimestamp(text: string, nowMs: number, what: string): number {
  return Number(parseTimestampNs(text, nowMs, what) / 1_000_000n);
}

/** Nanoseconds of a Go duration such as `1h30m` or `-1.5s`; undefined beyond Go's int64 limit. */
function durationNs(text: string): bigint | undefined {
  let total = 0n;
  for (const m of text.matchAll(DURATION_PART_RE)) {
    const unit = UNIT_NS[m[3]!]!;
    total += BigInt(m[1] || '0') * unit + fractionNs(m[2], unit);
    if (total > MAX_DURATION_NS) return undefined;
  }
  return text.startsWith('-') ? -total : total;
}

/** `digits` as the fraction of one `unit` (rounded down to whole nanoseconds). */
function fractionNs(digits: string | undefined, unit: bigint): bigint {
  if (!digits) return 0n;
  return (BigInt(digits) * unit) / 10n ** BigInt(digits.length);
}

/** Nanoseconds of a validated calendar date and clock time, in `zone` (local time without one). */
function calendarNs(fields: (string | undefined)[], zone: string | undefined, fail: (why: string) => VolError): bigint {
  const [y, mo, d, h = 0, mi = 0, s = 0] = fields.map((f) => Number(f ?? 0));
  if (y === undefined || mo === undefined || d === undefined) throw fail(EXPECTED);
  if (mo < 1 || mo > 12) throw fail('month out of range');
  if (d < 1 || d > daysInMonth(y, mo)) throw fail('day out of range');
  if (h > 23) throw fail('hour out of range');
  if (mi > 59) throw fail('minute out of range');
  if (s > 59) throw fail('second out of range');
  let ms: number;
  if (zone === undefined) {
    const local = new Date(2000, 0, 1);
    local.setFullYear(y, mo - 1, d);
    local.setHours(h, mi, s, 0);
    ms = local.getTime();
  } else {
    const utc = new Date(0);
    utc.setUTCFullYear(y, mo - 1, d);
    utc.setUTCHours(h, mi, s, 0);
    ms = utc.getTime() - zoneOffsetMs(zone, fail);
  }
  return BigInt(ms) * 1_000_000n;
}

function daysInMonth(y: number, mo: number): number {
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
}

function zoneOffsetMs(zone: string, fail: (why: string) => VolError): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  if (hours > 23 || minutes > 59) throw fail('time zone offset out of range');
  return (zone[0] === '-' ? -1 : 1) * (hours * 60 + minutes) * 60_000;
}
