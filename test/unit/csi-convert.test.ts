import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfigText } from '../../src/config/config-file.ts';
import { optionsFromParameters, page, sizeFits, sizeFromRange, unsupportedCapability } from '../../src/server/csi/convert.ts';
import { CsiError } from '../../src/server/csi/errors.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as CsiError).code;
  }
  return 0;
};

describe('CSI request conversion', () => {
  test('capacity ranges: required wins, limit alone is the size, bad ranges are refused', () => {
    assert.equal(sizeFromRange(undefined), undefined);
    assert.equal(sizeFromRange({ required_bytes: 0, limit_bytes: 0 }), undefined);
    assert.equal(sizeFromRange({ required_bytes: 10, limit_bytes: 20 }), 10);
    assert.equal(sizeFromRange({ required_bytes: 0, limit_bytes: 20 }), 20);
    assert.equal(code(() => sizeFromRange({ required_bytes: 30, limit_bytes: 20 })), 3);
    assert.equal(code(() => sizeFromRange({ required_bytes: -1, limit_bytes: 0 })), 3);
    assert.equal(code(() => sizeFromRange({ required_bytes: 2 ** 60, limit_bytes: 0 })), 11);
  });

  test('an existing size fits a range when within both bounds; no limit fits only no range', () => {
    assert.equal(sizeFits(10, { required_bytes: 10, limit_bytes: 0 }), true);
    assert.equal(sizeFits(10, { required_bytes: 11, limit_bytes: 0 }), false);
    assert.equal(sizeFits(10, { required_bytes: 0, limit_bytes: 9 }), false);
    assert.equal(sizeFits(undefined, { required_bytes: 1, limit_bytes: 0 }), false);
    assert.equal(sizeFits(undefined, undefined), true);
  });

  test('capabilities: single-node mount modes only; an empty list is INVALID_ARGUMENT', () => {
    const mode = (m: string) => [{ mount: { fs_type: '', mount_flags: [], volume_mount_group: '' }, access_mode: { mode: m } }];
    assert.equal(unsupportedCapability(mode('SINGLE_NODE_WRITER')), undefined);
    assert.equal(unsupportedCapability(mode('SINGLE_NODE_READER_ONLY')), undefined);
    assert.match(unsupportedCapability(mode('MULTI_NODE_READER_ONLY')) ?? '', /one node/);
    assert.match(unsupportedCapability([{ block: {}, access_mode: { mode: 'SINGLE_NODE_WRITER' } }]) ?? '', /block/);
    assert.equal(code(() => unsupportedCapability([])), 3);
  });

  test('parameters: orchestrator keys become labels, size must come as capacity_range', () => {
    assert.deepEqual(optionsFromParameters({ type: 'tmpfs', 'csi.storage.k8s.io/pvc/name': 'x' }), { options: { type: 'tmpfs' }, labels: { 'csi.storage.k8s.io/pvc/name': 'x' } });
    assert.equal(code(() => optionsFromParameters({ Size: '1G' })), 3);
    assert.equal(code(() => optionsFromParameters({ o: 'uid=1,size=1G' })), 3);
    assert.deepEqual(optionsFromParameters({ o: 'uid=1' }).options, { o: 'uid=1' });
  });

  test('pages: offsets as tokens, the last page has no next token, a bad token is ABORTED', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    assert.deepEqual(page(items, 2, ''), { items: ['a', 'b'], next: '2' });
    assert.deepEqual(page(items, 2, '4'), { items: ['e'], next: '' });
    assert.deepEqual(page(items, 0, ''), { items, next: '' });
    assert.equal(code(() => page(items, 2, 'x')), 10);
    assert.equal(code(() => page(items, 2, '6')), 10);
    assert.equal(code(() => page(items, -1, '')), 3);
  });

  test('[csi] overcommit is read as a boolean and refused otherwise', async () => {
    const { parse } = await import('smol-toml');
    assert.equal(parseConfigText('[csi]\novercommit = true\n', 'f', parse).csiOvercommit, true);
    assert.equal(parseConfigText('[engine]\n', 'f', parse).csiOvercommit, undefined);
    assert.throws(() => parseConfigText('[csi]\novercommit = 1\n', 'f', parse), /csi\.overcommit must be true or false/);
    assert.throws(() => parseConfigText('csi = 3\n', 'f', parse), /csi must be a table/);
  });
});
