import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { volAsync, type VolRun } from '../helpers/vol.ts';
import { assertNoLocks, entries, lsNames, tempRootPerTest } from './support.ts';

const root = tempRootPerTest();
const N = 6;

/** Runs `vol ARGS` N times at once on the test root. */
function race(args: (i: number) => string[]): Promise<VolRun[]> {
  return Promise.all(Array.from({ length: N }, (_, i) => volAsync(root(), args(i))));
}

describe('concurrent invocations on one root', () => {
  test('concurrent create of one name: exactly one succeeds, the others say "already exists"', async () => {
    const runs = await race(() => ['create', 'same']);
    const winners = runs.filter((r) => r.code === 0);
    assert.equal(winners.length, 1, runs.map((r) => r.stderr).join(''));
    assert.equal(winners[0]!.stdout, 'same\n');
    for (const r of runs.filter((x) => x.code !== 0)) {
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: [^\n]*already exists[^\n]*\n$/);
      assert.equal(r.stdout, '');
    }
    assert.deepEqual(lsNames(root()), ['same']);
    assert.deepEqual(entries(join(root(), 'volumes')), ['same']);
    assertNoLocks(root());
  });

  test('concurrent creates of different names all succeed', async () => {
    const runs = await race((i) => ['create', `v${i}`]);
    runs.forEach((r, i) => assert.deepEqual([r.code, r.stdout, r.stderr], [0, `v${i}\n`, '']));
    const names = Array.from({ length: N }, (_, i) => `v${i}`).sort();
    assert.deepEqual(lsNames(root()), names);
    assert.deepEqual(entries(join(root(), 'volumes')), names);
    assertNoLocks(root());
  });

  test('concurrent rm of one volume: one removes it, the others exit 1', async () => {
    const made = await volAsync(root(), ['create', 'gone']);
    assert.equal(made.code, 0, made.stderr);
    const runs = await race(() => ['rm', 'gone']);
    assert.equal(runs.filter((r) => r.code === 0 && r.stdout === 'gone\n').length, 1, runs.map((r) => r.stderr).join(''));
    for (const r of runs.filter((x) => x.code !== 0)) {
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes('no such volume'), r.stderr);
    }
    assert.deepEqual(lsNames(root()), []);
    assert.deepEqual(entries(join(root(), 'volumes')), []);
    assertNoLocks(root());
  });
});
