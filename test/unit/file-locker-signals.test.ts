// The file locker's signal watching: a signal while a lock is held releases it, and a run of
// locks taken one after another installs the listeners once instead of once per lock (each
// removed listener leaves a signal handle that is freed only when the event loop turns).
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FileLocker } from '../../src/lock/file-locker.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vol-locker-signals-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Counts the SIGTERM listeners process.on adds while `fn` runs. */
async function sigtermListenersAdded(fn: () => Promise<void>): Promise<number> {
  let added = 0;
  const count = (event: string | symbol) => {
    if (event === 'SIGTERM') added++;
  };
  process.on('newListener', count);
  try {
    await fn();
  } finally {
    process.off('newListener', count);
  }
  return added;
}

describe('file locker signal watching', () => {
  it('a run of 500 locks without the event loop turning adds the SIGTERM listener once', async () => {
    const locker = new FileLocker(dir);
    const base = process.listenerCount('SIGTERM');
    const added = await sigtermListenersAdded(async () => {
      for (let i = 0; i < 500; i++) await locker.withLock(`v${i}`, () => undefined);
    });
    assert.equal(added, 1);
    assert.deepEqual(readdirSync(dir), [], 'every lock is gone after its release');
    await nextTurn();
    assert.equal(process.listenerCount('SIGTERM'), base, 'the listener goes once the event loop turns');
  });

  it('a lock taken after the loop turned watches signals again', async () => {
    const locker = new FileLocker(dir);
    const base = process.listenerCount('SIGTERM');
    await locker.withLock('a', () => undefined);
    await nextTurn();
    await locker.withLock('b', () => {
      assert.equal(process.listenerCount('SIGTERM'), base + 1, 'watching while b is held');
    });
    await nextTurn();
    assert.equal(process.listenerCount('SIGTERM'), base);
  });
});
