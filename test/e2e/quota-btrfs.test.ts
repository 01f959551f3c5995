import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { makeLoopFs, requireTool, type LoopFs } from '../helpers/loopfs.ts';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';

/** Writes up to `mib` MiB with dd; returns the bytes written and dd's complaint, if any. */
function fill(file: string, mib: number): { written: number; stderr: string } {
  const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mib}`], { encoding: 'utf8' });
  const written = Number(/^(\d+) bytes/m.exec(r.stderr)?.[1] ?? NaN);
  return { written, stderr: r.stderr };
}

function qgroups(mnt: string): string[] {
  return execFileSync('btrfs', ['qgroup', 'show', '--raw', '-re', mnt], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => /^\d+\/\d+/.test(l.trim()));
}

function subvolumes(mnt: string): string {
  return execFileSync('btrfs', ['subvolume', 'list', mnt], { encoding: 'utf8' }).trim();
}

/** Runs `body` on a fresh btrfs (quotas enabled unless told not to), always torn down. */
async function onBtrfs(t: import('node:test').TestContext, quotas: boolean, body: (fs: LoopFs, root: string) => void | Promise<void>): Promise<void> {
  if (!requireTool(t, 'mkfs.btrfs', 'btrfs-progs')) return;
  const fs = makeLoopFs('btrfs', 300);
  try {
    if (quotas) execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
    await body(fs, join(fs.mnt, 'root'));
  } finally {
    fs.dispose();
  }
}

function assertNothingLeft(root: string, mnt: string): void {
  assert.equal(vol(root, ['ls', '-q']).stdout, '');
  const volumes = join(root, 'volumes');
  assert.deepEqual(existsSync(volumes) ? readdirSync(volumes) : [], []);
  assert.equal(subvolumes(mnt), '');
}

describe('btrfs quota backend', () => {
  test('size=20M stops writes near 20 MiB; inspect shows limit and usage; rm leaves no subvolume or qgroup', async (t) => {
    await onBtrfs(t, true, (fs, root) => {
      const c = vol(root, ['create', '--opt', 'size=20M', 'q']);
      assert.equal(c.code, 0, c.stderr);
      const mountpoint = join(root, 'volumes', 'q', '_data');
      const r = fill(join(mountpoint, 'big'), 40);
      assert.match(r.stderr, /Disk quota exceeded/);
      assert.ok(r.written >= 18 * 2 ** 20 && r.written <= 21 * 2 ** 20, `wrote ${r.written} bytes`);
      execFileSync('sync');
      const [info] = JSON.parse(vol(root, ['inspect', 'q']).stdout);
      assert.equal(info.Quota.Backend, 'btrfs');
      assert.equal(info.Quota.Size, 20971520);
      assert.ok(info.Quota.UsedBytes >= 18 * 2 ** 20 && info.Quota.UsedBytes <= 21 * 2 ** 20, `UsedBytes ${info.Quota.UsedBytes}`);
      const line = vol(root, ['ls', '--format', '{{.Name}} {{.Quota.Backend}} {{.Quota.Size}}']).stdout;
      assert.equal(line, 'q btrfs 20971520\n');
      assert.equal(qgroups(fs.mnt).filter((l) => l.includes('20971520')).length, 1);
      const rm = vol(root, ['rm', 'q']);
      assert.deepEqual([rm.code, rm.stdout], [0, 'q\n'], rm.stderr);
      assertNothingLeft(root, fs.mnt);
      assert.deepEqual(qgroups(fs.mnt).filter((l) => l.includes('20971520')), []);
    });
  });

  test('a plain volume next to a limited one stays a plain directory without Quota', async (t) => {
    await onBtrfs(t, true, (_fs, root) => {
      assert.equal(vol(root, ['create', 'plain']).code, 0);
      const [info] = JSON.parse(vol(root, ['inspect', 'plain']).stdout);
      assert.equal(info.Quota, undefined);
    });
  });

  test('with quotas disabled, size is refused with the command that enables them, and nothing is left', async (t) => {
    await onBtrfs(t, false, (fs, root) => {
      const r = vol(root, ['create', '-o', 'size=10M', 'q']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: .*not supported.*btrfs.*btrfs quota enable /);
      assertNothingLeft(root, fs.mnt);
    });
  });

  test('inodes=100 is refused on btrfs: qgroups cannot limit inodes', async (t) => {
    await onBtrfs(t, true, (fs, root) => {
      const r = vol(root, ['create', '--opt', 'inodes=100', 'q']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: .*inode limits are not supported on btrfs/);
      assertNothingLeft(root, fs.mnt);
    });
  });

  test('a failure while setting the limit undoes the whole create', async (t) => {
    await onBtrfs(t, true, (fs, root) => {
      // A btrfs wrapper that fails `qgroup limit` and runs the real tool otherwise.
      const bin = makeTemp('vol-fakebin-');
      try {
        const real = execFileSync('sh', ['-c', 'command -v btrfs'], { encoding: 'utf8' }).trim();
        writeFileSync(join(bin, 'btrfs'), `#!/bin/sh\nif [ "$1 $2" = "qgroup limit" ]; then echo "ERROR: injected failure" >&2; exit 1; fi\nexec ${real} "$@"\n`);
        chmodSync(join(bin, 'btrfs'), 0o755);
        const r = vol(root, ['create', '--opt', 'size=10M', 'q'], { env: { PATH: `${bin}:${process.env.PATH}` } });
        assert.equal(r.code, 125);
        assert.match(r.stderr, /injected failure/);
        assertNothingLeft(root, fs.mnt);
        assert.equal(vol(root, ['create', '--opt', 'size=10M', 'q']).code, 0, 'the name stays usable');
      } finally {
        removeTemp(bin);
      }
    });
  });
});

describe('file systems without a quota backend', () => {
  test('size=10M on ext4 is refused naming ext4 and the known backends; nothing is left', async (t) => {
    if (!requireTool(t, 'mkfs.ext4', 'e2fsprogs')) return;
    const fs = makeLoopFs('ext4', 64);
    try {
      const root = join(fs.mnt, 'root');
      const r = vol(root, ['create', '--opt', 'size=10M', 'q']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: .*size limits are not supported on ext4.*btrfs.*xfs.*tmpfs/);
      assert.equal(r.stderr.split('\n').length, 2);
      assert.deepEqual(readdirSync(join(root, 'volumes')), []);
      assert.equal(vol(root, ['ls', '-q']).stdout, '');
    } finally {
      fs.dispose();
    }
  });
});
