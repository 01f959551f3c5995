import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLoopFs, type LoopFs } from '../helpers/loopfs.ts';
import { vol } from '../helpers/vol.ts';
import { CODE, refused, RW_CAP, startCsi, type CsiServer } from './csi-support.ts';

const MiB = 2 ** 20;

/** Writes up to `mib` MiB with dd; returns the bytes written and dd's complaint, if any. */
function fill(file: string, mib: number): { written: number; stderr: string } {
  const r = spawnSync('dd', ['if=/dev/zero', `of=${file}`, 'bs=1M', `count=${mib}`, 'conv=fsync'], { encoding: 'utf8' });
  return { written: Number(/^(\d+) bytes/m.exec(r.stderr)?.[1] ?? NaN), stderr: r.stderr };
}

function subvolumes(mnt: string): string[] {
  return execFileSync('btrfs', ['subvolume', 'list', mnt], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

function volume(name: string, bytes?: number) {
  return { name, volume_capabilities: [RW_CAP], ...(bytes === undefined ? {} : { capacity_range: { required_bytes: bytes } }) };
}

describe('vol csi serve on btrfs with quotas', () => {
  let fs: LoopFs | undefined;
  let root = '';
  let csi: CsiServer;
  let skip = false;
  before(async () => {
    if (spawnSync('sh', ['-c', 'command -v mkfs.btrfs']).status !== 0) {
      // A missing package never passes silently in CI.
      if (process.env.CI === 'true') throw new Error('mkfs.btrfs is not installed (apt-get install btrfs-progs; .ci/run installs it)');
      skip = true;
      return;
    }
    fs = makeLoopFs('btrfs', 400);
    execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
    root = join(fs.mnt, 'root');
    mkdirSync(join(fs.mnt, 'pods'));
    csi = await startCsi(root, fs.mnt);
  });
  after(async () => {
    await csi?.stop();
    if (fs) {
      for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').reverse()) {
        const mp = line.split(' ')[4];
        // Only what this test mounted below its own file system.
        if (mp && mp.startsWith(fs.mnt + '/')) execFileSync('umount', ['-l', mp]);
      }
      fs.dispose();
    }
  });

  test('a published volume cannot take more than its capacity; expand, then a larger write succeeds', async (t) => {
    if (skip) return t.skip('btrfs-progs missing');
    const created = await csi.ok('Controller', 'CreateVolume', volume('lim', 20 * MiB));
    assert.equal(created.volume.capacity_bytes, 20 * MiB);
    const target = join(fs!.mnt, 'pods', 'lim');
    await csi.ok('Node', 'NodePublishVolume', { volume_id: 'lim', target_path: target, volume_capability: RW_CAP });
    const first = fill(join(target, 'a'), 40);
    assert.match(first.stderr, /Disk quota exceeded/);
    assert.ok(first.written <= 20 * MiB && first.written >= 17 * MiB, `wrote ${first.written}`);
    execFileSync('sync');
    const stats = await csi.ok('Node', 'NodeGetVolumeStats', { volume_id: 'lim', volume_path: target });
    const bytes = stats.usage.find((u: any) => u.unit === 'BYTES');
    assert.equal(bytes.total, 20 * MiB);
    assert.ok(bytes.used >= 17 * MiB && bytes.used <= 21 * MiB, `used ${bytes.used}`);
    assert.equal(bytes.available, Math.max(0, 20 * MiB - bytes.used));
    const grown = await csi.ok('Controller', 'ControllerExpandVolume', { volume_id: 'lim', capacity_range: { required_bytes: 60 * MiB } });
    assert.deepEqual([grown.capacity_bytes, grown.node_expansion_required], [60 * MiB, false]);
    const node = await csi.ok('Node', 'NodeExpandVolume', { volume_id: 'lim', volume_path: target, capacity_range: { required_bytes: 60 * MiB } });
    assert.equal(node.capacity_bytes, 60 * MiB);
    const second = fill(join(target, 'b'), 30);
    assert.equal(second.written, 30 * MiB, second.stderr);
    const [info] = JSON.parse(vol(root, ['inspect', 'lim']).stdout);
    assert.equal(info.Quota.Size, 60 * MiB);
    // Expansion never shrinks; asking for less than the limit keeps it.
    const same = await csi.ok('Controller', 'ControllerExpandVolume', { volume_id: 'lim', capacity_range: { required_bytes: 10 * MiB } });
    assert.equal(same.capacity_bytes, 60 * MiB);
    refused(await csi.call('Controller', 'ControllerExpandVolume', { volume_id: 'lim', capacity_range: { required_bytes: 5 * MiB, limit_bytes: 10 * MiB } }), CODE.OUT_OF_RANGE);
    await csi.ok('Node', 'NodeUnpublishVolume', { volume_id: 'lim', target_path: target });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'lim' });
  });

  test('GetCapacity drops by each created volume\'s capacity; more than is left is RESOURCE_EXHAUSTED', async (t) => {
    if (skip) return t.skip('btrfs-progs missing');
    const capacity = async () => (await csi.ok('Controller', 'GetCapacity', { volume_capabilities: [RW_CAP] })).available_capacity as number;
    const start = await capacity();
    let last = start;
    for (const n of ['g1', 'g2', 'g3']) {
      await csi.ok('Controller', 'CreateVolume', volume(n, 40 * MiB));
      const now = await capacity();
      // An empty subvolume already accounts 16 KiB, and its metadata takes a little free space.
      assert.ok(Math.abs(last - now - 40 * MiB) < 2 * MiB, `capacity went from ${last} to ${now} for a 40 MiB volume`);
      last = now;
    }
    refused(await csi.call('Controller', 'CreateVolume', volume('too-big', last + 50 * MiB)), CODE.RESOURCE_EXHAUSTED);
    assert.equal(vol(root, ['exists', 'too-big']).code, 1);
    const other = await csi.ok('Controller', 'GetCapacity', { accessible_topology: { segments: { 'topology.vol.csi.vol.dev/node': 'node-2' } } });
    assert.equal(other.available_capacity, 0);
    for (const n of ['g1', 'g2', 'g3']) await csi.ok('Controller', 'DeleteVolume', { volume_id: n });
    assert.ok(Math.abs((await capacity()) - start) < 2 * MiB);
  });

  test('with [csi] overcommit = true, GetCapacity is the free space and limits may add up to more', async (t) => {
    if (skip) return t.skip('btrfs-progs missing');
    await csi.ok('Controller', 'CreateVolume', volume('held', 200 * MiB));
    const strict = (await csi.ok('Controller', 'GetCapacity', {})).available_capacity as number;
    const config = join(fs!.mnt, 'vol.toml');
    writeFileSync(config, '[csi]\novercommit = true\n');
    const dir = join(fs!.mnt, 'over');
    mkdirSync(dir);
    const loose = await startCsi(root, dir, { config });
    try {
      const free = (await loose.ok('Controller', 'GetCapacity', {})).available_capacity as number;
      const st = statfsSync(join(root, 'volumes'));
      assert.ok(Math.abs(free - st.bavail * st.bsize) < 2 * MiB, `${free} vs free ${st.bavail * st.bsize}`);
      assert.ok(free - strict > 190 * MiB, `overcommit ${free} vs strict ${strict}`);
      await loose.ok('Controller', 'CreateVolume', volume('beyond', strict + 50 * MiB));
      refused(await csi.call('Controller', 'CreateVolume', volume('beyond2', strict + 50 * MiB)), CODE.RESOURCE_EXHAUSTED);
      await loose.ok('Controller', 'DeleteVolume', { volume_id: 'beyond' });
    } finally {
      await loose.stop();
    }
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'held' });
  });

  test('a snapshot keeps its contents while the source changes; a volume made from it is a writable copy', async (t) => {
    if (skip) return t.skip('btrfs-progs missing');
    await csi.ok('Controller', 'CreateVolume', volume('src', 30 * MiB));
    const data = join(root, 'volumes', 'src', '_data');
    writeFileSync(join(data, 'f'), 'version 1');
    const snap = (await csi.ok('Controller', 'CreateSnapshot', { source_volume_id: 'src', name: 'snap1' })).snapshot;
    assert.equal(snap.snapshot_id, 'snap1');
    assert.equal(snap.source_volume_id, 'src');
    assert.equal(snap.ready_to_use, true);
    assert.ok(snap.creation_time.seconds > 0);
    // The same request again returns the same snapshot; the name for another source is refused.
    assert.deepEqual((await csi.ok('Controller', 'CreateSnapshot', { source_volume_id: 'src', name: 'snap1' })).snapshot, snap);
    await csi.ok('Controller', 'CreateVolume', volume('other'));
    refused(await csi.call('Controller', 'CreateSnapshot', { source_volume_id: 'other', name: 'snap1' }), CODE.ALREADY_EXISTS);
    writeFileSync(join(data, 'f'), 'version 2');
    writeFileSync(join(data, 'g'), 'new');
    assert.equal(readFileSync(join(root, 'snapshots', 'snap1', 'f'), 'utf8'), 'version 1');
    assert.throws(() => writeFileSync(join(root, 'snapshots', 'snap1', 'f'), 'x'), { code: 'EROFS' });

    const restored = await csi.ok('Controller', 'CreateVolume', { ...volume('restored', 30 * MiB), volume_content_source: { snapshot: { snapshot_id: 'snap1' } } });
    assert.deepEqual(restored.volume.content_source, { snapshot: { snapshot_id: 'snap1' }, type: 'snapshot' });
    const copy = join(root, 'volumes', 'restored', '_data');
    assert.equal(readFileSync(join(copy, 'f'), 'utf8'), 'version 1');
    writeFileSync(join(copy, 'f'), 'changed in the copy');
    assert.equal(readFileSync(join(root, 'snapshots', 'snap1', 'f'), 'utf8'), 'version 1');
    const [info] = JSON.parse(vol(root, ['inspect', 'restored']).stdout);
    assert.equal(info.Quota.Size, 30 * MiB);

    // A clone is a writable copy of the volume as it is now, independent of it.
    const clone = await csi.ok('Controller', 'CreateVolume', { ...volume('clone', 30 * MiB), volume_content_source: { volume: { volume_id: 'src' } } });
    assert.deepEqual(clone.volume.content_source, { volume: { volume_id: 'src' }, type: 'volume' });
    const cloned = join(root, 'volumes', 'clone', '_data');
    assert.deepEqual([readFileSync(join(cloned, 'f'), 'utf8'), readFileSync(join(cloned, 'g'), 'utf8')], ['version 2', 'new']);
    writeFileSync(join(cloned, 'g'), 'changed in the clone');
    assert.equal(readFileSync(join(data, 'g'), 'utf8'), 'new');
    refused(await csi.call('Controller', 'CreateVolume', { ...volume('clone2', 30 * MiB), volume_content_source: { volume: { volume_id: 'no-such' } } }), CODE.NOT_FOUND);

    await csi.ok('Controller', 'CreateSnapshot', { source_volume_id: 'src', name: 'snap2' });
    const all = await csi.ok('Controller', 'ListSnapshots', {});
    assert.deepEqual(all.entries.map((e: any) => e.snapshot.snapshot_id), ['snap1', 'snap2']);
    const firstPage = await csi.ok('Controller', 'ListSnapshots', { max_entries: 1 });
    assert.deepEqual([firstPage.entries.length, firstPage.next_token], [1, '1']);
    const one = await csi.ok('Controller', 'ListSnapshots', { snapshot_id: 'snap2' });
    assert.deepEqual(one.entries.map((e: any) => e.snapshot.snapshot_id), ['snap2']);
    assert.deepEqual((await csi.ok('Controller', 'ListSnapshots', { source_volume_id: 'other' })).entries, []);
    refused(await csi.call('Controller', 'ListSnapshots', { starting_token: 'zzz' }), CODE.ABORTED);

    // The source can go while its snapshots stay; then every subvolume goes with its owner.
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'src' });
    assert.equal(readFileSync(join(root, 'snapshots', 'snap2', 'f'), 'utf8'), 'version 2');
    for (const id of ['snap1', 'snap2', 'snap1']) await csi.ok('Controller', 'DeleteSnapshot', { snapshot_id: id });
    for (const id of ['restored', 'other', 'clone']) await csi.ok('Controller', 'DeleteVolume', { volume_id: id });
    assert.deepEqual(subvolumes(fs!.mnt), []);
  });

  test('a volume from a snapshot or clone smaller than what its source holds is OUT_OF_RANGE', async (t) => {
    if (skip) return t.skip('btrfs-progs missing');
    await csi.ok('Controller', 'CreateVolume', volume('big', 30 * MiB));
    fill(join(root, 'volumes', 'big', '_data', 'data'), 8);
    execFileSync('sync');
    await csi.ok('Controller', 'CreateSnapshot', { source_volume_id: 'big', name: 'big-snap' });
    refused(await csi.call('Controller', 'CreateVolume', { ...volume('small', 2 * MiB), volume_content_source: { snapshot: { snapshot_id: 'big-snap' } } }), CODE.OUT_OF_RANGE);
    refused(await csi.call('Controller', 'CreateVolume', { ...volume('small', 2 * MiB), volume_content_source: { volume: { volume_id: 'big' } } }), CODE.OUT_OF_RANGE);
    assert.equal(vol(root, ['exists', 'small']).code, 1);
    await csi.ok('Controller', 'DeleteSnapshot', { snapshot_id: 'big-snap' });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'big' });
  });

  test('16 concurrent CreateVolume and DeleteVolume calls with capacities all succeed and leave no subvolume', async (t) => {
    if (skip) return t.skip('btrfs-progs missing');
    const names = Array.from({ length: 16 }, (_, i) => `q${String(i).padStart(2, '0')}`);
    const created = await Promise.all(names.map((n) => csi.call('Controller', 'CreateVolume', volume(n, 4 * MiB))));
    assert.deepEqual(created.filter((r) => !r.ok), []);
    assert.equal(subvolumes(fs!.mnt).length, 16);
    const deleted = await Promise.all(names.map((volume_id) => csi.call('Controller', 'DeleteVolume', { volume_id })));
    assert.deepEqual(deleted.filter((r) => !r.ok), []);
    assert.deepEqual(subvolumes(fs!.mnt), []);
  });
});
