import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { vol } from '../helpers/vol.ts';
import { assertFails, assertNoLocks, assertOk, create, entries, lsNames, tempRootPerTest, volumeDir } from './support.ts';

const root = tempRootPerTest();

function createAll(...names: string[]): void {
  for (const n of names) create(root(), n);
}

describe('rm', () => {
  test('prints each removed name and deletes the directory', () => {
    createAll('a', 'b', 'c');
    writeFileSync(join(volumeDir(root(), 'a'), '_data', 'f'), 'x');
    assertOk(vol(root(), ['rm', 'a', 'c']), 'a\nc\n');
    assert.equal(existsSync(volumeDir(root(), 'a')), false);
    assert.equal(existsSync(volumeDir(root(), 'c')), false);
    assert.deepEqual(entries(join(root(), 'volumes')), ['b']);
    assert.deepEqual(lsNames(root()), ['b']);
    assertNoLocks(root());
  });

  test('remove is an alias of rm', () => {
    createAll('a');
    assertOk(vol(root(), ['remove', 'a']), 'a\n');
    assert.deepEqual(lsNames(root()), []);
  });

  test('a missing volume exits 1 and the other named volumes are still removed', () => {
    createAll('a', 'b', 'keep');
    const r = vol(root(), ['rm', 'a', 'nope', 'b']);
    assertFails(r, 1, ['no volume with name "nope" found', 'no such volume'], { stdout: 'a\nb\n' });
    assert.deepEqual(lsNames(root()), ['keep']);
    assert.deepEqual(entries(join(root(), 'volumes')), ['keep']);
  });

  test('only missing volumes: exit 1, nothing on stdout', () => {
    assertFails(vol(root(), ['rm', 'ghost']), 1, ['no volume with name "ghost" found', 'no such volume']);
  });

  test('several failures: one error line each; a non-missing failure makes it 125', () => {
    createAll('data1', 'data2');
    const r = vol(root(), ['rm', 'nope1', 'nope2']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n').filter(Boolean);
    assert.equal(lines.length, 2, r.stderr);
    assert.ok(lines.every((l) => l.startsWith('Error: ')), r.stderr);
    assert.ok(lines[0]!.includes('"nope1"') && lines[1]!.includes('"nope2"'), r.stderr);
    const mixed = vol(root(), ['rm', 'nope', 'dat']);
    assert.equal(mixed.code, 125, mixed.stderr);
    assert.equal(mixed.stderr.split('\n').filter((l) => l.startsWith('Error: ')).length, 2, mixed.stderr);
    assert.ok(mixed.stderr.includes('more than one result for volume name "dat"'), mixed.stderr);
    assert.deepEqual(lsNames(root()), ['data1', 'data2']);
  });

  test('-f ignores missing volumes', () => {
    createAll('a');
    assertOk(vol(root(), ['rm', '-f', 'nope', 'a']), 'a\n');
    assertOk(vol(root(), ['rm', '--force', 'nope']), '');
    assert.deepEqual(lsNames(root()), []);
  });

  test('flags may come after the names', () => {
    createAll('a');
    assertOk(vol(root(), ['rm', 'nope', 'a', '-f']), 'a\n');
  });

  test('neither names nor --all, or both, exits 125', () => {
    createAll('a');
    const phrase = 'choose either one or more volumes or all';
    assertFails(vol(root(), ['rm']), 125, [phrase]);
    assertFails(vol(root(), ['rm', '-a', 'a']), 125, [phrase]);
    assertFails(vol(root(), ['rm', '--all', '--force', 'a']), 125, [phrase]);
    assert.deepEqual(lsNames(root()), ['a']);
  });

  test('--time without --force exits 125; with --force it is accepted', () => {
    createAll('a', 'b');
    assertFails(vol(root(), ['rm', '-t', '3', 'a']), 125, ['--force option must be specified to use the --time option']);
    assertFails(vol(root(), ['rm', '--time', '0', 'a']), 125, ['--force option must be specified to use the --time option']);
    assert.deepEqual(lsNames(root()), ['a', 'b']);
    assertOk(vol(root(), ['rm', '-f', '-t', '3', 'a']), 'a\n');
    assertOk(vol(root(), ['rm', '--force', '--time', '0', 'b']), 'b\n');
  });

  test('a unique prefix removes the volume and prints its full name', () => {
    createAll('alpha', 'beta');
    assertOk(vol(root(), ['rm', 'alp']), 'alpha\n');
    assert.deepEqual(lsNames(root()), ['beta']);
    assert.equal(existsSync(volumeDir(root(), 'alpha')), false);
  });

  test('an ambiguous prefix exits 125 and removes nothing', () => {
    createAll('data1', 'data2');
    assertFails(vol(root(), ['rm', 'dat']), 125, ['more than one result for volume name "dat"']);
    assert.deepEqual(lsNames(root()), ['data1', 'data2']);
  });

  test('prefixes are case-sensitive: "DA" is not a prefix of "data1"', () => {
    createAll('data1');
    assertFails(vol(root(), ['rm', 'DA']), 1, ['no volume with name "DA" found', 'no such volume']);
    assert.deepEqual(lsNames(root()), ['data1']);
  });

  test('an exact name wins over a longer name that it prefixes', () => {
    createAll('app', 'app2');
    assertOk(vol(root(), ['rm', 'app']), 'app\n');
    assert.deepEqual(lsNames(root()), ['app2']);
  });

  test('rm -a removes every volume; with none it prints nothing', () => {
    createAll('a', 'b', 'c');
    const r = vol(root(), ['rm', '-a']);
    assertOk(r);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['a', 'b', 'c']);
    assert.deepEqual(entries(join(root(), 'volumes')), []);
    assert.deepEqual(lsNames(root()), []);
    assertOk(vol(root(), ['rm', '--all']), '');
    assertNoLocks(root());
  });

  test('rm never follows a symlink out of the volume', () => {
    createAll('a', 'b');
    const outside = join(root(), 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'x');
    symlinkSync(outside, join(volumeDir(root(), 'a'), '_data', 'lnk'));
    assertOk(vol(root(), ['rm', 'a']), 'a\n');
    assert.deepEqual(readdirSync(outside), ['precious']);
    assert.equal(existsSync(volumeDir(root(), 'a')), false);
  });

  test('rm unlinks a _data replaced by a symlink and leaves its target alone', () => {
    createAll('a');
    const outside = join(root(), 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'precious'), 'x');
    const data = join(volumeDir(root(), 'a'), '_data');
    rmdirSync(data);
    symlinkSync(outside, data);
    assertOk(vol(root(), ['rm', 'a']), 'a\n');
    assert.deepEqual(readdirSync(outside), ['precious']);
    assert.equal(existsSync(volumeDir(root(), 'a')), false);
  });

  test('a removed name can be created again, empty', () => {
    createAll('a');
    writeFileSync(join(volumeDir(root(), 'a'), '_data', 'f'), 'x');
    assertOk(vol(root(), ['rm', 'a']), 'a\n');
    create(root(), 'a');
    assert.deepEqual(readdirSync(join(volumeDir(root(), 'a'), '_data')), []);
  });
});
