import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dataDir } from '../helpers/e2e.ts';
import { vol } from '../helpers/vol.ts';
import { crashToolsDir, pathWith } from './crash-tools.ts';
import { mountedRootPerTest, mountsAt } from './mount-support.ts';
import { assertOk, create, inspectOne } from './support.ts';

const { root, temp } = mountedRootPerTest();

function killedRun(args: string[], tool: 'MOUNT' | 'UMOUNT'): void {
  const bin = crashToolsDir(temp('vol-crash-tools-'));
  const r = vol(root(), args, { env: { PATH: pathWith(bin), [`VOL_TEST_KILL_AFTER_${tool}`]: '1' } });
  assert.equal(r.signal, 'SIGKILL', `vol was not killed by the wrapper: ${r.code} ${r.stderr}`);
}

function writeMiB(file: string, mib: number): void {
  writeFileSync(file, Buffer.alloc(mib * 1024 * 1024, 1));
}

describe('a kill between mount(8)/umount(8) and the database write', () => {
  test('killed right after mount(8): the next mount adopts the mount, nothing stacks, data stays visible, rm works', () => {
    create(root(), 't', '-o', 'type=tmpfs', '-o', 'o=size=1m');
    const data = dataDir(root(), 't');
    killedRun(['mount', 't'], 'MOUNT');
    assert.equal(mountsAt(data), 1, 'the killed mount is in place');
    assert.equal(inspectOne(root(), 't').MountCount, 1, 'inspect shows what the kernel has mounted');
    writeFileSync(join(data, 'before'), 'kept');

    assertOk(vol(root(), ['mount', 't']), data + '\n');
    assert.equal(mountsAt(data), 1, 'a second tmpfs was stacked over the first');
    assert.equal(readFileSync(join(data, 'before'), 'utf8'), 'kept');
    assert.equal(inspectOne(root(), 't').MountCount, 1);
    assert.throws(() => writeMiB(join(data, 'big'), 5), { code: 'ENOSPC' });

    assertOk(vol(root(), ['unmount', 't']), 't\n');
    assert.equal(mountsAt(data), 0);
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assertOk(vol(root(), ['rm', 't']), 't\n');
    assert.equal(existsSync(join(root(), 'volumes', 't')), false);
  });

  test('killed right after mount(8): a plain unmount takes the uncounted mount away, and rm -f of another works', () => {
    create(root(), 'u', '-o', 'type=tmpfs');
    create(root(), 'v', '-o', 'type=tmpfs');
    killedRun(['mount', 'u'], 'MOUNT');
    killedRun(['mount', 'v'], 'MOUNT');
    assertOk(vol(root(), ['unmount', 'u']), 'u\n');
    assert.equal(mountsAt(dataDir(root(), 'u')), 0);
    assertOk(vol(root(), ['rm', '-f', 'v']), 'v\n');
    assert.equal(mountsAt(dataDir(root(), 'v')), 0);
    assert.equal(existsSync(join(root(), 'volumes', 'v')), false);
  });

  test('killed right after umount(8): the next mount mounts again and the size=1m limit holds', () => {
    create(root(), 't', '-o', 'type=tmpfs', '-o', 'o=size=1m');
    const data = dataDir(root(), 't');
    assertOk(vol(root(), ['mount', 't']), data + '\n');
    killedRun(['unmount', 't'], 'UMOUNT');
    assert.equal(mountsAt(data), 0, 'the killed unmount did unmount');
    assert.equal(inspectOne(root(), 't').MountCount, 0, 'inspect shows that nothing is mounted');

    assertOk(vol(root(), ['mount', 't']), data + '\n');
    assert.equal(mountsAt(data), 1);
    // Writing 5 MiB into a 1 MiB tmpfs fails; on the host disk it would not.
    assert.throws(() => writeMiB(join(data, 'big'), 5), { code: 'ENOSPC' });
    // The count the killed process left says someone still wants the mount: it takes two unmounts.
    assert.equal(inspectOne(root(), 't').MountCount, 2);
    assertOk(vol(root(), ['unmount', 't']), 't\n');
    assert.equal(mountsAt(data), 1);
    assertOk(vol(root(), ['unmount', 't']), 't\n');
    assert.equal(mountsAt(data), 0);
  });

  test('a stacked mount (as older versions made) is refused by mount and unmount; rm detaches every layer', () => {
    create(root(), 's', '-o', 'type=tmpfs');
    const data = dataDir(root(), 's');
    assertOk(vol(root(), ['mount', 's']), data + '\n');
    // A second tmpfs over the first, as a mount that did not look at the kernel's table made.
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', data]).status, 0);
    assert.equal(mountsAt(data), 2);
    for (const verb of ['mount', 'unmount']) {
      const r = vol(root(), [verb, 's']);
      assert.equal(r.code, 125, verb);
      assert.match(r.stderr, /^Error: volume s has 2 file systems stacked on [^\n]*\n$/);
    }
    assertOk(vol(root(), ['rm', 's']), 's\n');
    assert.equal(mountsAt(data), 0);
  });
});
