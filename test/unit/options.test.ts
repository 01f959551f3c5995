import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { parseLocalOptions } from '../../src/local/options.ts';

function rejects(raw: Record<string, string>, phrase: RegExp): void {
  assert.throws(() => parseLocalOptions(raw), (err) => isVolError(err, 'INVALID_ARG') && phrase.test(err.message));
}

test('o= uid/gid stay in o and add UID/GID; other sub-options stay for mount(8)', () => {
  const s = parseLocalOptions({ o: 'uid=1000,gid=100,nodev', type: 'tmpfs' });
  assert.deepEqual(s.options, { o: 'uid=1000,gid=100,nodev', UID: '1000', GID: '100', type: 'tmpfs' });
  assert.equal(s.uid, 1000);
  assert.equal(s.gid, 100);
  assert.deepEqual(s.mount, { options: ['uid=1000', 'gid=100', 'nodev'], type: 'tmpfs' }, 'the record keeps what mount(8) gets');
});

test('o= size, inodes, noquota and timeout are taken out of o', () => {
  const s = parseLocalOptions({ o: 'size=1G,inodes=10,timeout=7,ro' });
  assert.deepEqual(s.options, { o: 'ro', SIZE: '1G', INODES: '10' });
  assert.equal(s.size, 1024 ** 3);
  assert.equal(s.inodes, 10);
  assert.equal(s.pluginTimeout, 7);
  assert.deepEqual(parseLocalOptions({ o: 'noquota' }).options, { NOQUOTA: 'true' });
});

test('top-level uid/gid/size act like the o= ones and are stored under the same key', () => {
  const s = parseLocalOptions({ size: '2M', Uid: '5', gid: '6' });
  assert.deepEqual(s.options, { SIZE: '2M', UID: '5', GID: '6' });
  // Two spellings of o= are one key: their mount options are joined, not one lost.
  assert.deepEqual(parseLocalOptions({ O: 'nodev', o: 'noexec,size=1M', Type: 'tmpfs' }).options, { o: 'nodev,noexec', SIZE: '1M', type: 'tmpfs' });
  assert.deepEqual(parseLocalOptions({ NoQuota: 'x' }).options, { NOQUOTA: 'true' });
  assert.equal(s.size, 2 * 1024 ** 2);
  assert.equal(s.uid, 5);
  assert.equal(s.gid, 6);
});

test('unknown keys and bad values are refused with the offending text', () => {
  rejects({ Bogus: '1' }, /^invalid mount option Bogus for driver 'local'$/);
  rejects({ o: 'uid=abc' }, /cannot convert UID abc to integer/);
  rejects({ gid: '-5' }, /cannot convert GID -5 to integer/);
  rejects({ o: 'uid=' }, /uid option must provide a UID/);
  rejects({ o: 'gid' }, /gid option must provide a GID/);
  rejects({ size: '1Q' }, /cannot convert size 1Q to integer/);
  rejects({ o: 'inodes=x' }, /cannot convert inodes x to integer/);
  rejects({ size: '1G', noquota: '' }, /volume options size and inodes cannot be used without quota/);
});

test('type=bind needs an existing device', () => {
  rejects({ type: 'bind', device: '/nonexistent/vol-test' }, /invalid volume option device for driver 'local'.*no such file or directory/);
  assert.equal(parseLocalOptions({ type: 'bind', device: '/' }).mount?.device, '/');
  assert.equal(parseLocalOptions({ type: 'nfs', device: '/nonexistent' }).mount?.device, '/nonexistent');
});
