import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { assertRootEmpty, dataDir, lines, lockEntries, lsNames, pool } from '../helpers/e2e.ts';
import { makeTemp, removeTemp, vol, volAsync, type VolRun } from '../helpers/vol.ts';

const WORKERS = 8;
const PER_WORKER = 25;

function namesOf(worker: number, count: number): string[] {
  return Array.from({ length: count }, (_, j) => `w${worker}-vol${String(j).padStart(2, '0')}`);
}

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = makeTemp('vol-e2e-conc-');
  try {
    await fn(root);
  } finally {
    removeTemp(root);
  }
}

/** Creates `names` one process after another; returns every run. */
async function createSequentially(root: string, names: readonly string[]): Promise<VolRun[]> {
  const runs: VolRun[] = [];
  for (const name of names) runs.push(await volAsync(root, ['create', name]));
  return runs;
}

describe('many concurrent processes on one root', () => {
  it('8 concurrent creates of the same name: exactly one wins, the other 7 say it already exists', async () => {
    await withRoot(async (root) => {
      const runs = await Promise.all(Array.from({ length: WORKERS }, () => volAsync(root, ['create', 'same'])));
      const winners = runs.filter((r) => r.code === 0);
      const losers = runs.filter((r) => r.code !== 0);
      assert.equal(winners.length, 1, runs.map((r) => `exit ${r.code}: ${r.stderr}`).join('\n'));
      assert.equal(winners[0]!.stdout, 'same\n');
      assert.equal(winners[0]!.stderr, '');
      assert.equal(losers.length, WORKERS - 1);
      for (const r of losers) {
        assert.equal(r.code, 125, r.stderr);
        assert.equal(r.stdout, '');
        assert.match(r.stderr, /^Error: .*volume with name same already exists/m);
      }
      assert.deepEqual(await lsNames(root), ['same']);
      assert.ok(statSync(dataDir(root, 'same')).isDirectory());
      assert.deepEqual(lockEntries(root), []);
    });
  });

  it('8 processes creating 25 distinct volumes each, then 8 removing them: nothing lost, nothing left', async () => {
    await withRoot(async (root) => {
      const perWorker = Array.from({ length: WORKERS }, (_, w) => namesOf(w, PER_WORKER));
      const createRuns = await Promise.all(perWorker.map((names) => createSequentially(root, names)));
      createRuns.forEach((runs, w) =>
        runs.forEach((r, j) => {
          const name = perWorker[w]![j]!;
          assert.equal(r.code, 0, `create ${name}: ${r.stderr}`);
          assert.equal(r.stdout, `${name}\n`);
        }),
      );
      const all = perWorker.flat().sort();
      assert.equal(all.length, WORKERS * PER_WORKER);
      assert.deepEqual(await lsNames(root), all);
      for (const name of all) assert.ok(statSync(dataDir(root, name)).isDirectory(), `${name} has no _data`);
      assert.deepEqual(lockEntries(root), []);

      const rmRuns = await Promise.all(perWorker.map((names) => volAsync(root, ['rm', ...names])));
      rmRuns.forEach((r, w) => {
        assert.equal(r.code, 0, `remover ${w}: ${r.stderr}`);
        assert.equal(r.stderr, '');
        assert.deepEqual(lines(r.stdout), perWorker[w]);
      });
      await assertRootEmpty(root);
    });
  });

  it('3 concurrent rm -a over 60 volumes: each volume reported removed exactly once', async () => {
    await withRoot(async (root) => {
      const names = Array.from({ length: 60 }, (_, i) => `all-${String(i).padStart(2, '0')}`);
      const created = await pool(names, 4, (name) => volAsync(root, ['create', name]));
      created.forEach((r, i) => assert.equal(r.code, 0, `create ${names[i]}: ${r.stderr}`));
      assert.deepEqual(await lsNames(root), names);

      const runs = await Promise.all([1, 2, 3].map(() => volAsync(root, ['rm', '-a'])));
      for (const r of runs) {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stderr, '');
      }
      const reported = runs.flatMap((r) => lines(r.stdout)).sort();
      assert.deepEqual(reported, names);
      await assertRootEmpty(root);
    });
  });

  it('losers of a same-name race leave the winner unchanged', async () => {
    await withRoot(async (root) => {
      assert.equal(vol(root, ['create', '-l', 'owner=first', 'kept']).code, 0);
      const runs = await Promise.all(
        Array.from({ length: 4 }, (_, i) => volAsync(root, ['create', '-l', `owner=racer${i}`, 'kept'])),
      );
      for (const r of runs) assert.equal(r.code, 125, r.stderr);
      const inspect = vol(root, ['inspect', '--format', '{{.Labels.owner}}', 'kept']);
      assert.equal(inspect.code, 0, inspect.stderr);
      assert.equal(inspect.stdout, 'first\n');
      assert.deepEqual(lockEntries(root), []);
    });
  });
});
