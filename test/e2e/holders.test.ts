import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { vol, volAsync } from '../helpers/vol.ts';
import { deadPid, mountedRootPerTest, mountsAt, sleeper } from './mount-support.ts';
import { assertFails, assertOk, create, inspectOne, lsNames as lsInOrder, volumeDir } from './support.ts';
import { dataDir } from '../helpers/e2e.ts';

const { root } = mountedRootPerTest();

interface HolderInfo {
  ID: string;
  PID?: number;
}

/** The live holders inspect shows, sorted by ID (none when the key is absent). */
function holdersOf(name: string): HolderInfo[] {
  const info = inspectOne(root(), name) as unknown as { Holders?: HolderInfo[] };
  return [...(info.Holders ?? [])].sort((a, b) => a.ID.localeCompare(b.ID));
}

/** `vol ls -q` names, sorted (row order is not part of the contract). */
function lsNames(r: string, ...flags: string[]): string[] {
  return lsInOrder(r, ...flags).sort();
}

function mountHolder(name: string, id: string, pid?: number): void {
  assertOk(vol(root(), ['mount', name, '--holder', id, ...(pid === undefined ? [] : ['--pid', String(pid)])]), dataDir(root(), name) + '\n');
}

function createTmpfs(name: string): void {
  create(root(), name, '-o', 'type=tmpfs');
}

