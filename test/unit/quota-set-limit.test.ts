import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/model.ts';
import type { Exec } from '../../src/quota/backend.ts';
import { BtrfsQuota } from '../../src/quota/btrfs.ts';
import { XfsQuota } from '../../src/quota/xfs.ts';

/** An Exec that records each call and answers `rootid` with 300; `fail` makes matching calls fail. */
function fakeExec(fail?: RegExp): { exec: Exec; calls: string[] } {
  const calls: string[] = [];
  const exec: Exec = async (file, args) => {
    const line = [file, ...args].join(' ');
    calls.push(line);
    if (fail?.test(line)) throw Object.assign(new Error(`${line}: injected`), { stderr: 'ERROR: injected' });
    return args[1] === 'rootid' ? '300\n' : '';
  };
  return { exec, calls };
}

describe('changing limits and taking snapshots (tools faked)', () => {
  test('XFS: a new limit is one limit command for the volume\'s project, rounded up to 512 bytes', async () => {
    const { exec, calls } = fakeExec();
    await new XfsQuota({ mountPoint: '/mnt/x', exec, log: silentLogger }).setLimit('/mnt/x/v/_data', { id: '200004' }, { size: 1000 });
    assert.deepEqual(calls, ['xfs_quota -x -c limit -p bhard=1024 200004 /mnt/x']);
  });

  test('XFS: a failing tool is IO_FAILED naming the project', async () => {
    const { exec } = fakeExec(/limit/);
    await assert.rejects(new XfsQuota({ mountPoint: '/mnt/x', exec, log: silentLogger }).setLimit('/d', { id: '200004' }, { size: 4096 }), (err) => isVolError(err, 'IO_FAILED') && /XFS project 200004/.test(err.message));
  });

  test('btrfs: a new limit goes to the qgroup; a snapshot is read-only when asked and reports its own qgroup', async () => {
    const { exec, calls } = fakeExec();
    const b = new BtrfsQuota({ mountPoint: '/mnt/b', exec, log: silentLogger });
    await b.setLimit('/mnt/b/v/_data', { id: '0/257' }, { size: 5 << 20 });
    const handle = await b.snapshot('/mnt/b/v/_data', '/mnt/b/root/snapshots/s1', true);
    assert.deepEqual(handle, { id: '0/300' });
    assert.deepEqual(calls, [
      'btrfs qgroup limit 5242880 0/257 /mnt/b/v/_data',
      'btrfs subvolume snapshot -r /mnt/b/v/_data /mnt/b/root/snapshots/s1',
      'btrfs inspect-internal rootid /mnt/b/root/snapshots/s1',
    ]);
  });

  test('btrfs: a volume from a snapshot is a writable snapshot with the limit set', async () => {
    const { exec, calls } = fakeExec();
    const handle = await new BtrfsQuota({ mountPoint: '/mnt/b', exec, log: silentLogger }).makeLimitedDir('/nonexistent-vol-test/_data', { size: 1 << 20 }, undefined, '/mnt/b/root/snapshots/s1').catch((e: Error) => e);
    // chmod of the (fake) new subvolume fails here; what matters is the command that made it and the undo.
    assert.ok(handle instanceof Error);
    assert.equal(calls[0], 'btrfs subvolume snapshot /mnt/b/root/snapshots/s1 /nonexistent-vol-test/_data');
    assert.equal(calls.at(-1), 'btrfs subvolume delete /nonexistent-vol-test/_data');
  });

  test('btrfs: deleting a snapshot twice succeeds (the second finds nothing to delete)', async () => {
    const { exec, calls } = fakeExec(/subvolume delete|qgroup destroy/);
    const failing = new BtrfsQuota({ mountPoint: '/mnt/b', exec: async (f, a) => {
      await exec(f, a).catch((err: Error) => {
        throw Object.assign(err, { stderr: 'ERROR: Could not statfs: No such file or directory' });
      });
      return '';
    }, log: silentLogger });
    await failing.deleteSnapshot('/mnt/b/root/snapshots/gone', { id: '0/300' });
    assert.equal(calls[0], 'btrfs subvolume delete /mnt/b/root/snapshots/gone');
  });
});
