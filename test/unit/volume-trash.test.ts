// The trash of bulk removals: emptied volume directories are renamed into it under their locks and
// deleted from it afterwards; what a killed removal left is deleted by the next, never following a
// link and never crossing a mount; what vol did not make, or a live removal's, is left alone.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { trashOwner } from '../../src/core/removal-batch.ts';
import { holdVolumesDir } from '../../src/local/volume-fs.ts';
import { TRASH, VolumeTrash } from '../../src/local/volume-trash.ts';
import { bootId, processStartTime } from '../../src/lock/lock-owner.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

let t: TestRuntime;
let canary: string;
let logged: string[];
beforeEach(async () => {
  logged = [];
  const keep = (msg: string) => void logged.push(msg);
  t = await openTestRuntime({ log: { debug() {}, info() {}, warn: keep, error: keep } });
  canary = makeTemp('vol-trash-canary-');
  writeFileSync(join(canary, 'keep'), 'canary\n');
});
afterEach(() => {
  t.dispose();
  removeTemp(canary);
});

const volumesDir = () => join(t.root, 'volumes');
const trashDir = () => join(volumesDir(), TRASH);

/** The trash directory name of a removal whose process has exited. */
function deadRemoval(): string {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  assert.equal(processStartTime(pid), undefined, 'the child has exited');
  return `${pid}:12345:${bootId()}`;
}

/** Lays out what a removal killed after renaming `volume` into bucket 3 would leave, with a link to the canary inside. */
function leaveRemoval(id: string, volume: string): string {
  const entry = join(trashDir(), id, '3', `${volume}+7`);
  mkdirSync(join(entry, '_data', 'deep'), { recursive: true });
  writeFileSync(join(entry, '_data', 'deep', 'file'), 'data');
  symlinkSync(canary, join(entry, '_data', 'out'));
  symlinkSync(join(canary, 'keep'), join(entry, '_data', 'deep', 'keep-link'));
  return entry;
}

async function createMany(n: number, prefix = 'v'): Promise<string[]> {
  const names = Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  for (const name of names) await t.engine.create({ name });
  return names;
}

describe('trash of bulk removals', () => {
  it('rm -a of many empty volumes goes through the trash and leaves no trash behind', async () => {
    await createMany(60);
    writeFileSync(join(volumesDir(), 'v007', '_data', 'f'), 'in place');
    const reports = await t.engine.rm({ names: [], all: true, force: false });
    assert.equal(reports.filter((r) => r.error).length, 0, String(reports.find((r) => r.error)?.error));
    assert.deepEqual(readdirSync(volumesDir()), []);
    assert.deepEqual(t.rt.store.listNames(), []);
  });

  it('moves an empty volume and refuses one whose _data has anything in it, changing nothing', async () => {
    await createMany(2);
    writeFileSync(join(volumesDir(), 'v001', '_data', 'f'), 'data');
    const top = holdVolumesDir(volumesDir());
    const trash = new VolumeTrash(top, volumesDir(), trashOwner());
    const layout = (name: string) => ({ volumesDir: volumesDir(), name, volDir: join(volumesDir(), name), dataDir: join(volumesDir(), name, '_data') });
    const fds = ['v000', 'v001'].map((name) => holdVolumesDir(join(volumesDir(), name)).fd);
    try {
      assert.equal(trash.moveAway(fds[0]!, layout('v000')), true);
      assert.equal(trash.moveAway(fds[1]!, layout('v001')), false);
      assert.equal(readFileSync(join(volumesDir(), 'v001', '_data', 'f'), 'utf8'), 'data');
      assert.deepEqual(await trash.finish(), []);
      assert.deepEqual(readdirSync(volumesDir()), ['v001']);
    } finally {
      for (const fd of [...fds, top.fd]) closeSync(fd);
    }
  });

  it("deletes what a killed removal left, never following its links; leaves a live removal's and unknown entries alone", async () => {
    const dead = deadRemoval();
    const left = leaveRemoval(dead, 'gone');
    const live = `${process.ppid}:${processStartTime(process.ppid)}:${bootId()}`;
    const liveEntry = leaveRemoval(live, 'busy');
    mkdirSync(join(trashDir(), 'not-ours'));
    await createMany(10);
    const reports = await t.engine.rm({ names: [], all: true, force: false });
    assert.equal(reports.filter((r) => r.error).length, 0);
    assert.equal(existsSync(left), false);
    assert.equal(existsSync(join(trashDir(), dead)), false);
    assert.equal(readFileSync(join(canary, 'keep'), 'utf8'), 'canary\n', 'a link inside the trash was followed');
    assert.deepEqual(readdirSync(canary), ['keep']);
    assert.ok(existsSync(join(liveEntry, '_data', 'deep', 'file')), "a live removal's trash was touched");
    assert.deepEqual(readdirSync(trashDir()).sort(), [live, 'not-ours'].sort());
    assert.deepEqual(readdirSync(volumesDir()), [TRASH]);
  });

  it('a mount in what a killed removal left is never deleted through: it is logged and stays', { skip: process.getuid?.() !== 0 && process.env.CI !== 'true' ? 'needs root to mount a tmpfs' : false }, async () => {
    assert.equal(process.getuid?.(), 0, 'needs root to mount a tmpfs');
    const dead = deadRemoval();
    const entry = leaveRemoval(dead, 'mounted');
    const mp = join(entry, '_data', 'deep');
    assert.equal(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mp]).status, 0);
    try {
      writeFileSync(join(mp, 'on-tmpfs'), 'tmpfs canary');
      await createMany(10);
      const reports = await t.engine.rm({ names: [], all: true, force: false });
      assert.equal(reports.filter((r) => r.error).length, 0, 'what an earlier removal left is not this removal failing');
      assert.equal(readFileSync(join(mp, 'on-tmpfs'), 'utf8'), 'tmpfs canary');
      assert.ok(logged.some((l) => /left by a removal that was killed, failed.*mounted/.test(l)), logged.join('\n'));
      assert.deepEqual(readdirSync(volumesDir()), [TRASH]);
    } finally {
      spawnSync('umount', ['-l', mp]);
    }
  });

  it('prune of many volumes goes through the trash too', async () => {
    await createMany(20);
    const reports = await t.engine.prune(t.engine.pruneCandidates());
    assert.equal(reports.length, 20);
    assert.deepEqual(readdirSync(volumesDir()), []);
  });
});
