import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { assertRootEmpty, dataDir, lockEntries, lsNames, spawnVol, waitFor } from '../helpers/e2e.ts';
import { makeTemp, removeTemp, volAsync } from '../helpers/vol.ts';

async function withRoot(fn: (root: string) => Promise<void>): Promise<void> {
  const root = makeTemp('vol-e2e-locks-');
  try {
    await fn(root);
  } finally {
    removeTemp(root);
  }
}

/** Makes `<root>/locks/<name>.lock` by hand, as a process that died holding it would leave it. */
function plantLock(root: string, name: string, ageMs: number): string {
  const lock = join(root, 'locks', `${name}.lock`);
  mkdirSync(lock, { recursive: true });
  const when = new Date(Date.now() - ageMs);
  utimesSync(lock, when, when);
  return lock;
}

describe('volume locks', () => {
  it('a lock older than the stale time is taken over and create succeeds', () =>
    withRoot(async (root) => {
      const lock = plantLock(root, 'abandoned', 60_000);
      const r = await volAsync(root, ['create', 'abandoned']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'abandoned\n');
      assert.ok(statSync(dataDir(root, 'abandoned')).isDirectory());
      assert.deepEqual(await lsNames(root), ['abandoned']);
      assert.equal(existsSync(lock), false, 'the taken-over lock was not released');
      assert.deepEqual(lockEntries(root), []);
    }));

  it('a fresh lock held by someone else: create times out, names the volume, and leaves nothing', () =>
    withRoot(async (root) => {
      const lock = plantLock(root, 'busy', 0);
      const t0 = Date.now();
      const r = await volAsync(root, ['create', 'busy'], { env: { VOL_LOCK_WAIT_MS: '500' } });
      const elapsed = Date.now() - t0;
      assert.equal(r.code, 125, `create exited ${r.code}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      const errLine = r.stderr.split('\n').find((l) => l.startsWith('Error: ')) ?? '';
      assert.match(errLine, /\bbusy\b/, r.stderr);
      assert.match(errLine, /timed out/, r.stderr);
      assert.match(errLine, /waiting for the lock/, r.stderr);
      // It waited (about) the bounded time, not the default 30 s and not zero.
      assert.ok(elapsed >= 450 && elapsed < 10_000, `create gave up after ${elapsed} ms`);

      assert.deepEqual(await lsNames(root), []);
      assert.equal((await volAsync(root, ['exists', 'busy'])).code, 1);
      assert.equal(existsSync(join(root, 'volumes', 'busy')), false);
      // Someone else's live lock is neither stolen nor removed.
      assert.ok(existsSync(lock));
      assert.deepEqual(lockEntries(root), ['busy.lock']);

      // Once the holder lets go, the name is usable.
      rmdirSync(lock);
      const again = await volAsync(root, ['create', 'busy']);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(again.stdout, 'busy\n');
    }));

  it('a live holder working longer than the stale time keeps its lock; the waiter then sees the volume', () =>
    withRoot(async (root) => {
      const env = { VOL_LOCK_STALE_MS: '2000' };
      const slow = spawnVol(root, ['create', 'slow'], { ...env, VOL_TEST_DELAY_MS: '4500' });
      await waitFor('the slow create to make _data', () => existsSync(dataDir(root, 'slow')));
      const waiter = await volAsync(root, ['create', 'slow'], { env });
      const first = await slow.done;
      assert.equal(first.code, 0, `the holder failed: ${first.stderr}`);
      assert.equal(first.stdout, 'slow\n');
      assert.equal(waiter.code, 125, `the waiter exited ${waiter.code}: ${waiter.stdout}${waiter.stderr}`);
      assert.match(waiter.stderr, /already exists/);
      assert.deepEqual(await lsNames(root), ['slow']);
      assert.ok(statSync(dataDir(root, 'slow')).isDirectory());
      assert.deepEqual(lockEntries(root), []);
      const rm = await volAsync(root, ['rm', 'slow']);
      assert.equal(rm.code, 0, rm.stderr);
      await assertRootEmpty(root);
    }));
});
