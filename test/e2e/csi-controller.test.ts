import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { CODE, refused, RW_CAP, startCsi, type CsiServer } from './csi-support.ts';

const TOPOLOGY_KEY = 'topology.vol.csi.vol.dev/node';

describe('vol csi serve: identity and controller (plain file system)', () => {
  let dir = '';
  let root = '';
  let csi: CsiServer;
  before(async () => {
    dir = makeTemp('vol-csi-');
    root = join(dir, 'root');
    csi = await startCsi(root, dir);
  });
  after(async () => {
    await csi?.stop();
    removeTemp(dir);
  });

  test('Identity: plugin info, capabilities and Probe', async () => {
    const info = await csi.ok('Identity', 'GetPluginInfo');
    assert.equal(info.name, 'vol.csi.vol.dev');
    assert.match(info.vendor_version, /^\d+\.\d+\.\d+/);
    const caps = await csi.ok('Identity', 'GetPluginCapabilities');
    const types = caps.capabilities.map((c: any) => c.service?.type ?? `expansion:${c.volume_expansion?.type}`);
    assert.deepEqual(types.sort(), ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'expansion:ONLINE']);
    assert.deepEqual((await csi.ok('Identity', 'Probe')).ready, { value: true });
    // Callers can have vol mount as root: only root may connect.
    assert.equal(statSync(csi.socket).mode & 0o777, 0o600);
  });

  test('ControllerGetCapabilities, NodeGetInfo and NodeGetCapabilities', async () => {
    const ctl = await csi.ok('Controller', 'ControllerGetCapabilities');
    assert.deepEqual(ctl.capabilities.map((c: any) => c.rpc.type).sort(), ['CLONE_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'CREATE_DELETE_VOLUME', 'EXPAND_VOLUME', 'GET_CAPACITY', 'LIST_SNAPSHOTS', 'LIST_VOLUMES']);
    const info = await csi.ok('Node', 'NodeGetInfo');
    assert.equal(info.node_id, 'node-1');
    assert.deepEqual(info.accessible_topology.segments, { [TOPOLOGY_KEY]: 'node-1' });
    const node = await csi.ok('Node', 'NodeGetCapabilities');
    assert.deepEqual(node.capabilities.map((c: any) => c.rpc.type).sort(), ['EXPAND_VOLUME', 'GET_VOLUME_STATS']);
  });

  test('CreateVolume is idempotent by name, a different capacity is ALREADY_EXISTS, DeleteVolume twice succeeds', async () => {
    const first = await csi.ok('Controller', 'CreateVolume', { name: 'idem', volume_capabilities: [RW_CAP] });
    assert.equal(first.volume.volume_id, 'idem');
    assert.deepEqual(first.volume.accessible_topology, [{ segments: { [TOPOLOGY_KEY]: 'node-1' } }]);
    const again = await csi.ok('Controller', 'CreateVolume', { name: 'idem', volume_capabilities: [RW_CAP] });
    assert.deepEqual(again.volume, first.volume);
    refused(await csi.call('Controller', 'CreateVolume', { name: 'idem', volume_capabilities: [RW_CAP], capacity_range: { required_bytes: 1 << 20 } }), CODE.ALREADY_EXISTS);
    assert.equal(vol(root, ['ls', '-q']).stdout, 'idem\n');
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'idem' });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'idem' });
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
  });

  test('CreateVolume refusals carry the spec codes and leave nothing behind', async () => {
    const cases: [object, number][] = [
      [{ volume_capabilities: [RW_CAP] }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1' }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1', volume_capabilities: [{ block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }] }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1', volume_capabilities: [{ mount: {}, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' } }] }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1', volume_capabilities: [RW_CAP], capacity_range: { required_bytes: 10, limit_bytes: 5 } }, CODE.INVALID_ARGUMENT],
      [{ name: 'bad/name', volume_capabilities: [RW_CAP] }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1', volume_capabilities: [RW_CAP], parameters: { colour: 'blue' } }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1', volume_capabilities: [RW_CAP], parameters: { size: '1G' } }, CODE.INVALID_ARGUMENT],
      // ext4 under the test root enforces no limits: refused, never an unlimited volume.
      [{ name: 'r1', volume_capabilities: [RW_CAP], capacity_range: { required_bytes: 1 << 20 } }, CODE.INVALID_ARGUMENT],
      [{ name: 'r1', volume_capabilities: [RW_CAP], volume_content_source: { volume: { volume_id: 'x' } } }, CODE.NOT_FOUND],
      [{ name: 'r1', volume_capabilities: [RW_CAP], volume_content_source: { snapshot: { snapshot_id: 'nope' } } }, CODE.NOT_FOUND],
      [{ name: 'r1', volume_capabilities: [RW_CAP], accessibility_requirements: { requisite: [{ segments: { [TOPOLOGY_KEY]: 'node-2' } }] } }, CODE.RESOURCE_EXHAUSTED],
    ];
    for (const [req, code] of cases) {
      const details = refused(await csi.call('Controller', 'CreateVolume', req), code);
      assert.ok(details.length > 0, `no details for ${JSON.stringify(req)}`);
    }
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
  });

  test('parameters become vol options: type=tmpfs with a capacity is a tmpfs with that size', async () => {
    const r = await csi.ok('Controller', 'CreateVolume', { name: 'scratch', volume_capabilities: [RW_CAP], parameters: { type: 'tmpfs', 'csi.storage.k8s.io/pvc/name': 'data' }, capacity_range: { required_bytes: 8 << 20 } });
    assert.equal(r.volume.capacity_bytes, 8 << 20);
    const [info] = JSON.parse(vol(root, ['inspect', 'scratch']).stdout);
    assert.equal(info.Options.type, 'tmpfs');
    assert.equal(info.Labels['csi.storage.k8s.io/pvc/name'], 'data');
    assert.equal(info.Quota.Backend, 'tmpfs');
    assert.equal(info.Quota.Size, 8 << 20);
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'scratch' });
  });

  test('ValidateVolumeCapabilities confirms single-node mount access and explains the rest', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'val', volume_capabilities: [RW_CAP] });
    const yes = await csi.ok('Controller', 'ValidateVolumeCapabilities', { volume_id: 'val', volume_capabilities: [RW_CAP] });
    assert.equal(yes.confirmed.volume_capabilities.length, 1);
    const ro = await csi.ok('Controller', 'ValidateVolumeCapabilities', { volume_id: 'val', volume_capabilities: [{ mount: {}, access_mode: { mode: 'SINGLE_NODE_READER_ONLY' } }] });
    assert.ok(ro.confirmed);
    const no = await csi.ok('Controller', 'ValidateVolumeCapabilities', { volume_id: 'val', volume_capabilities: [{ mount: {}, access_mode: { mode: 'MULTI_NODE_MULTI_WRITER' } }] });
    assert.equal(no.confirmed, null);
    assert.match(no.message, /MULTI_NODE_MULTI_WRITER/);
    refused(await csi.call('Controller', 'ValidateVolumeCapabilities', { volume_id: 'nope', volume_capabilities: [RW_CAP] }), CODE.NOT_FOUND);
    refused(await csi.call('Controller', 'ValidateVolumeCapabilities', { volume_id: 'val' }), CODE.INVALID_ARGUMENT);
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'val' });
  });

  test('ListVolumes pages with tokens, lists only the volumes it made, and an unknown token is ABORTED', async () => {
    assert.equal(vol(root, ['create', 'by-hand']).code, 0);
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await csi.ok('Controller', 'CreateVolume', { name: n, volume_capabilities: [RW_CAP] });
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const r = await csi.ok('Controller', 'ListVolumes', { max_entries: 2, starting_token: token });
      assert.ok(r.entries.length <= 2);
      seen.push(...r.entries.map((e: any) => e.volume.volume_id));
      token = r.next_token;
      pages++;
    } while (token !== '');
    assert.deepEqual(seen, ['p1', 'p2', 'p3', 'p4', 'p5']);
    assert.equal(pages, 3);
    refused(await csi.call('Controller', 'ListVolumes', { starting_token: 'not-a-token' }), CODE.ABORTED);
    for (const n of ['p1', 'p2', 'p3', 'p4', 'p5']) await csi.ok('Controller', 'DeleteVolume', { volume_id: n });
    assert.equal(vol(root, ['rm', 'by-hand']).code, 0);
  });

  test('snapshots and expansion where the backend cannot are UNIMPLEMENTED; missing volumes NOT_FOUND', async () => {
    await csi.ok('Controller', 'CreateVolume', { name: 'plain', volume_capabilities: [RW_CAP] });
    refused(await csi.call('Controller', 'CreateSnapshot', { source_volume_id: 'plain', name: 's1' }), CODE.UNIMPLEMENTED);
    // A plain directory cannot be cloned by a snapshot, and a limit here cannot be enforced anyway.
    refused(await csi.call('Controller', 'CreateVolume', { name: 'copy', volume_capabilities: [RW_CAP], volume_content_source: { volume: { volume_id: 'plain' } } }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Controller', 'ControllerExpandVolume', { volume_id: 'plain', capacity_range: { required_bytes: 1 << 20 } }), CODE.UNIMPLEMENTED);
    refused(await csi.call('Controller', 'CreateSnapshot', { source_volume_id: 'gone', name: 's1' }), CODE.NOT_FOUND);
    refused(await csi.call('Controller', 'CreateSnapshot', { source_volume_id: 'plain' }), CODE.INVALID_ARGUMENT);
    refused(await csi.call('Controller', 'ControllerExpandVolume', { volume_id: 'gone', capacity_range: { required_bytes: 1 } }), CODE.NOT_FOUND);
    refused(await csi.call('Controller', 'ControllerExpandVolume', { volume_id: 'plain' }), CODE.INVALID_ARGUMENT);
    assert.deepEqual((await csi.ok('Controller', 'ListSnapshots', {})).entries, []);
    await csi.ok('Controller', 'DeleteSnapshot', { snapshot_id: 'never-made' });
    await csi.ok('Controller', 'DeleteVolume', { volume_id: 'plain' });
  });

  test('16 concurrent CreateVolume then 16 concurrent DeleteVolume calls all succeed', async () => {
    const names = Array.from({ length: 16 }, (_, i) => `c${String(i).padStart(2, '0')}`);
    const created = await Promise.all(names.map((name) => csi.call('Controller', 'CreateVolume', { name, volume_capabilities: [RW_CAP] })));
    assert.deepEqual(created.filter((r) => !r.ok), []);
    assert.equal(vol(root, ['ls', '-q']).stdout, names.join('\n') + '\n');
    const deleted = await Promise.all(names.map((volume_id) => csi.call('Controller', 'DeleteVolume', { volume_id })));
    assert.deepEqual(deleted.filter((r) => !r.ok), []);
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
  });
});

