import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { compileFilters, parseFilterArgs } from '../../src/core/filters.ts';
import type { VolumeRecord } from '../../src/core/model.ts';
import { parseTimestamp } from '../../src/core/time.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

function vol(name: string, createdAt: number, labels: Record<string, string> = {}, options: Record<string, string> = {}): VolumeRecord {
  return { name, driver: 'local', mountpoint: `/r/volumes/${name}/_data`, createdAt, labels, options, noQuota: false, status: 'ready', mountCount: 0 };
}

const VOLS = [
  vol('app1', NOW - 3_600_000 * 3, { app: 'web', tier: 'front' }),
  vol('app2', NOW - 3_600_000 * 2, { app: 'db' }, { type: 'tmpfs' }),
  vol('cache', NOW - 60_000, { 'team.cache': 'yes' }, { o: 'nodev' }),
];

function select(...args: string[]): string[] {
  const filter = compileFilters(parseFilterArgs(args), { now: NOW, createdAtOf: (n) => VOLS.find((v) => v.name === n)?.createdAt, inUse: (n) => n === 'app2' });
  return VOLS.filter(filter.matches).map((v) => v.name);
}

test('each filter key selects exactly its volumes', () => {
  assert.deepEqual(select('name=app'), ['app1', 'app2']);
  assert.deepEqual(select('name=^c'), ['cache']);
  assert.deepEqual(select('driver=local'), ['app1', 'app2', 'cache']);
  assert.deepEqual(select('driver=other'), []);
  assert.deepEqual(select('scope=local').length, 3);
  assert.deepEqual(select('label=app'), ['app1', 'app2']);
  assert.deepEqual(select('label=app=db'), ['app2']);
  assert.deepEqual(select('label=cac*'), ['cache']);
  assert.deepEqual(select('label!=app'), ['cache']);
  assert.deepEqual(select('label!=app=db'), ['app1', 'cache']);
  assert.deepEqual(select('opt=type'), ['app2']);
  assert.deepEqual(select('opt=o=nodev'), ['cache']);
  assert.deepEqual(select('dangling=true'), ['app1', 'cache']);
  assert.deepEqual(select('dangling=0'), ['app2']);
  assert.deepEqual(select('until=1h'), ['app1', 'app2']);
  assert.deepEqual(select('after=app1'), ['app2', 'cache']);
  assert.deepEqual(select('since=app2'), ['cache']);
});

test('values of one key are OR-ed, different keys AND-ed', () => {
  assert.deepEqual(select('name=app1', 'name=cache'), ['app1', 'cache']);
  assert.deepEqual(select('label=app', 'name=2'), ['app2']);
  assert.deepEqual(select('label=app=web', 'label=tier', 'until=150m'), ['app1']);
});

test('label filters without globs are handed to the store index', () => {
  const f = compileFilters(parseFilterArgs(['label=a=1', 'label=b']), { now: NOW, createdAtOf: () => undefined, inUse: () => false });
  assert.deepEqual(f.allLabels, [{ key: 'a', value: '1' }, { key: 'b' }]);
  assert.equal(compileFilters(parseFilterArgs(['label=a*']), { now: NOW, createdAtOf: () => undefined, inUse: () => false }).allLabels, undefined);
});

test('malformed filters are refused naming what was wrong', () => {
  const bad: [string, RegExp][] = [
    ['nokey', /invalid filter "nokey"/],
    ['bogus=1', /"bogus" is an invalid volume filter/],
    ['name=[', /invalid name filter "\["/],
    ['dangling=maybe', /"maybe" is not a valid value for the "dangling" filter/],
    ['until=soon', /invalid until filter "soon"/],
    ['after=nope', /no such volume nope/],
  ];
  for (const [arg, phrase] of bad) {
    assert.throws(() => select(arg), (err) => isVolError(err) && phrase.test(err.message), arg);
  }
});

test('parseTimestamp: unix seconds, dates, RFC 3339 and durations', () => {
  assert.equal(parseTimestamp('1700000000', NOW, 'x'), 1_700_000_000_000);
  assert.equal(parseTimestamp('1700000000.5', NOW, 'x'), 1_700_000_000_500);
  assert.equal(parseTimestamp('2026-01-02T03:04:05Z', NOW, 'x'), Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.equal(parseTimestamp('2026-01-02T03:04:05+01:00', NOW, 'x'), Date.UTC(2026, 0, 2, 2, 4, 5));
  assert.equal(parseTimestamp('2026-01-02', NOW, 'x'), new Date(2026, 0, 2).getTime());
  assert.equal(parseTimestamp('90m', NOW, 'x'), NOW - 5_400_000);
  assert.equal(parseTimestamp('1h30m10s', NOW, 'x'), NOW - 5_410_000);
  for (const bad of ['', 'yesterday', '2026-13', '1x', '-5m']) {
    assert.throws(() => parseTimestamp(bad, NOW, 'until filter'), /invalid until filter/, bad);
  }
});

test('parseTimestampNs keeps every fraction digit', async () => {
  const { parseTimestampNs } = await import('../../src/core/time.ts');
  assert.equal(parseTimestampNs('2026-01-02T03:04:05.123456789Z', NOW, 'x'), BigInt(Date.UTC(2026, 0, 2, 3, 4, 5)) * 1_000_000n + 123456789n);
  assert.equal(parseTimestampNs('2026-01-02T03:04:05.5+01:00', NOW, 'x'), BigInt(Date.UTC(2026, 0, 2, 2, 4, 5)) * 1_000_000n + 500000000n);
  assert.equal(parseTimestampNs('1700000000.000000001', NOW, 'x'), 1_700_000_000_000_000_001n);
  assert.equal(parseTimestampNs('10m', NOW, 'x'), BigInt(NOW - 600_000) * 1_000_000n);
});
