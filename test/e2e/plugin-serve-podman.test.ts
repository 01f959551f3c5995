// vol plugin serve with real Podman 4.3.1 as the client: size limits, holders, reload, restarts.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeLoopFs, type LoopFs } from '../helpers/loopfs.ts';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { startServer, type Server } from './plugin-serve-support.ts';
import { IMAGE, makePodman, type Podman, type PodmanRun } from './plugin-serve-podman.ts';

const PSEUDO_ID = '2f73349cfc4630255319c6c8dfc1b46a8996ace9d14d8e07563b165915918ec2';
const MiB = 2 ** 20;

let dir = '';
let root = '';
let socket = '';
let fs: LoopFs | undefined;
let podman: Podman | undefined;
let server: Server | undefined;
let skipped = '';

/** Runs podman, asserts exit 0, returns stdout. */
function pm(...args: string[]): string {
  const r = podman!.run(args);
  assert.equal(r.code, 0, `podman ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function ctrRun(...args: string[]): PodmanRun {
  return podman!.run(['run', '--rm', '--network', 'none', ...args]);
}

function holdersOf(name: string): string[] {
  const r = vol(root, ['inspect', '--format', '{{json .Holders}}', name]);
  assert.equal(r.code, 0, r.stderr);
  const holders = JSON.parse(r.stdout) as { ID: string }[] | null;
  return (holders ?? []).map((h) => h.ID);
}

async function waitUntilHeld(name: string, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (holdersOf(name).length !== count) {
    if (Date.now() > deadline) assert.fail(`volume ${name} never had ${count} holder(s): ${holdersOf(name).join(', ')}`);
    await sleep(100);
  }
}

/**
 * Why the suite cannot run, or '' when it can. Under CI=true a missing tool fails the suite:
 * Podman is not optional there.
 */
function missingTools(tools: readonly (readonly [string, string])[]): string {
  const missing = tools.filter(([tool]) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
  if (missing.length === 0 && existsSync('/bin/busybox')) return '';
  const why = missing.length ? `${missing.map(([t]) => t).join(', ')} not installed (apt-get install ${missing.map(([, p]) => p).join(' ')}; .ci/run installs them)` : '/bin/busybox is missing (apt-get install busybox-static)';
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

describe('vol plugin serve with Podman as the client', () => {
  before(async () => {
    skipped = missingTools([['podman', 'podman'], ['runc', 'runc'], ['mkfs.btrfs', 'btrfs-progs'], ['busybox', 'busybox-static']]);
    if (skipped) return;
    dir = makeTemp('vol-podman-');
    fs = makeLoopFs('btrfs', 400);
    execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
    root = join(fs.mnt, 'root');
    socket = join(dir, 'vol.sock');
    server = await startServer(root, socket);
    podman = makePodman(join(dir, 'podman'), socket);
  });

  after(async () => {
    try {
      podman?.run(['rm', '-af', '-t', '0']);
      podman?.run(['volume', 'rm', '-af']);
      podman?.cleanup();
    } finally {
      await server?.stop();
      fs?.dispose();
      // Only the test's own temp directory is removed.
      if (dir && resolve(dir).startsWith(resolve(process.env.TMPDIR ?? '/tmp') + sep)) removeTemp(dir);
    }
  });

  test('podman volume create --driver vol -o size=20M: a container stops at 20 MiB', (t) => {
    if (skipped) return t.skip(skipped);
    assert.equal(pm('volume', 'create', '--driver', 'vol', '-o', 'size=20M', 'v'), 'v\n');
    assert.equal(vol(root, ['ls', '-q']).stdout, 'v\n');
    assert.equal(vol(root, ['inspect', '--format', '{{.Quota.Backend}} {{.Quota.Size}}', 'v']).stdout, `btrfs ${20 * MiB}\n`);
    const dd = ctrRun('-v', 'v:/data', IMAGE, 'sh', '-c', 'dd if=/dev/zero of=/data/f bs=1M count=40');
    assert.notEqual(dd.code, 0, `dd in the container should fail: ${dd.stderr}`);
    assert.match(dd.stderr, /quota exceeded|No space left/i);
    const written = statSync(join(root, 'volumes', 'v', '_data', 'f')).size;
    assert.ok(written >= 18 * MiB && written <= 21 * MiB, `wrote ${written} bytes`);
    assert.deepEqual(holdersOf('v'), [], 'the container that exited released its mount');
    execFileSync('sync');
    const status = JSON.parse(pm('volume', 'inspect', '--format', '{{json .Status}}', 'v')) as Record<string, number | string>;
    assert.deepEqual([status.QuotaBackend, status.Size], ['btrfs', 20 * MiB]);
    assert.ok(Number(status.UsedBytes) >= 18 * MiB, `UsedBytes ${status.UsedBytes}`);
  });

  test('data written in one container is read in the next', (t) => {
    if (skipped) return t.skip(skipped);
    assert.equal(ctrRun('-v', 'v:/data', IMAGE, 'sh', '-c', 'rm /data/f && echo hello-from-1 > /data/msg').code, 0);
    const r = ctrRun('-v', 'v:/data', IMAGE, 'cat', '/data/msg');
    assert.deepEqual([r.code, r.stdout], [0, 'hello-from-1\n'], r.stderr);
  });

  test('while a container runs, vol rm exits 2 naming the holder and podman volume rm fails; afterwards podman volume rm removes it from vol', async (t) => {
    if (skipped) return t.skip(skipped);
    pm('run', '-d', '--name', 'holder', '--network', 'none', '-v', 'v:/data', IMAGE, 'sh', '-c', 'while :; do sleep 1; done');
    await waitUntilHeld('v', 1);
    assert.deepEqual(holdersOf('v'), [PSEUDO_ID]);
    const rm = vol(root, ['rm', 'v']);
    assert.equal(rm.code, 2, rm.stderr);
    assert.match(rm.stderr, new RegExp(`^Error: volume v is being used by .*${PSEUDO_ID}`, 'm'));
    assert.equal(vol(root, ['ls', '-q', '--filter', 'dangling=false']).stdout, 'v\n');
    const prm = podman!.run(['volume', 'rm', 'v']);
    assert.notEqual(prm.code, 0, 'podman volume rm of a volume in use must fail');
    assert.match(prm.stderr, /being used/);
    pm('rm', '-f', '-t', '0', 'holder');
    assert.deepEqual(holdersOf('v'), []);
    assert.equal(pm('volume', 'rm', 'v'), 'v\n');
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
    assert.equal(existsSync(join(root, 'volumes', 'v')), false);
  });

  test('podman volume create -o o=uid=1000,gid=1000: Podman adds UID and GID, and the volume is owned by 1000:1000', (t) => {
    if (skipped) return t.skip(skipped);
    pm('volume', 'create', '--driver', 'vol', '-o', 'o=uid=1000,gid=1000', 'owned');
    assert.equal(vol(root, ['inspect', '--format', '{{.UID}}:{{.GID}} {{.Options.UID}} {{.Options.o}}', 'owned']).stdout, '1000:1000 1000 uid=1000,gid=1000\n');
    const data = statSync(join(root, 'volumes', 'owned', '_data'));
    assert.deepEqual([data.uid, data.gid], [1000, 1000]);
    const r = ctrRun('-v', 'owned:/data', IMAGE, 'stat', '-c', '%u:%g', '/data');
    assert.deepEqual([r.code, r.stdout], [0, '1000:1000\n'], r.stderr);
    assert.equal(pm('volume', 'rm', 'owned'), 'owned\n');
  });

  test('podman volume reload sees volumes made with vol create', (t) => {
    if (skipped) return t.skip(skipped);
    assert.equal(vol(root, ['create', '-o', 'size=8M', 'fromvol']).code, 0);
    assert.match(pm('volume', 'reload'), /^Added:\nfromvol\n/);
    assert.match(pm('volume', 'ls', '--format', '{{.Driver}} {{.Name}}'), /^vol fromvol$/m);
    const r = ctrRun('-v', 'fromvol:/data', IMAGE, 'sh', '-c', 'echo ok > /data/x && cat /data/x');
    assert.deepEqual([r.code, r.stdout], [0, 'ok\n'], r.stderr);
  });

  test('killing the server mid-run and restarting it loses nothing', async (t) => {
    if (skipped) return t.skip(skipped);
    pm('volume', 'create', '--driver', 'vol', 'kept');
    pm('run', '-d', '--name', 'keeper', '--network', 'none', '-v', 'kept:/data', IMAGE, 'sh', '-c', 'echo before > /data/k; while :; do sleep 1; done');
    await waitUntilHeld('kept', 1);
    server!.child.kill('SIGKILL');
    await server!.done;
    server = await startServer(root, socket);
    assert.deepEqual(holdersOf('kept'), [PSEUDO_ID], 'the holder outlives the server');
    assert.equal(vol(root, ['ls', '-q']).stdout, 'fromvol\nkept\n');
    assert.equal(pm('exec', 'keeper', 'cat', '/data/k'), 'before\n');
    pm('rm', '-f', '-t', '0', 'keeper');
    assert.deepEqual(holdersOf('kept'), [], 'the new server took the Unmount');
    const r = ctrRun('-v', 'kept:/data', IMAGE, 'cat', '/data/k');
    assert.deepEqual([r.code, r.stdout], [0, 'before\n'], r.stderr);
    assert.match(pm('volume', 'ls', '--format', '{{.Name}}'), /^kept$/m);
  });
});