describe('vol csi serve: operations in flight', () => {
  test('a second call on a volume whose create is still running is ABORTED; the first completes', async () => {
    const dir = makeTemp('vol-csi-');
    // The test hook slows create after its disk work, so the second call surely overlaps it.
    const csi = await startCsi(join(dir, 'root'), dir, { env: { VOL_TEST_DELAY_MS: '1500' } });
    try {
      const first = csi.call('Controller', 'CreateVolume', { name: 'slow', volume_capabilities: [RW_CAP] });
      await new Promise((r) => setTimeout(r, 300));
      refused(await csi.call('Controller', 'CreateVolume', { name: 'slow', volume_capabilities: [RW_CAP] }), CODE.ABORTED);
      refused(await csi.call('Controller', 'DeleteVolume', { volume_id: 'slow' }), CODE.ABORTED);
      const done = await first;
      assert.ok(done.ok, JSON.stringify(done));
      await csi.ok('Controller', 'DeleteVolume', { volume_id: 'slow' });
    } finally {
      const code = await csi.stop();
      assert.equal(code, 0, `exit ${code} ${csi.proc.signalCode}: ${csi.stderr()}`);
      removeTemp(dir);
    }
  });

  test('bad --endpoint is one Error line and exit 125', () => {
    const dir = makeTemp('vol-csi-');
    try {
      const r = vol(join(dir, 'root'), ['csi', 'serve', '--endpoint', 'tcp://127.0.0.1:1', '--node-id', 'n']);
      assert.equal(r.code, 125);
      assert.match(r.stderr, /^Error: invalid --endpoint "tcp:\/\/127\.0\.0\.1:1": expected unix:\/\/\/ABSOLUTE\/PATH\n$/);
      assert.equal(existsSync(join(dir, 'root')), false, 'nothing is made for a refused command line');
      const empty = vol(join(dir, 'root'), ['csi', 'serve', '--endpoint', `unix://${dir}/s.sock`, '--node-id', '']);
      assert.deepEqual([empty.code, empty.stderr], [125, 'Error: --node-id must not be empty\n']);
    } finally {
      removeTemp(dir);
    }
  });
});
