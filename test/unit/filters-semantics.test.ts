// Filter semantics of core/filters.ts against records built in code (no store, no spawn).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { compileFilters, globMatch, parseFilterArgs } from '../../src/core/filters.ts';
import type { VolumeRecord } from '../../src/core/model.ts';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

function rec(name: string, labels: Record<string, string> = {}, options: Record<string, string> = {}): VolumeRecord {
  return { name, driver: 'local', mountpoint: `/r/volumes/${name}/_data`, createdAt: NOW - 1000, labels, options, noQuota: false, status: 'ready', mountCount: 0 };
}

const VOLS = [
  rec('ab', { a: 'b', b: 'c' }),
  rec('a-only', { a: 'b' }),
  rec('b-only', { b: 'c' }),
  rec('bare'),
  rec('other-a', { a: 'x', 'com.example.team': 'ci' }),
];

function select(vols: VolumeRecord[], ...args: string[]): string[] {
  const filter = compileFilters(parseFilterArgs(args), { now: NOW, createdAtOf: () => undefined, inUse: () => false });
  return vols.filter(filter.matches).map((v) => v.name);
}

test('repeated label= filters are AND-ed: every one must match', () => {
  assert.deepEqual(select(VOLS, 'label=a=b', 'label=b=c'), ['ab']);
  assert.deepEqual(select(VOLS, 'label=a', 'label=b'), ['ab']);
  assert.deepEqual(select(VOLS, 'label=a'), ['ab', 'a-only', 'other-a']);
  assert.deepEqual(select(VOLS, 'label=a=b', 'label=a=x'), []);
  // podman: an empty value matches any value, as the bare key does.
  assert.deepEqual(select(VOLS, 'label=a='), ['ab', 'a-only', 'other-a']);
});

test('label!= keeps the volumes that fail at least one of its values', () => {
  assert.deepEqual(select(VOLS, 'label!=a=b', 'label!=b=c'), ['a-only', 'b-only', 'bare', 'other-a']);
  assert.deepEqual(select(VOLS, 'label!=a'), ['b-only', 'bare']);
  assert.deepEqual(select(VOLS, 'label!=a', 'label!=b'), ['a-only', 'b-only', 'bare', 'other-a']);
  // Combined with label=: AND across the two keys.
  assert.deepEqual(select(VOLS, 'label=a', 'label!=b'), ['a-only', 'other-a']);
});

test('other keys OR their values and AND across keys', () => {
  assert.deepEqual(select(VOLS, 'name=^ab$', 'name=^bare$'), ['ab', 'bare']);
  assert.deepEqual(select(VOLS, 'name=^ab$', 'name=^bare$', 'label=a'), ['ab']);
  assert.deepEqual(select(VOLS, 'driver=local', 'driver=nfs', 'label=b=c'), ['ab', 'b-only']);
  assert.deepEqual(select(VOLS, 'dangling=TRUE', 'label=com.example.team=ci'), ['other-a']);
});

test('label globs match *K* against the keys, in steps bounded by key × pattern length', () => {
  assert.deepEqual(select(VOLS, 'label=example*'), ['other-a']);
  assert.deepEqual(select(VOLS, 'label=*team=ci'), ['other-a']);
  assert.deepEqual(select(VOLS, 'label=com.*.team', 'label=a'), ['other-a']);
  assert.equal(globMatch('*a*b*', 'xxaxxbxx'), true);
  assert.equal(globMatch('*a*b*', 'xxbxxaxx'), false);
  assert.equal(globMatch('a*', 'a'), true);
  assert.equal(globMatch('', ''), true);
  assert.equal(globMatch('a', 'ab'), false);
  // A pattern that makes a backtracking regex explode: many stars against a long key with no match.
  const key = 'a'.repeat(20_000);
  assert.equal(globMatch('*' + 'a*'.repeat(30) + 'b*', key), false);
});

test('only plain label= conditions go to the store, each once', () => {
  const f = compileFilters(parseFilterArgs(['label=a=b', 'label=a=b', 'label=b', 'label=c=', 'label=x*', 'label!=d']), { now: NOW, createdAtOf: () => undefined, inUse: () => false });
  assert.deepEqual(f.allLabels, [{ key: 'a', value: 'b' }, { key: 'b' }, { key: 'c' }]);
  const none = compileFilters(parseFilterArgs(['label!=d', 'name=x']), { now: NOW, createdAtOf: () => undefined, inUse: () => false });
  assert.equal(none.allLabels, undefined);
});

test('1,000 label filters compile and match in memory', () => {
  const labels: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) labels[`k${i}`] = String(i);
  const all = rec('all', labels);
  const { k999: _, ...missing } = labels;
  const almost = rec('almost', missing);
  const args = Object.entries(labels).map(([k, v]) => `label=${k}=${v}`);
  assert.deepEqual(select([all, almost], ...args), ['all']);
  assert.deepEqual(select([all, almost], ...args.map((a) => a.replace('label=', 'label!='))), ['almost']);
});

test('opt= matches option keys in any case; an empty value matches any value', () => {
  const vols = [rec('new', {}, { SIZE: '16M', type: 'tmpfs' }), rec('old', {}, { size: '8M', Type: 'tmpfs' }), rec('none')];
  assert.deepEqual(select(vols, 'opt=size'), ['new', 'old']);
  assert.deepEqual(select(vols, 'opt=SIZE=8M'), ['old']);
  assert.deepEqual(select(vols, 'opt=type=tmpfs'), ['new', 'old']);
  assert.deepEqual(select(vols, 'opt=Size='), ['new', 'old']);
  assert.deepEqual(select(vols, 'opt=type=TMPFS'), []);
});

test('name= is Go RE2 syntax: unanchored, Unicode classes, no lookaround or backreferences', () => {
  const vols = [rec('web1'), rec('db1'), rec('Cache'), rec('x')];
  assert.deepEqual(select(vols, 'name=b1'), ['web1', 'db1']);
  assert.deepEqual(select(vols, 'name=(?i)^cache$'), ['Cache']);
  assert.deepEqual(select(vols, 'name=^\\pL+$'), ['Cache', 'x']);
  assert.deepEqual(select(vols, 'name=^[[:alpha:]]+\\d\\z'), ['web1', 'db1']);
  for (const [bad, phrase] of [
    ['(?=x)', /invalid name filter "\(\?=x\)": error parsing regexp: invalid or unsupported Perl syntax/],
    ['(a)\\1', /invalid name filter .*invalid escape sequence/],
    ['[', /invalid name filter "\[": error parsing regexp: missing closing \]/],
  ] as const) {
    assert.throws(() => select(vols, `name=${bad}`), (err) => isVolError(err, 'INVALID_ARG') && phrase.test(err.message), bad);
  }
});

test('the ReDoS pattern ^(a+)+b$ on a 40-character name returns (RE2 is linear)', { timeout: 10_000 }, () => {
  const vols = [rec('a'.repeat(40)), rec('a'.repeat(39) + 'b')];
  assert.deepEqual(select(vols, 'name=^(a+)+b$'), ['a'.repeat(39) + 'b']);
  assert.deepEqual(select([rec('a'.repeat(5000))], 'name=(a|aa)+$b', 'name=(x+x+)+y'), []);
});
