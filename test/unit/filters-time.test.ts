// Times of the until filter and of events --since/--until (core/time.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { parseTimestamp, parseTimestampNs } from '../../src/core/time.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const NOW_NS = BigInt(NOW) * 1_000_000n;

function rejects(text: string, what: string, why: RegExp, direction: 'past' | 'future' = 'future'): void {
  assert.throws(
    () => parseTimestampNs(text, NOW, what, direction),
    (err) => isVolError(err, 'INVALID_ARG') && err.message.startsWith(`invalid ${what} ${JSON.stringify(text)}: `) && why.test(err.message),
    text,
  );
}

test('days, months and clock fields that do not exist are errors naming the filter', () => {
  rejects('2026-13-45', 'until filter', /month out of range/);
  rejects('2026-02-30', 'until filter', /day out of range/);
  rejects('2026-02-29', '--since', /day out of range/);
  rejects('2100-02-29', '--until', /day out of range/);
  rejects('2026-04-31', 'until filter', /day out of range/);
  rejects('2026-00-10', 'until filter', /month out of range/);
  rejects('2026-01-00', 'until filter', /day out of range/);
  rejects('2026-02-30T10:00:00Z', '--since', /day out of range/);
  rejects('2026-01-02T24:00:00Z', '--since', /hour out of range/);
  rejects('2026-01-02T23:60:00Z', '--since', /minute out of range/);
  rejects('2026-01-02T23:59:60Z', '--since', /second out of range/);
  rejects('2026-01-02T10:00:00+25:00', '--since', /time zone offset out of range/);
});

test('leap days that exist are accepted', () => {
  assert.equal(parseTimestamp('2024-02-29T00:00:00Z', NOW, 'x'), Date.UTC(2024, 1, 29));
  assert.equal(parseTimestamp('2000-02-29T00:00:00Z', NOW, 'x'), Date.UTC(2000, 1, 29));
  assert.equal(parseTimestamp('2024-02-29', NOW, 'x'), new Date(2024, 1, 29).getTime());
  assert.equal(parseTimestamp('2026-12-31T23:59:59Z', NOW, 'x'), Date.UTC(2026, 11, 31, 23, 59, 59));
});

test('numbers beyond range are errors naming the filter, never a wrapped or huge bound', () => {
  rejects('99999999999999999999', '--since', /: out of range$/);
  rejects('99999999999999999999', 'until filter', /: out of range$/);
  rejects('8640000000001', '--until', /: out of range$/);
  rejects('9999999999h', '--until', /duration out of range/);
  rejects('2562048h', '--until', /duration out of range/);
  // Go's longest duration still parses.
  assert.equal(parseTimestampNs('2562047h', NOW, 'x', 'future'), NOW_NS + 2562047n * 3_600_000_000_000n);
  assert.equal(parseTimestampNs('8640000000000', NOW, 'x'), 8_640_000_000_000_000_000_000n);
});

test('durations count back for until/--since and forward for --until, as in Podman', () => {
  assert.equal(parseTimestampNs('10m', NOW, 'x'), NOW_NS - 600_000_000_000n);
  assert.equal(parseTimestampNs('10m', NOW, 'x', 'future'), NOW_NS + 600_000_000_000n);
  assert.equal(parseTimestampNs('-10m', NOW, 'x', 'future'), NOW_NS - 600_000_000_000n);
  assert.equal(parseTimestampNs('1.5h', NOW, 'x'), NOW_NS - 5_400_000_000_000n);
  assert.equal(parseTimestampNs('.5s', NOW, 'x'), NOW_NS - 500_000_000n);
  assert.equal(parseTimestampNs('1h2m3s4ms5us6ns', NOW, 'x'), NOW_NS - 3_723_004_005_006n);
  assert.equal(parseTimestampNs('7µs', NOW, 'x'), NOW_NS - 7_000n);
  assert.equal(parseTimestampNs('7μs', NOW, 'x'), NOW_NS - 7_000n);
  // A sign only where a duration may point both ways.
  rejects('-10m', 'until filter', /expected Unix seconds/, 'past');
  rejects('+10m', '--since', /expected Unix seconds/, 'past');
  for (const bad of ['1x', '1h-1m', 'h', '1.2.3s', '--1h', '']) rejects(bad, '--until', /expected Unix seconds/);
});

test('Unix seconds, RFC 3339 with offsets and fractions keep nanoseconds exactly', () => {
  assert.equal(parseTimestampNs('1700000000', NOW, 'x'), 1_700_000_000_000_000_000n);
  assert.equal(parseTimestampNs('1700000000.123456789999', NOW, 'x'), 1_700_000_000_123_456_789n);
  assert.equal(parseTimestampNs('1700000000.', NOW, 'x'), 1_700_000_000_000_000_000n);
  assert.equal(parseTimestampNs('2026-01-02T03:04:05.000000001Z', NOW, 'x'), BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n + 1n);
  assert.equal(parseTimestampNs('2026-01-02T03:04:05-0130', NOW, 'x'), BigInt(Date.UTC(2026, 0, 2, 4, 34, 5)) * 1_000_000n);
  assert.equal(parseTimestampNs('2026-01-02 03:04Z', NOW, 'x'), BigInt(Date.UTC(2026, 0, 2, 3, 4)) * 1_000_000n);
  // Years below 100 are years, not 19xx.
  assert.equal(parseTimestamp('0050-01-01T00:00:00Z', NOW, 'x'), Date.parse('0050-01-01T00:00:00Z'));
});
