// vol's own addon: unlinkat(2) never follows the name it removes, statx's mount id is the one
// /proc/self/fdinfo reports, and errors carry the errno's code as Node's fs errors do.
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { mountIdFromFdinfo } from '../../src/local/volume-fs.ts';
import { mountIdOfFd, RANGE_PROBE, RANGE_TRY_LOCK, RANGE_UNLOCK, rangeLock, unlinkAt } from '../../src/sys/volfs.ts';

let dir: string;
let fd: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vol-volfs-'));
  fd = openSync(dir, 'r');
});
afterEach(() => {
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

function code(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code;
  }
}

describe('volfs addon', () => {
  it('unlinkAt removes a link, never what it points to, and refuses it as a directory', () => {
    const target = join(dir, 'target');
    mkdirSync(target);
    writeFileSync(join(target, 'keep'), 'canary');
    symlinkSync(target, join(dir, 'link'));
    assert.equal(code(() => unlinkAt(fd, 'link', true)), 'ENOTDIR');
    unlinkAt(fd, 'link', false);
    assert.equal(existsSync(join(dir, 'link')), false);
    assert.equal(readFileSync(join(target, 'keep'), 'utf8'), 'canary');
    assert.equal(code(() => unlinkAt(fd, 'target', true)), 'ENOTEMPTY');
    assert.equal(code(() => unlinkAt(fd, 'missing', true)), 'ENOENT');
    assert.equal(code(() => unlinkAt(fd, 'target', false)), 'EISDIR');
    unlinkAt(fd, 'target/keep', false);
    unlinkAt(fd, 'target', true);
    assert.equal(existsSync(target), false);
  });

  it('mountIdOfFd is the mnt_id of /proc/self/fdinfo, which older kernels fall back to', () => {
    const fdinfo = readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8');
    assert.equal(mountIdOfFd(fd), Number(/^mnt_id:\s*(\d+)$/m.exec(fdinfo)![1]));
    assert.equal(mountIdFromFdinfo(fd), mountIdOfFd(fd));
    const proc = openSync('/proc/self', 'r');
    try {
      assert.notEqual(mountIdOfFd(proc), mountIdOfFd(fd));
    } finally {
      closeSync(proc);
    }
  });

  it('range locks of two descriptions exclude each other, and a bad descriptor is an EBADF error', () => {
    const file = join(dir, 'ranges');
    const a = openSync(file, 'w+');
    const b = openSync(file, 'r+');
    try {
      assert.equal(rangeLock(a, 2 ** 40, RANGE_TRY_LOCK), true);
      assert.equal(rangeLock(a, 2 ** 40, RANGE_TRY_LOCK), true, 'one description does not conflict with itself');
      assert.equal(rangeLock(b, 2 ** 40, RANGE_TRY_LOCK), false);
      assert.equal(rangeLock(b, 2 ** 40, RANGE_PROBE), true);
      assert.equal(rangeLock(b, 2 ** 40 + 1, RANGE_TRY_LOCK), true, 'the next byte is another lock');
      rangeLock(a, 2 ** 40, RANGE_UNLOCK);
      assert.equal(rangeLock(b, 2 ** 40, RANGE_PROBE), false);
      assert.equal(rangeLock(b, 2 ** 40, RANGE_TRY_LOCK), true);
    } finally {
      closeSync(a);
      closeSync(b);
    }
    assert.equal(code(() => rangeLock(a, 0, RANGE_TRY_LOCK)), 'EBADF');
  });
});
