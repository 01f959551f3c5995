import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { vol, volAsync, type VolRun } from '../helpers/vol.ts';
import { mountedRootPerTest, mountsAt } from './mount-support.ts';
import { assertFails, assertOk, create, inspectOne, lsNames, volumeDir } from './support.ts';
import { dataDir } from '../helpers/e2e.ts';

const { root, temp } = mountedRootPerTest();
const N = 8;

/** Runs `args(i)` for i in 0..n-1 as concurrent vol processes. */
function concurrently(n: number, args: (i: number) => string[]): Promise<VolRun[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => volAsync(root(), args(i))));
}

function assertAllOk(runs: VolRun[], stdout: string): void {
  runs.forEach((r, i) => assert.deepEqual([r.code, r.stderr, r.stdout], [0, '', stdout], `process ${i}`));
}

function holderIds(name: string): string[] {
  const info = inspectOne(root(), name) as unknown as { Holders?: { ID: string }[] };
  return (info.Holders ?? []).map((h) => h.ID).sort();
}

describe('concurrent mount and unmount', () => {
  test(`${N} concurrent mounts of a tmpfs volume: MountCount ${N}, one real mount; ${N} concurrent unmounts: none`, async () => {
    create(root(), 't', '-o', 'type=tmpfs');
    const data = dataDir(root(), 't');
    assertAllOk(await concurrently(N, () => ['mount', 't']), data + '\n');
    assert.equal(inspectOne(root(), 't').MountCount, N);
    assert.equal(mountsAt(data), 1);
    writeFileSync(join(data, 'f'), 'x');
    assertAllOk(await concurrently(N, () => ['unmount', 't']), 't\n');
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assert.equal(mountsAt(data), 0);
    assert.deepEqual(readdirSync(data), [], 'the tmpfs content went with the mount');
  });

  test('concurrent mounts and unmounts interleaved keep MountCount exact and one mount', async () => {
    create(root(), 't', '-o', 'type=tmpfs');
    const data = dataDir(root(), 't');
    assertAllOk(await concurrently(4, () => ['mount', 't']), data + '\n');
    const runs = await concurrently(N, (i) => (i % 2 === 0 ? ['mount', 't'] : ['unmount', 't']));
    runs.forEach((r, i) => assert.deepEqual([r.code, r.stderr], [0, ''], `process ${i}: ${r.stderr}`));
    assert.equal(inspectOne(root(), 't').MountCount, 4);
    assert.equal(mountsAt(data), 1);
  });

  test(`${N} concurrent holders: all recorded, MountCount ${N}, one mount; ${N} concurrent releases: none left`, async () => {
    create(root(), 't', '-o', 'type=tmpfs');
    const data = dataDir(root(), 't');
    const ids = Array.from({ length: N }, (_, i) => `h${i}`);
    assertAllOk(await concurrently(N, (i) => ['mount', 't', '--holder', ids[i]!]), data + '\n');
    assert.equal(inspectOne(root(), 't').MountCount, N);
    assert.deepEqual(holderIds('t'), [...ids].sort());
    assert.equal(mountsAt(data), 1);
    assertFails(vol(root(), ['rm', 't']), 2, ['is being used by', 'volume is being used']);
    assertAllOk(await concurrently(N, (i) => ['unmount', 't', '--holder', ids[i]!]), 't\n');
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assert.deepEqual(holderIds('t'), []);
    assert.equal(mountsAt(data), 0);
    assertOk(vol(root(), ['rm', 't']), 't\n');
  });

  test('rm of a mounted bind volume detaches it and leaves the bind source and its file untouched', () => {
    const src = temp('vol-bindsrc-');
    writeFileSync(join(src, 'keep'), 'precious');
    create(root(), 'b', '-o', 'type=bind', '-o', `device=${src}`);
    const data = dataDir(root(), 'b');
    assertOk(vol(root(), ['mount', 'b']), data + '\n');
    assertOk(vol(root(), ['mount', 'b']), data + '\n');
    assert.equal(mountsAt(data), 1);
    assert.equal(readFileSync(join(data, 'keep'), 'utf8'), 'precious');
    assertOk(vol(root(), ['rm', 'b']), 'b\n');
    assert.equal(mountsAt(data), 0);
    assert.equal(existsSync(volumeDir(root(), 'b')), false);
    assert.deepEqual(readdirSync(src), ['keep']);
    assert.equal(readFileSync(join(src, 'keep'), 'utf8'), 'precious');
  });

  test('rm -f of a held bind volume releases the holders and leaves the bind source untouched', async () => {
    const src = temp('vol-bindsrc-');
    writeFileSync(join(src, 'keep'), 'precious');
    create(root(), 'b', '-o', 'type=bind', '-o', `device=${src}`);
    const data = dataDir(root(), 'b');
    assertAllOk(await concurrently(4, (i) => ['mount', 'b', '--holder', `h${i}`]), data + '\n');
    assert.equal(mountsAt(data), 1);
    assertFails(vol(root(), ['rm', 'b']), 2, ['is being used by']);
    assertOk(vol(root(), ['rm', '-f', 'b']), 'b\n');
    assert.equal(mountsAt(data), 0);
    assert.deepEqual(lsNames(root()), []);
    assert.deepEqual(readdirSync(src), ['keep']);
    assert.equal(readFileSync(join(src, 'keep'), 'utf8'), 'precious');
  });
});
