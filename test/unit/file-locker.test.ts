// The volume locker: one open-file-description lock per volume on a byte of one file, kept apart
// inside a process too, honouring a lock of an earlier vol's format, and writing nothing to disk.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FileLocker, lockByte, RANGE_FILE } from '../../src/lock/file-locker.ts';
import { VolError } from '../../src/core/errors.ts';
import { processStartTime } from '../../src/lock/lock-owner.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vol-locker-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const quick = { staleMs: 2000, waitMs: 150 };
const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

async function timesOut(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof VolError && e.code === 'LOCK_TIMEOUT');
}

describe('file locker', () => {
  it('500 locks one after another write nothing, add no signal listener and leave only the lock file', async () => {
    const locker = new FileLocker(join(dir, 'locks'));
    const listeners = process.listenerCount('SIGTERM') + process.listenerCount('SIGINT');
    for (let i = 0; i < 500; i++) {
      await locker.withLock(`v${i}`, () => assert.equal(locker.isHeld(`v${i}`), true));
      assert.equal(locker.isHeld(`v${i}`), false);
    }
    assert.equal(process.listenerCount('SIGTERM') + process.listenerCount('SIGINT'), listeners);
    assert.deepEqual(readdirSync(join(dir, 'locks')), [RANGE_FILE]);
    assert.equal(statSync(join(dir, 'locks', RANGE_FILE)).size, 0);
  });

  it('two lockers (two processes, as far as the kernel can tell) exclude each other, and see each other\'s locks', async () => {
    const a = new FileLocker(dir, quick);
    const b = new FileLocker(dir, quick);
    await a.withLock('x', async () => {
      assert.equal(b.isHeld('x'), true);
      assert.equal(b.isHeld('y'), false);
      await timesOut(b.withLock('x', () => undefined));
      assert.equal(await b.withLock('y', () => 'y'), 'y');
    });
    assert.equal(b.isHeld('x'), false);
    assert.equal(await b.withLock('x', () => 'x'), 'x');
  });

  it('callers in one process wait for each other on the same name', async () => {
    const locker = new FileLocker(dir, { staleMs: 2000, waitMs: 5000 });
    const order: string[] = [];
    let release!: () => void;
    const first = locker.withLock('x', () => new Promise<void>((r) => {
      order.push('first in');
      release = () => {
        order.push('first out');
        r();
      };
    }));
    const second = locker.withLock('x', () => void order.push('second in'));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(order, ['first in']);
    release();
    await Promise.all([first, second]);
    assert.deepEqual(order, ['first in', 'first out', 'second in']);
  });

  it('a lock file replaced under a running locker is locked again, so the two still exclude each other', async () => {
    const locks = join(dir, 'locks');
    const a = new FileLocker(locks, quick);
    await a.withLock('x', () => undefined);
    rmSync(locks, { recursive: true });
    const b = new FileLocker(locks, quick);
    await b.withLock('x', async () => {
      await timesOut(a.withLock('x', () => undefined));
    });
    assert.equal(await a.withLock('x', () => 'x'), 'x');
  });

  it('honours a lock link of an earlier vol: a live owner\'s is waited for, a dead owner\'s taken over', async () => {
    const locker = new FileLocker(dir, quick);
    mkdirSync(dir, { recursive: true });
    symlinkSync(`${process.pid}:${processStartTime(process.pid)}:${boot}`, join(dir, 'live.lock'));
    await timesOut(locker.withLock('live', () => undefined));
    symlinkSync(`999999999:1:${boot}`, join(dir, 'dead.lock'));
    assert.equal(await locker.withLock('dead', () => 'taken'), 'taken');
    assert.deepEqual(readdirSync(dir).sort(), ['live.lock', RANGE_FILE]);
  });

  it('a lock file replaced after the lock directory was read (and trusted) is still noticed', async () => {
    const locks = join(dir, 'locks');
    const a = new FileLocker(locks, quick);
    await a.withLock('x', () => undefined);
    await sleep(120);
    await a.withLock('x', () => undefined);
    await sleep(120);
    await a.withLock('x', () => undefined);
    rmSync(locks, { recursive: true });
    const b = new FileLocker(locks, quick);
    await b.withLock('x', async () => {
      await timesOut(a.withLock('x', () => undefined));
    });
  });

  it('an earlier vol\'s lock link made after the lock directory was read is honoured, however soon or late', async () => {
    const locker = new FileLocker(dir, quick);
    await locker.withLock('first', () => undefined);
    await sleep(120);
    // The directory is read now and trusted: it has not changed for longer than a clock tick.
    await locker.withLock('first', () => undefined);
    symlinkSync(`${process.pid}:${processStartTime(process.pid)}:${boot}`, join(dir, 'soon.lock'));
    await timesOut(locker.withLock('soon', () => undefined));
    await sleep(120);
    await locker.withLock('first', () => undefined);
    symlinkSync(`${process.pid}:${processStartTime(process.pid)}:${boot}`, join(dir, 'late.lock'));
    await timesOut(locker.withLock('late', () => undefined));
    await sleep(120);
    await timesOut(locker.withLock('late', () => undefined));
    await timesOut(locker.withLock('soon', () => undefined));
  });

  it('spreads names over 52-bit bytes', () => {
    const bytes = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const b = lockByte(`bench-${String(i).padStart(6, '0')}`);
      assert.ok(Number.isSafeInteger(b) && b >= 0 && b < 2 ** 52);
      bytes.add(b);
    }
    assert.equal(bytes.size, 100_000);
  });
});
