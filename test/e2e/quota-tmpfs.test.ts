import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';

let root: string;
beforeEach(() => {
  root = makeTemp();
});
afterEach(() => {
  // Whatever a failed assertion left mounted is detached before the root goes.
  spawnSync('sh', ['-c', `grep -o ' ${root}[^ ]*' /proc/self/mountinfo | xargs -r -n1 umount`]);
  removeTemp(root);
});

const data = (name: string) => join(root, 'volumes', name, '_data');
const isMounted = (path: string) => spawnSync('mountpoint', ['-q', path]).status === 0;

test('a tmpfs volume with size=5M holds at most 5 MiB once mounted, and shows its limit and usage', () => {
  assert.equal(vol(root, ['create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'size=5M', 't']).code, 0);
  const m = vol(root, ['mount', 't']);
  assert.deepEqual([m.code, m.stdout], [0, data('t') + '\n'], m.stderr);
  assert.match(execFileSync('findmnt', ['-no', 'FSTYPE,OPTIONS', data('t')], { encoding: 'utf8' }), /^tmpfs .*size=5120k/);
  const dd = spawnSync('dd', ['if=/dev/zero', `of=${join(data('t'), 'f')}`, 'bs=1M', 'count=10'], { encoding: 'utf8' });
  assert.match(dd.stderr, /No space left on device/);
  assert.equal(Number(/^(\d+) bytes/m.exec(dd.stderr)?.[1]), 5 * 2 ** 20);
  const [info] = JSON.parse(vol(root, ['inspect', 't']).stdout);
  assert.deepEqual(info.Quota, { Backend: 'tmpfs', Size: 5 * 2 ** 20, UsedBytes: 5 * 2 ** 20 });
  assert.equal(info.MountCount, 1);
});

test('o=size and o=inodes become plain-number tmpfs options (size=, nr_inodes=)', () => {
  assert.equal(vol(root, ['create', '-o', 'type=tmpfs', '-o', 'o=size=1.5M,inodes=64,uid=1000', 't']).code, 0);
  assert.equal(vol(root, ['mount', 't']).code, 0);
  const opts = execFileSync('findmnt', ['-no', 'OPTIONS', data('t')], { encoding: 'utf8' });
  assert.match(opts, /size=1536k/);
  assert.match(opts, /nr_inodes=64/);
  assert.match(opts, /uid=1000/);
});

test('mounts are counted: one real mount, unmounted when the count returns to 0', () => {
  assert.equal(vol(root, ['create', '-o', 'type=tmpfs', 't']).code, 0);
  for (let i = 0; i < 3; i++) assert.equal(vol(root, ['mount', 't']).code, 0);
  assert.equal(vol(root, ['inspect', '-f', '{{.MountCount}}', 't']).stdout, '3\n');
  assert.equal(execFileSync('findmnt', ['-n', data('t')], { encoding: 'utf8' }).trim().split('\n').length, 1);
  for (let i = 0; i < 3; i++) {
    assert.equal(isMounted(data('t')), true);
    assert.deepEqual(vol(root, ['unmount', 't']).stdout, 't\n');
  }
  assert.equal(isMounted(data('t')), false);
  assert.equal(vol(root, ['inspect', '-f', '{{.MountCount}}', 't']).stdout, '0\n');
  assert.equal(vol(root, ['unmount', 't']).code, 0, 'unmount at 0 exits 0');
});

test('a plain volume mounts as a no-op and keeps MountCount 0', () => {
  assert.equal(vol(root, ['create', '-o', 'o=uid=5', 'p']).code, 0);
  assert.equal(vol(root, ['mount', 'p']).stdout, data('p') + '\n');
  assert.equal(isMounted(data('p')), false);
  assert.equal(vol(root, ['inspect', '-f', '{{.MountCount}}', 'p']).stdout, '0\n');
});

test('a failed mount exits 125 with mount\'s message and leaves the count unchanged', () => {
  assert.equal(vol(root, ['create', '-o', 'type=nosuchfs', '-o', 'device=none', 'bad']).code, 0);
  const r = vol(root, ['mount', 'bad']);
  assert.equal(r.code, 125);
  assert.match(r.stderr, /^Error: mounting volume bad: mount .*nosuchfs/);
  assert.equal(vol(root, ['inspect', '-f', '{{.MountCount}}', 'bad']).stdout, '0\n');
});

test('rm of a mounted tmpfs volume unmounts it and removes it; a bind source is never touched', () => {
  const src = makeTemp('vol-bindsrc-');
  try {
    writeFileSync(join(src, 'keep'), 'x');
    assert.equal(vol(root, ['create', '-o', 'type=tmpfs', 't']).code, 0);
    assert.equal(vol(root, ['create', '-o', 'type=bind', '-o', `device=${src}`, 'b']).code, 0);
    for (const n of ['t', 't', 'b']) assert.equal(vol(root, ['mount', n]).code, 0);
    assert.equal(readdirSync(data('b')).includes('keep'), true);
    const r = vol(root, ['rm', 't', 'b']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 't\nb\n', '']);
    assert.equal(existsSync(join(root, 'volumes', 't')), false);
    assert.deepEqual(readdirSync(src), ['keep']);
  } finally {
    removeTemp(src);
  }
});