describe('holders', () => {
  test('rm of a held volume exits 2 naming the holders and changes nothing; after unmount --holder it goes', () => {
    create(root(), 'v');
    writeFileSync(join(dataDir(root(), 'v'), 'f'), 'payload');
    mountHolder('v', 'ctr-1');
    mountHolder('v', 'ctr-2');
    assertFails(vol(root(), ['rm', 'v']), 2, ['is being used by', 'ctr-1', 'ctr-2', 'volume is being used']);
    assert.deepEqual(lsNames(root()), ['v']);
    assert.equal(readFileSync(join(dataDir(root(), 'v'), 'f'), 'utf8'), 'payload');
    assert.deepEqual(holdersOf('v'), [{ ID: 'ctr-1' }, { ID: 'ctr-2' }]);
    assertOk(vol(root(), ['unmount', 'v', '--holder', 'ctr-1']), 'v\n');
    assertFails(vol(root(), ['rm', 'v']), 2, ['is being used by', 'ctr-2']);
    assertOk(vol(root(), ['unmount', 'v', '--holder', 'ctr-2']), 'v\n');
    assertOk(vol(root(), ['rm', 'v']), 'v\n');
    assert.equal(existsSync(volumeDir(root(), 'v')), false);
    assert.deepEqual(lsNames(root()), []);
  });

  test('a holder whose --pid process has exited no longer blocks rm, ls dangling or inspect', async () => {
    create(root(), 'v');
    const proc = sleeper();
    mountHolder('v', 'job', proc.pid);
    assertFails(vol(root(), ['rm', 'v']), 2, ['is being used by', 'job']);
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=true'), []);
    await proc.stop();
    assert.deepEqual(holdersOf('v'), []);
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=true'), ['v']);
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=false'), []);
    assertOk(vol(root(), ['rm', 'v']), 'v\n');
    assert.equal(existsSync(volumeDir(root(), 'v')), false);
  });

  test('a stale holder gives back its mount: the next command on the volume unmounts a tmpfs at count 0', async () => {
    createTmpfs('t');
    const proc = sleeper();
    mountHolder('t', 'job', proc.pid);
    assert.equal(mountsAt(dataDir(root(), 't')), 1);
    await proc.stop();
    // A plain unmount never takes a holder's mount; only dropping the stale holder can unmount here.
    assertOk(vol(root(), ['unmount', 't']), 't\n');
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assert.deepEqual(holdersOf('t'), []);
  });

  test('rm -f of a held, mounted tmpfs volume releases the holders, unmounts it and removes it', () => {
    createTmpfs('t');
    mountHolder('t', 'a');
    mountHolder('t', 'b');
    assertOk(vol(root(), ['mount', 't']));
    writeFileSync(join(dataDir(root(), 't'), 'f'), 'x');
    assert.equal(mountsAt(dataDir(root(), 't')), 1);
    assert.equal(inspectOne(root(), 't').MountCount, 3);
    assertOk(vol(root(), ['rm', '-f', 't']), 't\n');
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
    assert.equal(existsSync(volumeDir(root(), 't')), false);
    assert.deepEqual(lsNames(root()), []);
  });

  test('rm -f -t 2 waits for a holder that releases after ~0.5 s, then removes the volume', async () => {
    createTmpfs('t');
    mountHolder('t', 'slow');
    const started = Date.now();
    const rm = volAsync(root(), ['rm', '-f', '-t', '2', 't']);
    await sleep(500);
    const release = await volAsync(root(), ['unmount', 't', '--holder', 'slow']);
    const r = await rm;
    // The holder was still there to release: rm had not forced it out before its 2 s were up.
    assertOk(release, 't\n');
    assertOk(r, 't\n');
    assert.ok(Date.now() - started < 10_000, 'rm -t 2 took far longer than its grace time');
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
    assert.equal(existsSync(volumeDir(root(), 't')), false);
  });

  test('rm -f -t 1 on a holder that never releases waits about 1 s, then forces the removal', async () => {
    createTmpfs('t');
    mountHolder('t', 'stuck');
    const started = Date.now();
    assertOk(await volAsync(root(), ['rm', '-f', '-t', '1', 't']), 't\n');
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 10_000, `rm -f -t 1 took ${took} ms`);
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
    assert.deepEqual(lsNames(root()), []);
  });

  test('inspect shows the live holders with ID and PID, after MountCount', () => {
    createTmpfs('t');
    mountHolder('t', 'with-pid', process.pid);
    mountHolder('t', 'no-pid');
    const info = inspectOne(root(), 't') as unknown as Record<string, unknown>;
    assert.deepEqual(Object.keys(info).slice(-2), ['MountCount', 'Holders']);
    assert.equal(info.MountCount, 2);
    assert.deepEqual(holdersOf('t'), [{ ID: 'no-pid' }, { ID: 'with-pid', PID: process.pid }]);
    assertOk(vol(root(), ['inspect', '-f', '{{.MountCount}}', 't']), '2\n');
  });

  test('ls --filter dangling: true excludes held volumes, false shows only them; a plain mount is not a holder', () => {
    createTmpfs('held');
    createTmpfs('mounted');
    create(root(), 'free');
    mountHolder('held', 'h');
    assertOk(vol(root(), ['mount', 'mounted']));
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=true'), ['free', 'mounted']);
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=1'), ['free', 'mounted']);
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=false'), ['held']);
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=0'), ['held']);
    assertOk(vol(root(), ['unmount', 'held', '--holder', 'h']), 'held\n');
    assert.deepEqual(lsNames(root(), '--filter', 'dangling=false'), []);
  });

  test('the same holder twice is one holder holding one mount', () => {
    createTmpfs('t');
    mountHolder('t', 'a');
    mountHolder('t', 'a');
    assert.equal(inspectOne(root(), 't').MountCount, 1);
    assert.deepEqual(holdersOf('t'), [{ ID: 'a' }]);
    assert.equal(mountsAt(dataDir(root(), 't')), 1);
    assertOk(vol(root(), ['unmount', 't', '--holder', 'a']), 't\n');
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assertFails(vol(root(), ['unmount', 't', '--holder', 'a']), 125, ['a']);
  });

  test('unmount of an unknown holder exits 125 and changes nothing', () => {
    createTmpfs('t');
    mountHolder('t', 'a');
    assertFails(vol(root(), ['unmount', 't', '--holder', 'nobody']), 125, ['nobody']);
    assert.equal(inspectOne(root(), 't').MountCount, 1);
    assert.deepEqual(holdersOf('t'), [{ ID: 'a' }]);
    assert.equal(mountsAt(dataDir(root(), 't')), 1);
  });

  test('--pid of a process that does not exist exits 125 and records nothing', async () => {
    createTmpfs('t');
    const pid = await deadPid();
    assertFails(vol(root(), ['mount', 't', '--holder', 'a', '--pid', String(pid)]), 125, [String(pid)]);
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assert.deepEqual(holdersOf('t'), []);
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
    assertOk(vol(root(), ['rm', 't']), 't\n');
  });

  test('--pid without --holder exits 125 and mounts nothing', () => {
    createTmpfs('t');
    assertFails(vol(root(), ['mount', 't', '--pid', String(process.pid)]), 125, ['--holder']);
    assert.equal(inspectOne(root(), 't').MountCount, 0);
    assert.deepEqual(holdersOf('t'), []);
    assert.equal(mountsAt(dataDir(root(), 't')), 0);
  });
});
