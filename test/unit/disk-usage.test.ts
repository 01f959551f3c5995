import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setImmediate as tick } from 'node:timers/promises';
import { afterEach, beforeEach, test } from 'node:test';
import type { ProgressReport } from '../../src/core/progress.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
beforeEach(async () => {
  t = await openTestRuntime();
});
afterEach(() => t.dispose());

const data = (name: string) => join(t.root, 'volumes', name, '_data');

/** Refuses any path outside the test's root: the swapper below deletes and renames. */
function inside(path: string): string {
  const rel = relative(t.root, path);
  assert.ok(rel !== '' && !rel.startsWith('..') && !rel.startsWith('/'), `${path} is outside the test root`);
  return path;
}

test('df reports counts, sizes by source, reclaimable bytes and progress per volume', async () => {
  for (const name of ['a', 'b', 'c']) await t.engine.create({ name });
  writeFileSync(join(data('a'), 'f'), Buffer.alloc(1234));
  await t.engine.mount('c', { id: 'job' });
  writeFileSync(join(data('c'), 'f'), Buffer.alloc(10));
  const progress: ProgressReport[] = [];
  const r = await t.engine.df((p) => progress.push(p));
  assert.deepEqual([r.total, r.active, r.bytes, r.reclaimableBytes], [3, 1, 1244, 1234]);
  assert.deepEqual(r.volumes.map((v) => [v.name, v.bytes, v.source, v.links, v.reclaimable]), [
    ['a', 1234, 'walk', 0, true],
    ['b', 0, 'walk', 0, true],
    ['c', 10, 'walk', 1, false],
  ]);
  assert.deepEqual(progress.at(-1), { done: 3, total: 3 });
  assert.equal(progress.length, 4);
});

test('a directory swapped for a symlink while the walk runs is never followed', async () => {
  await t.engine.create({ name: 'v' });
  const own = join(data('v'), 'tree');
  for (let d = 0; d < 30; d++) {
    mkdirSync(join(own, `d${d}`), { recursive: true });
    writeFileSync(join(own, `d${d}`, 'f'), Buffer.alloc(100));
  }
  const canary = join(t.root, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'big'), Buffer.alloc(1_000_000));
  let stop = false;
  // Swaps each directory for a link to the canary and back, between the walk's steps.
  const swapper = (async () => {
    for (let i = 0; !stop; i++) {
      const dir = inside(join(own, `d${i % 30}`));
      renameSync(dir, inside(dir + '.away'));
      symlinkSync(canary, dir);
      await tick();
      rmSync(inside(dir));
      renameSync(inside(dir + '.away'), dir);
      await tick();
    }
  })();
  try {
    for (let run = 0; run < 20; run++) {
      const r = await t.engine.df();
      const v = r.volumes[0]!;
      // Links to the canary may be counted as links (their own size), never what they point at.
      assert.ok(v.bytes !== undefined && v.bytes <= 30 * 100 + 30 * canary.length, `run ${run}: ${v.bytes} bytes counted`);
    }
  } finally {
    stop = true;
    await swapper;
  }
});
