import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mountsAt, parseMountInfo } from '../../src/local/mount-table.ts';

const TEXT = [
  '22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '90 22 0:50 / /srv/vol\\040root/volumes/a\\040b/_data rw,relatime shared:40 master:2 - tmpfs tmpfs rw,size=1024k',
  '91 90 0:51 / /srv/vol\\040root/volumes/a\\040b/_data rw,relatime - tmpfs tmp\\134fs rw',
  '92 22 8:1 /src\\011dir /mnt/bind rw - ext4 /dev/sda1 rw',
  '',
].join('\n');

test('parseMountInfo decodes octal escapes in paths and finds the type after the optional fields', () => {
  const m = parseMountInfo(TEXT);
  assert.equal(m.length, 4);
  assert.deepEqual(m[1], { id: 90, parentId: 22, root: '/', mountPoint: '/srv/vol root/volumes/a b/_data', fsType: 'tmpfs', source: 'tmpfs' });
  assert.equal(m[2]!.source, 'tmp\\fs');
  assert.equal(m[3]!.root, '/src\tdir');
  assert.equal(m[3]!.fsType, 'ext4');
});

test('mountsAt lists every layer stacked on a path, bottom first, and nothing for a path below it', () => {
  const table = parseMountInfo(TEXT);
  assert.deepEqual(mountsAt('/srv/vol root/volumes/a b/_data', table).map((x) => x.id), [90, 91]);
  assert.deepEqual(mountsAt('/srv/vol root/volumes/a b', table), []);
});
