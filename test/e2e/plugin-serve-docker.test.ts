// vol plugin serve with Docker as the client, when dockerd is installed and can run here. Docker is
// optional: without it the suite says why and is skipped, also under CI=true.
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, statSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, resolve, sep } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeLoopFs, type LoopFs } from '../helpers/loopfs.ts';
import { makeTemp, removeTemp, vol } from '../helpers/vol.ts';
import { unmountUnder } from './plugin-serve-podman.ts';
import { startServer, type Server } from './plugin-serve-support.ts';

const MiB = 2 ** 20;
const IMAGE = 'vol-busybox:latest';
// Docker finds plugins only by socket name in this directory; the name is unique per run.
// Volume names are longer than one letter: docker's CLI reads `-v v:/data` as a Windows drive path.
const PLUGIN_DIR = '/run/docker/plugins';
const NAME = `voltest${randomBytes(4).toString('hex')}`;

let dir = '';
let root = '';
let socket = '';
let fs: LoopFs | undefined;
let dockerd: ChildProcess | undefined;
let server: Server | undefined;
let skipped = '';
let dockerLog = '';

function dockerEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: dir, DOCKER_CONFIG: join(dir, 'cli'), DOCKER_HOST: `unix://${join(dir, 'docker.sock')}` };
}

function docker(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('docker', args, { encoding: 'utf8', env: dockerEnv(), timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function dk(...args: string[]): string {
  const r = docker(...args);
  assert.equal(r.code, 0, `docker ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

function holdersOf(name: string): string[] {
  const r = vol(root, ['inspect', '--format', '{{json .Holders}}', name]);
  assert.equal(r.code, 0, r.stderr);
  return ((JSON.parse(r.stdout) as { ID: string }[] | null) ?? []).map((h) => h.ID);
}

async function waitFor(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** Starts a dockerd of the test's own (own data root, exec root, socket; no iptables, no bridge); '' or why it cannot run. */
async function startDockerd(): Promise<string> {
  if (spawnSync('sh', ['-c', 'command -v dockerd && command -v docker'], { stdio: 'ignore' }).status !== 0) {
    return 'dockerd is not installed (Debian package docker.io); Docker is optional, the Podman suite covers the protocol';
  }
  const args = ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec'), '--pidfile', join(dir, 'dockerd.pid'), '-H', `unix://${join(dir, 'docker.sock')}`,
    '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs'];
  dockerd = spawn('dockerd', args, { env: dockerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  dockerd.stdout!.on('data', (d: Buffer) => (dockerLog += d.toString()));
  dockerd.stderr!.on('data', (d: Buffer) => (dockerLog += d.toString()));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (dockerd.exitCode !== null) return `dockerd exited ${dockerd.exitCode} at start: ${dockerLog.split('\n').filter((l) => /level=(error|fatal)/.test(l)).slice(-2).join(' | ') || dockerLog.slice(-300)}`;
    if (docker('version').code === 0) return '';
    await sleep(250);
  }
  return `dockerd did not answer within 30 s: ${dockerLog.slice(-300)}`;
}

function importImage(): void {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const a of ['sh', 'dd', 'cat', 'rm', 'sleep', 'echo']) symlinkSync('busybox', join(rootfs, 'bin', a));
  execFileSync('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
  dk('import', join(dir, 'rootfs.tar'), IMAGE);
}

describe('vol plugin serve with Docker as the client', () => {
  before(async () => {
    dir = makeTemp('vol-docker-');
    skipped = await startDockerd();
    if (skipped) return;
    fs = makeLoopFs('btrfs', 400);
    execFileSync('btrfs', ['quota', 'enable', fs.mnt]);
    root = join(fs.mnt, 'root');
    socket = join(PLUGIN_DIR, `${NAME}.sock`);
    server = await startServer(root, socket, ['--name', NAME]);
    importImage();
  });

  after(async () => {
    try {
      if (!skipped) {
        docker('rm', '-f', 'holder', 'keeper');
        docker('volume', 'rm', '-f', 'dv', 'kept', 'fromvol');
      }
      await server?.stop();
    } finally {
      if (dockerd && dockerd.exitCode === null) {
        dockerd.kill('SIGTERM');
        await new Promise((r) => dockerd!.once('close', r));
      }
      if (dir) unmountUnder(dir);
      fs?.dispose();
      if (dir && resolve(dir).startsWith(resolve(process.env.TMPDIR ?? '/tmp') + sep)) removeTemp(dir);
    }
  });

  test('docker volume create -d vol -o size=20M: a container stops at 20 MiB; data carries over to the next', (t) => {
    if (skipped) return t.skip(skipped);
    assert.equal(dk('volume', 'create', '-d', NAME, '-o', 'size=20M', 'dv'), 'dv\n');
    assert.equal(vol(root, ['ls', '-q']).stdout, 'dv\n');
    const dd = docker('run', '--rm', '--network', 'none', '-v', 'dv:/data', IMAGE, 'sh', '-c', 'dd if=/dev/zero of=/data/f bs=1M count=40');
    assert.notEqual(dd.code, 0, dd.stderr);
    const written = statSync(join(root, 'volumes', 'dv', '_data', 'f')).size;
    assert.ok(written >= 18 * MiB && written <= 21 * MiB, `wrote ${written} bytes`);
    assert.deepEqual(holdersOf('dv'), []);
    assert.equal(docker('run', '--rm', '--network', 'none', '-v', 'dv:/data', IMAGE, 'sh', '-c', 'rm /data/f && echo hi > /data/msg').code, 0);
    assert.equal(dk('run', '--rm', '--network', 'none', '-v', 'dv:/data', IMAGE, 'cat', '/data/msg'), 'hi\n');
  });

  test('while a container runs, vol rm exits 2 and docker volume rm fails; afterwards docker volume rm removes it from vol', async (t) => {
    if (skipped) return t.skip(skipped);
    dk('run', '-d', '--name', 'holder', '--network', 'none', '-v', 'dv:/data', IMAGE, 'sh', '-c', 'while :; do sleep 1; done');
    await waitFor('a holder', () => holdersOf('dv').length === 1);
    const rm = vol(root, ['rm', 'dv']);
    assert.equal(rm.code, 2, rm.stderr);
    assert.match(rm.stderr, /^Error: volume dv is being used by/m);
    assert.notEqual(docker('volume', 'rm', 'dv').code, 0);
    dk('rm', '-f', 'holder');
    await waitFor('the holder to go', () => holdersOf('dv').length === 0);
    assert.equal(dk('volume', 'rm', 'dv'), 'dv\n');
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
  });

  test('docker volume ls shows volumes made with vol create; a killed and restarted server loses nothing', async (t) => {
    if (skipped) return t.skip(skipped);
    assert.equal(vol(root, ['create', 'fromvol']).code, 0);
    assert.match(dk('volume', 'ls', '--format', '{{.Driver}} {{.Name}}'), new RegExp(`^${NAME} fromvol$`, 'm'));
    dk('volume', 'create', '-d', NAME, 'kept');
    dk('run', '-d', '--name', 'keeper', '--network', 'none', '-v', 'kept:/data', IMAGE, 'sh', '-c', 'echo before > /data/k; while :; do sleep 1; done');
    await waitFor('a holder', () => holdersOf('kept').length === 1);
    server!.child.kill('SIGKILL');
    await server!.done;
    server = await startServer(root, socket, ['--name', NAME]);
    assert.equal(holdersOf('kept').length, 1);
    dk('rm', '-f', 'keeper');
    await waitFor('the holder to go', () => holdersOf('kept').length === 0);
    assert.equal(dk('run', '--rm', '--network', 'none', '-v', 'kept:/data', IMAGE, 'cat', '/data/k'), 'before\n');
    assert.ok(existsSync(join(root, 'volumes', 'kept')));
  });
});
