// ls/prune filters through the built CLI: RE2 names, validated times, label AND at scale, option keys.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { childEnv, vol, VOL_BIN } from '../helpers/vol.ts';
import { assertFails, assertOk, create, inspectOne, lsNames, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();

/** Sorted names `ls -q` prints for these filters. */
function filtered(...filters: string[]): string[] {
  return lsNames(root(), ...filters.flatMap((f) => ['--filter', f])).sort();
}

/** Asserts that a bad filter fails ls and prune alike, and that prune removed nothing. */
function refusedEverywhere(filter: string, phrases: string[]): void {
  const before = lsNames(root());
  assertFails(vol(root(), ['ls', '--filter', filter]), 125, phrases);
  assertFails(vol(root(), ['prune', '-f', '--filter', filter]), 125, phrases);
  assert.deepEqual(lsNames(root()), before, `prune --filter ${filter} removed volumes`);
}

describe('name= (RE2, as Go)', () => {
  test('the ReDoS pattern ^(a+)+b$ over a 40-character all-a name returns, matching nothing', () => {
    const long = 'a'.repeat(40);
    create(root(), long);
    create(root(), `${'a'.repeat(39)}b`);
    // spawnSync's timeout kills a hanging vol, so a regression fails here instead of hanging the suite.
    const r = spawnSync(VOL_BIN, ['--root', root(), 'ls', '-q', '--filter', 'name=^(a+)+b$'], { encoding: 'utf8', env: childEnv(), timeout: 20_000 });
    assert.equal(r.signal, null, 'vol ls was killed: the name filter did not return');
    assertOk({ code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }, `${'a'.repeat(39)}b\n`);
  });

  test('Go syntax works and Perl-only syntax is refused naming the filter', () => {
    create(root(), 'Cache1');
    create(root(), 'web');
    assert.deepEqual(filtered('name=(?i)^cache'), ['Cache1']);
    assert.deepEqual(filtered('name=^[[:lower:]]+$'), ['web']);
    refusedEverywhere('name=(?<=a)b', ['invalid name filter "(?<=a)b"', 'error parsing regexp']);
    refusedEverywhere('name=(x', ['invalid name filter "(x"', 'missing closing )']);
  });
});

describe('until= and events --since/--until', () => {
  test('days and months that do not exist are errors naming the filter', () => {
    create(root(), 'keep');
    refusedEverywhere('until=2026-13-45', ['invalid until filter "2026-13-45"', 'month out of range']);
    refusedEverywhere('until=2026-02-30', ['invalid until filter "2026-02-30"', 'day out of range']);
    refusedEverywhere('until=2026-02-28T25:00:00Z', ['invalid until filter', 'hour out of range']);
    assert.deepEqual(filtered('until=2024-02-29'), []);
  });

  test('numbers out of range are errors naming the flag or filter', () => {
    create(root(), 'keep');
    assertFails(vol(root(), ['events', '--since', '99999999999999999999']), 125, ['invalid --since "99999999999999999999"', 'out of range']);
    assertFails(vol(root(), ['events', '--until', '99999999999999999999']), 125, ['invalid --until', 'out of range']);
    assertFails(vol(root(), ['events', '--until', '99999999999h']), 125, ['invalid --until', 'duration out of range']);
    refusedEverywhere('until=99999999999999999999', ['invalid until filter', 'out of range']);
    // Far but valid bounds still work: they only cut nothing.
    assert.equal(vol(root(), ['events', '--format', '{{.Volume}}', '--until', '9999-12-31']).stdout, 'keep\n');
    assert.deepEqual(filtered('until=9999-12-31'), ['keep']);
  });
});

describe('label filters, Podman 5 semantics', () => {
  test('repeated label= are AND-ed, label!= keeps what fails one; prune follows the same rule', () => {
    create(root(), 'ab', '-l', 'a=b', '-l', 'b=c');
    create(root(), 'a', '-l', 'a=b');
    create(root(), 'b', '-l', 'b=c');
    create(root(), 'bare');
    assert.deepEqual(filtered('label=a=b', 'label=b=c'), ['ab']);
    assert.deepEqual(filtered('label!=a=b', 'label!=b=c'), ['a', 'b', 'bare']);
    assert.deepEqual(filtered('label=a', 'label!=b'), ['a']);
    assert.deepEqual(vol(root(), ['prune', '--dry-run', '--filter', 'label=a=b', '--filter', 'label=b=c']).stdout, 'ab\n');
    assertOk(vol(root(), ['prune', '-f', '--filter', 'label!=a=b', '--filter', 'label!=b=c']), 'a\nb\nbare\n');
    assert.deepEqual(lsNames(root()), ['ab']);
  });

  test('1,000 label filters select the one volume that has them all', () => {
    const labels = Array.from({ length: 1000 }, (_, i) => `key.${i}=value-${i}`);
    create(root(), 'all', ...labels.flatMap((l) => ['-l', l]));
    create(root(), 'almost', ...labels.slice(1).flatMap((l) => ['-l', l]));
    create(root(), 'none');
    assert.deepEqual(filtered(...labels.map((l) => `label=${l}`)), ['all']);
    assert.deepEqual(filtered(...labels.map((l) => `label!=${l}`)), ['almost', 'none']);
    assert.deepEqual(vol(root(), ['prune', '--dry-run', ...labels.flatMap((l) => ['--filter', `label=${l}`])]).stdout, 'all\n');
  });
});

describe('option keys in one spelling', () => {
  test('--opt size=16M, -o o=size=16M and -o SIZE=16M store the same key; opt= matches any case', () => {
    create(root(), 'top', '-o', 'type=tmpfs', '--opt', 'size=16M');
    create(root(), 'sub', '-o', 'type=tmpfs', '-o', 'o=size=16M');
    create(root(), 'upper', '-o', 'Type=tmpfs', '-o', 'SIZE=16M');
    create(root(), 'plain', '-o', 'type=tmpfs');
    for (const name of ['top', 'sub', 'upper']) assert.deepEqual(inspectOne(root(), name).Options, { SIZE: '16M', type: 'tmpfs' }, name);
    assert.deepEqual(filtered('opt=size'), ['sub', 'top', 'upper']);
    assert.deepEqual(filtered('opt=SIZE=16M'), ['sub', 'top', 'upper']);
    assert.deepEqual(filtered('opt=Type=tmpfs'), ['plain', 'sub', 'top', 'upper']);
  });

  test('rows written with keys as typed by an older vol are still found and shown as stored', () => {
    create(root(), 'old', '-o', 'type=tmpfs', '--opt', 'size=8M');
    const db = new Database(join(root(), 'vol.db'));
    try {
      db.prepare('UPDATE volumes SET options = ? WHERE name = ?').run(JSON.stringify({ Type: 'tmpfs', size: '8M' }), 'old');
    } finally {
      db.close();
    }
    assert.deepEqual(filtered('opt=SIZE=8M'), ['old']);
    assert.deepEqual(filtered('opt=type=tmpfs'), ['old']);
    assert.deepEqual(inspectOne(root(), 'old').Options, { Type: 'tmpfs', size: '8M' });
  });
});
