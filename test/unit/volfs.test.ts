// vol's own addon: unlinkat(2) and renameat2(2) never follow the names they act on, statx's mount
// id is the one /proc/self/fdinfo reports, the trash's checks and deletions delete nothing that is
// not an empty directory on the expected mount, and errors carry the errno's code as Node's fs does.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { mountIdFromFdinfo } from '../../src/local/volume-fs.ts';
import { emptyDirAt, mountIdOfFd, RANGE_PROBE, RANGE_TRY_LOCK, RANGE_UNLOCK, rangeLock, removeEmptyVolumes, renameAt, unlinkAt } from '../../src/sys/volfs.ts';

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

  it('renameAt moves a name without following it and never replaces what is at the new name', () => {
    mkdirSync(join(dir, 'a', 'inner'), { recursive: true });
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'to'));
    assert.equal(code(() => renameAt(fd, 'a', fd, 'empty')), 'EEXIST', 'an empty directory at the new name is not replaced');
    assert.ok(existsSync(join(dir, 'empty')));
    const to = openSync(join(dir, 'to'), 'r');
    try {
      renameAt(fd, 'a', to, 'moved');
      assert.ok(existsSync(join(dir, 'to', 'moved', 'inner')));
      mkdirSync(join(dir, 'target'));
      writeFileSync(join(dir, 'target', 'keep'), 'canary');
      symlinkSync(join(dir, 'target'), join(dir, 'link'));
      renameAt(fd, 'link', to, 'link');
      assert.deepEqual(readdirSync(join(dir, 'target')), ['keep'], 'the link moved, not its target');
      assert.equal(code(() => renameAt(fd, 'missing', to, 'x')), 'ENOENT');
    } finally {
      closeSync(to);
    }
  });

  it('emptyDirAt tells an empty directory on the given mount from everything else', () => {
    const mnt = mountIdOfFd(fd);
    mkdirSync(join(dir, 'empty'));
    mkdirSync(join(dir, 'full'));
    for (let i = 0; i < 200; i++) writeFileSync(join(dir, 'full', `f${i}`), '');
    mkdirSync(join(dir, 'one'));
    writeFileSync(join(dir, 'one', 'z'), '');
    writeFileSync(join(dir, 'file'), '');
    symlinkSync(join(dir, 'empty'), join(dir, 'link'));
    assert.equal(emptyDirAt(fd, 'empty', mnt), undefined);
    assert.equal(emptyDirAt(fd, 'full', mnt), 'ENOTEMPTY');
    assert.equal(emptyDirAt(fd, 'one', mnt), 'ENOTEMPTY');
    assert.equal(emptyDirAt(fd, 'file', mnt), 'ENOTDIR');
    assert.equal(emptyDirAt(fd, 'link', mnt), 'ENOTDIR', 'a link is not opened (O_NOFOLLOW with O_DIRECTORY says ENOTDIR)');
    assert.equal(emptyDirAt(fd, 'missing', mnt), 'ENOENT');
    assert.equal(emptyDirAt(fd, 'empty', mnt + 1), 'EXDEV');
  });

  it('removeEmptyVolumes deletes empty <name>/_data pairs on the thread pool, and nothing that is not empty or is a link', async () => {
    const mnt = mountIdOfFd(fd);
    mkdirSync(join(dir, 'v1', '_data'), { recursive: true });
    mkdirSync(join(dir, 'v2'));
    mkdirSync(join(dir, 'full', '_data'), { recursive: true });
    writeFileSync(join(dir, 'full', '_data', 'keep'), 'data');
    mkdirSync(join(dir, 'extra', '_data'), { recursive: true });
    writeFileSync(join(dir, 'extra', 'keep'), 'data');
    mkdirSync(join(dir, 'target', '_data'), { recursive: true });
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    const names = ['v1', 'v2', 'gone', 'full', 'extra', 'link'];
    const codes = await removeEmptyVolumes(names.map(() => fd), names, mnt);
    assert.deepEqual(codes, [undefined, undefined, undefined, 'ENOTEMPTY', 'ENOTEMPTY', 'ENOTDIR']);
    assert.deepEqual(readdirSync(dir).sort(), ['extra', 'full', 'link', 'target']);
    assert.equal(readFileSync(join(dir, 'full', '_data', 'keep'), 'utf8'), 'data');
    assert.deepEqual(readdirSync(join(dir, 'extra')), ['keep'], 'the empty _data went; the directory with a file in it stays');
    assert.ok(existsSync(join(dir, 'target', '_data')), 'a link is never followed');
    assert.deepEqual(await removeEmptyVolumes([fd], ['target'], mnt + 1), ['EXDEV']);
    assert.deepEqual(await removeEmptyVolumes([], [], mnt), []);
    await assert.rejects(removeEmptyVolumes([fd], [], mnt), /removeEmptyVolumes/);
    assert.ok(existsSync(join(dir, 'target', '_data')));
  });

  it('removeEmptyVolumes never deletes through a mount on _data', { skip: process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'needs root to mount a tmpfs' : false }, async () => {
    assert.equal(process.getuid?.(), 0, 'needs root to mount a tmpfs');
    const mnt = mountIdOfFd(fd);
    mkdirSync(join(dir, 'v', '_data'), { recursive: true });
    const data = join(dir, 'v', '_data');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', data]).status, 0);
    try {
      assert.equal(emptyDirAt(fd, 'v/_data', mnt), 'EXDEV', 'the root of a mount is another mount');
      assert.deepEqual(await removeEmptyVolumes([fd], ['v'], mnt), ['EBUSY']);
      assert.ok(existsSync(data));
    } finally {
      spawnSync('umount', ['-l', data]);
    }
  });
});
