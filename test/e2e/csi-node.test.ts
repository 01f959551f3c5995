import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { CODE, refused, RW_CAP, startCsi, type CsiServer } from './csi-support.ts';

const RO_CAP = { mount: {}, access_mode: { mode: 'SINGLE_NODE_READER_ONLY' } };

function mountedAt(path: string): string | undefined {
  const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.split(' ')[4] === path).pop();
  return line?.split(' ')[5];
}

describe('vol csi serve: node service', () => {
  let dir = '';
  let root = '';
  let pods = '';
  let csi: CsiServer;
  before(async () => {
    dir = makeTemp('vol-csi-node-');
    root = join(dir, 'root');
    pods = join(dir, 'pods');
    mkdirSync(pods);
    csi = await startCsi(root, dir);
  });
  after(async () => {
    await csi?.stop();
    // Whatever a failed test left mounted under the pods dir goes before the dir does.
    for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').reverse()) {
      const mp = line.split(' ')[4];
      if (mp && mp.startsWith(dir + '/')) execFileSync('umount', ['-l', mp]);
    }
    removeTemp(dir);
  });

  test('publish bind-mounts _data on the target; the publish holds the volume; unpublish twice succeeds', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'pub', volume_capabilities: [RW_CAP] });
    const target = join(pods, 'pub-target');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'pub', target_path: target, volume_capability: RW_CAP });
    assert.match(mountedAt(target) ?? '', /^rw/);
    writeFileSync(join(target, 'hello'), 'from the pod');
    assert.equal(readFileSync(join(root, 'volumes', 'pub', '_data', 'hello'), 'utf8'), 'from the pod');
    // Publishing again the same way is a no-op; other options at the same target, or another target, are refused.
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'pub', target_path: target, volume_capability: RW_CAP });
    refused(await csi.call('Node', 'NodePublishVolume', { volume_id: 'pub', target_path: target, volume_capability: RW_CAP, readonly: true }), CODE.ALREADY_EXISTS);
    refused(await csi.call('Node', 'NodePublishVolume', { volume_id: 'pub', target_path: join(pods, 'second'), volume_capability: RW_CAP }), CODE.FAILED_PRECONDITION);
    assert.equal(existsSync(join(pods, 'second')), false);
    const rm = vol(root, ['rm', 'pub']);
    assert.equal(rm.code, 2);
    assert.match(rm.stderr, /^Error: .*is being used by.*csi:.*pub-target/);
    refused(await csi.call('Controller', 'DeleteVolume', { volume_id: 'pub' }), CODE.FAILED_PRECONDITION);
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'pub', target_path: target });
    assert.equal(mountedAt(target), undefined);
    assert.equal(existsSync(target), false);
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'pub', target_path: target });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'pub' });
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
  });

  test('a publish whose bind mount went missing (a killed server) is redone, not refused', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'redo', volume_capabilities: [RW_CAP] });
    const target = join(pods, 'redo-target');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'redo', target_path: target, volume_capability: RW_CAP });
    execFileSync('umount', [target]);
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'redo', target_path: target, volume_capability: RW_CAP });
    assert.match(mountedAt(target) ?? '', /^rw/);
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'redo', target_path: target });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'redo' });
  });

  test('a publish whose mount is gone (a reboot) no longer holds the volume: another target and DeleteVolume work', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'lost', volume_capabilities: [RW_CAP] });
    const old = join(pods, 'lost-old');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'lost', target_path: old, volume_capability: RW_CAP });
    execFileSync('umount', [old]);
    const fresh = join(pods, 'lost-new');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'lost', target_path: fresh, volume_capability: RW_CAP });
    const [info] = JSON.parse(vol(root, ['inspect', 'lost']).stdout);
    assert.deepEqual(info.Holders, [{ ID: `csi:${fresh}` }]);
    execFileSync('umount', [fresh]);
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'lost' });
    assert.equal(vol(root, ['exists', 'lost']).code, 1);
  });

  test('a read-only publish cannot be written through', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'ro', volume_capabilities: [RO_CAP] });
    const target = join(pods, 'ro-target');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'ro', target_path: target, volume_capability: RO_CAP, readonly: true });
    assert.match(mountedAt(target) ?? '', /^ro/);
    assert.throws(() => writeFileSync(join(target, 'x'), 'no'), { code: 'EROFS' });
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'ro', target_path: target });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'ro' });
  });

  test('node refusals: missing fields INVALID_ARGUMENT, unknown volume NOT_FOUND, block FAILED_PRECONDITION', async () => {
    const target = join(pods, 'nothing');
    refused(await csi.call('Node', 'NodePublishVolume', { target_path: target, volume_capability: RW_CAP }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Node', 'NodePublishVolume', { volume_id: 'x', volume_capability: RW_CAP }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Node', 'NodePublishVolume', { volume_id: 'x', target_path: target }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Node', 'NodePublishVolume', { volume_id: 'x', target_path: target, volume_capability: RW_CAP }), CODE.NOT_FOUND);
    refused(await csi.call('Node', 'NodePublishVolume', { volume_id: 'x', target_path: target, volume_capability: { block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } } }), CODE.FAILED_PRECONDITION);
    refused(await csi.call('Node', 'NodeUnpublishVolume', { volume_id: 'x' }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Node', 'NodeGetVolumeStats', { volume_id: 'x', volume_path: target }), CODE.NOT_FOUND);
    refused(await csi.call('Node', 'NodeGetVolumeStats', { volume_id: 'x' }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Node', 'NodeExpandVolume', { volume_id: 'x', volume_path: target }), CODE.NOT_FOUND);
    assert.equal(existsSync(target), false);
  });

  test('an ephemeral inline volume is made on publish (a sized tmpfs here) and removed on unpublish', async () => {
    const target = join(pods, 'eph-target');
    const context = { 'csi.storage.k8s.io/ephemeral': 'true', 'csi.storage.k8s.io/pod.name': 'job-7', type: 'tmpfs', size: '8m' };
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'csi-eph1', target_path: target, volume_capability: RW_CAP, volume_context: context });
    const [info] = JSON.parse(vol(root, ['inspect', 'csi-eph1']).stdout);
    assert.equal(info.Labels['csi.storage.k8s.io/pod.name'], 'job-7');
    const st = statfsSync(target);
    assert.equal(st.blocks * st.bsize, 8 << 20, 'the target is the 8 MiB tmpfs');
    const stats = await csi.ok('Node', 'NodeGetVolumeStats', { volume_id: 'csi-eph1', volume_path: target });
    const bytes = stats.usage.find((u: any) => u.unit === 'BYTES');
    assert.equal(bytes.total, 8 << 20);
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'csi-eph1', target_path: target });
    assert.equal(vol(root, ['exists', 'csi-eph1']).code, 1);
    assert.equal(existsSync(target), false);
    // A repeated unpublish (its answer lost, say) still succeeds once the volume is gone.
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'csi-eph1', target_path: target });
  });

  test('after a forced rm of a published volume, unpublish still clears the target', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'forced', volume_capabilities: [RW_CAP] });
    const target = join(pods, 'forced-target');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'forced', target_path: target, volume_capability: RW_CAP });
    const rm = vol(root, ['rm', '-f', 'forced']);
    assert.deepEqual([rm.code, rm.stdout], [0, 'forced\n'], rm.stderr);
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'forced', target_path: target });
    assert.equal(mountedAt(target), undefined);
    assert.equal(existsSync(target), false);
  });

  test('NodeGetVolumeStats of a volume without a limit reports its file system', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'st', volume_capabilities: [RW_CAP] });
    const path = join(root, 'volumes', 'st', '_data');
    refused(await csi.call('Node', 'NodeGetVolumeStats', { volume_id: 'st', volume_path: pods }), CODE.NOT_FOUND);
    refused(await csi.call('Node', 'NodeGetVolumeStats', { volume_id: 'st', volume_path: 'some/path' }), CODE.NOT_FOUND);
    const stats = await csi.ok('Node', 'NodeGetVolumeStats', { volume_id: 'st', volume_path: path });
    const bytes = stats.usage.find((u: any) => u.unit === 'BYTES');
    const fs = statfsSync(path);
    assert.equal(bytes.total, fs.blocks * fs.bsize);
    assert.ok(bytes.used > 0 && bytes.available > 0 && bytes.used + bytes.available <= bytes.total);
    const inodes = stats.usage.find((u: any) => u.unit === 'INODES');
    assert.equal(inodes.total, fs.files);
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'st' });
  });
});
