// End-to-end tests of `vol plugin serve` spoken to over raw HTTP, as Podman and Docker speak it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pool, volumeDirEntries } from '../helpers/e2e.ts';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN } from '../helpers/vol.ts';
import { call, fails, ok, startServer, type Server } from './plugin-serve-support.ts';

const PSEUDO_ID = '2f73349cfc4630255319c6c8dfc1b46a8996ace9d14d8e07563b165915918ec2';

let dir = '';
let root = '';
let socket = '';
let servers: Server[] = [];
beforeEach(() => {
  dir = makeTemp('vol-serve-');
  root = join(dir, 'root');
  socket = join(dir, 'vol.sock');
  servers = [];
});
afterEach(async () => {
  for (const s of servers) await s.stop();
  removeTemp(dir);
});

async function serve(args: string[] = [], env: Record<string, string> = {}, globals: string[] = []): Promise<Server> {
  const s = await startServer(root, socket, args, env, globals);
  servers.push(s);
  return s;
}

function inspect(name: string): Record<string, unknown> {
  const r = vol(root, ['inspect', name]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0]!;
}

describe('vol plugin serve: endpoints', () => {
  test('Create, Get, List, Path, Mount and Unmount serve the volumes vol ls shows, with counted holders', async () => {
    await serve();
    assert.deepEqual(await ok(socket, '/Plugin.Activate'), { Implements: ['VolumeDriver'] });
    assert.deepEqual(await ok(socket, '/VolumeDriver.Capabilities'), { Capabilities: { Scope: 'local' } });
    // Member names are matched case-insensitively, as Go's decoder does.
    await ok(socket, '/VolumeDriver.Create', { name: 'v', OPTS: { o: 'uid=1000,gid=1000', UID: '1000', GID: '1000' } });
    assert.equal(vol(root, ['create', 'fromcli']).code, 0);
    assert.deepEqual(vol(root, ['ls', '-q']).stdout, 'fromcli\nv\n');
    const info = inspect('v');
    assert.deepEqual([info.UID, info.GID, info.Driver], [1000, 1000, 'local']);
    const data = join(root, 'volumes', 'v', '_data');
    assert.equal(statSync(data).uid, 1000);

    const got = (await ok(socket, '/VolumeDriver.Get', { Name: 'v' })).Volume as Record<string, unknown>;
    assert.equal(got.Name, 'v');
    assert.equal(got.Mountpoint, undefined, 'no Mountpoint before a Mount');
    assert.equal(got.CreatedAt, info.CreatedAt);
    assert.deepEqual(got.Status, { Driver: 'local', MountCount: 0 });
    const list = (await ok(socket, '/VolumeDriver.List')).Volumes as Record<string, unknown>[];
    assert.deepEqual(list.map((v) => v.Name), ['fromcli', 'v']);
    assert.deepEqual(await ok(socket, '/VolumeDriver.Path', { Name: 'v' }), { Mountpoint: '', Err: '' });

    // Podman sends one pseudo ID for every container: two Mounts need two Unmounts.
    for (let i = 0; i < 2; i++) assert.deepEqual(await ok(socket, '/VolumeDriver.Mount', { Name: 'v', ID: PSEUDO_ID }), { Mountpoint: data, Err: '' });
    const held = (await ok(socket, '/VolumeDriver.Get', { Name: 'v' })).Volume as Record<string, unknown>;
    assert.equal(held.Mountpoint, data);
    assert.deepEqual((held.Status as Record<string, unknown>).Holders, [PSEUDO_ID, `${PSEUDO_ID}#2`]);
    assert.deepEqual(await ok(socket, '/VolumeDriver.Path', { Name: 'v' }), { Mountpoint: data, Err: '' });
    const rm = vol(root, ['rm', 'v']);
    assert.equal(rm.code, 2, rm.stderr);
    assert.match(rm.stderr, new RegExp(`^Error: .*is being used by .*${PSEUDO_ID}.*volume is being used`, 'm'));
    assert.equal(vol(root, ['ls', '-q', '--filter', 'dangling=false']).stdout, 'v\n');
    await fails(socket, '/VolumeDriver.Remove', { Name: 'v' }, 409, 'volume is being used');

    await ok(socket, '/VolumeDriver.Unmount', { Name: 'v', ID: PSEUDO_ID });
    assert.equal(vol(root, ['rm', 'v']).code, 2, 'one mount is still held');
    await ok(socket, '/VolumeDriver.Unmount', { Name: 'v', ID: PSEUDO_ID });
    assert.equal(vol(root, ['ls', '-q', '--filter', 'dangling=false']).stdout, '');
    // An Unmount vol has no record of changes nothing.
    await ok(socket, '/VolumeDriver.Unmount', { Name: 'v', ID: PSEUDO_ID });
    await ok(socket, '/VolumeDriver.Remove', { Name: 'v' });
    assert.equal(vol(root, ['ls', '-q']).stdout, 'fromcli\n');
    assert.deepEqual(volumeDirEntries(root), ['fromcli']);
    const events = vol(root, ['events', '--filter', 'volume=v', '--format', '{{.Type}}']).stdout;
    assert.equal(events, 'create\nmount\nmount\nunmount\nunmount\nremove\n');
  });

  test('Get reports the size limit; names are exact, never a prefix', async () => {
    await serve();
    assert.equal(vol(root, ['create', '-o', 'type=tmpfs', '-o', 'o=size=8m', 'tmpvol']).code, 0);
    const status = ((await ok(socket, '/VolumeDriver.Get', { Name: 'tmpvol' })).Volume as Record<string, unknown>).Status as Record<string, unknown>;
    assert.deepEqual([status.QuotaBackend, status.Size], ['tmpfs', 8 * 2 ** 20]);
    await fails(socket, '/VolumeDriver.Get', { Name: 'tmp' }, 404, 'no such volume');
    await fails(socket, '/VolumeDriver.Mount', { Name: 'tmp', ID: 'c1' }, 404, 'no such volume');
  });

  test('bad requests get one clear Err, a non-200 status, and leave nothing behind', async () => {
    await serve();
    await fails(socket, '/VolumeDriver.Get', { Name: 'nope' }, 404, 'no such volume');
    await fails(socket, '/VolumeDriver.Remove', { Name: 'nope' }, 404, 'no such volume');
    await fails(socket, '/VolumeDriver.Create', { Name: '../x' }, 400, 'names must match');
    await fails(socket, '/VolumeDriver.Create', { Name: 'a', Opts: { bogus: '1' } }, 400, 'invalid mount option bogus');
    await fails(socket, '/VolumeDriver.Create', { Name: 'a', Opts: { size: 5 } }, 400, 'must be a string');
    await fails(socket, '/VolumeDriver.Create', { Name: 'a', Opts: ['x'] }, 400, 'Opts must be an object');
    await fails(socket, '/VolumeDriver.Create', {}, 400, 'no volume Name');
    await fails(socket, '/VolumeDriver.Create', { Name: 7 }, 400, 'Name must be a string');
    await fails(socket, '/VolumeDriver.Create', '{"Name": "a"', 400, 'not JSON');
    await fails(socket, '/VolumeDriver.Create', '[1]', 400, 'not a JSON object');
    await ok(socket, '/VolumeDriver.Create', { Name: 'a' });
    await fails(socket, '/VolumeDriver.Create', { Name: 'a' }, 409, 'already exists');
    await fails(socket, '/VolumeDriver.Mount', { Name: 'a' }, 400, 'no mount ID');
    await fails(socket, '/VolumeDriver.Mount', { Name: 'a', ID: 'x#2' }, 400, 'invalid mount ID');
    await fails(socket, '/VolumeDriver.Nope', {}, 404, 'unknown endpoint');
    const get = await call(socket, '/VolumeDriver.Get', { Name: 'a' }, 'GET');
    assert.deepEqual([get.status, get.json.Err], [405, '/VolumeDriver.Get takes POST, not GET']);
    const big = await call(socket, '/VolumeDriver.Create', { Name: 'b', Opts: { o: 'x'.repeat(100_000) } });
    assert.equal(big.status, 413, big.body);
    assert.deepEqual(vol(root, ['ls', '-q']).stdout, 'a\n');
    assert.deepEqual(volumeDirEntries(root), ['a']);
  });

  test('40 concurrent Mounts and Unmounts of 4 volumes keep every holder and count exact', async () => {
    await serve();
    const names = ['c0', 'c1', 'c2', 'c3'];
    for (const n of names) assert.equal(vol(root, ['create', '-o', 'type=tmpfs', '-o', 'o=size=1m', n]).code, 0);
    const calls = Array.from({ length: 40 }, (_, i) => ({ Name: names[i % 4]!, ID: i % 2 === 0 ? PSEUDO_ID : `ctr${i}` }));
    try {
      await pool(calls, 40, (b) => ok(socket, '/VolumeDriver.Mount', b));
      for (const n of names) {
        const info = inspect(n) as { MountCount: number; Holders: { ID: string }[] };
        assert.deepEqual([info.MountCount, info.Holders.length], [10, 10], n);
      }
      await pool(calls, 40, (b) => ok(socket, '/VolumeDriver.Unmount', b));
      for (const n of names) assert.deepEqual([inspect(n).MountCount, inspect(n).Holders], [0, undefined], n);
    } finally {
      for (const n of names) vol(root, ['rm', '-f', n]);
    }
  });
});

describe('vol plugin serve: serving', () => {
  test('the socket is 0660; a second server on it refuses to start; a stale socket is replaced; a file is left alone', async () => {
    const first = await serve();
    assert.equal(statSync(socket).mode & 0o777, 0o660);
    const second = vol(root, ['plugin', 'serve', '--socket', socket]);
    assert.equal(second.code, 125);
    assert.match(second.stderr, /^Error: another server is already listening on .*vol\.sock/m);
    await ok(socket, '/Plugin.Activate');
    // A server killed outright leaves its socket behind: the next one replaces it.
    first.child.kill('SIGKILL');
    await first.done;
    assert.ok(existsSync(socket));
    await serve();
    await ok(socket, '/Plugin.Activate');
    const file = join(dir, 'file');
    writeFileSync(file, 'keep');
    const r = vol(root, ['plugin', 'serve', '--socket', file]);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^Error: .*file exists and is not a socket/m);
    assert.equal(readFileSync(file, 'utf8'), 'keep');
  });

  test('SIGTERM finishes the request in flight, removes the socket and exits 0', async () => {
    const s = await serve([], { VOL_TEST_DELAY_MS: '1500' });
    const pending = call(socket, '/VolumeDriver.Create', { Name: 'slow' });
    await sleep(400);
    s.child.kill('SIGTERM');
    const answer = await pending;
    assert.equal(answer.status, 200, answer.body);
    const run = await s.done;
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /info plugin vol stopping: finishing 1 request\(s\) in flight/);
    assert.equal(existsSync(socket), false);
    assert.equal(vol(root, ['ls', '-q']).stdout, 'slow\n');
  });

  test('a request that takes too long is answered with an error, and what it did is taken back', async () => {
    const s = await serve(['--timeout', '0.3'], { VOL_TEST_DELAY_MS: '1200' });
    const started = Date.now();
    await fails(socket, '/VolumeDriver.Create', { Name: 'late' }, 503, 'timed out after 0.3s');
    assert.ok(Date.now() - started < 1100, `answered after ${Date.now() - started} ms`);
    const deadline = Date.now() + 10_000;
    while (!s.stderr().includes('finished after its timeout and was undone') && Date.now() < deadline) await sleep(50);
    assert.match(s.stderr(), /warn \/VolumeDriver.Create finished after its timeout and was undone/);
    assert.equal(vol(root, ['ls', '-q']).stdout, '');
    assert.deepEqual(volumeDirEntries(root), []);
  });

  test('logs: human lines by default, JSON with --log-format json or VOL_LOG_FORMAT=json', async () => {
    const human = await serve();
    const deadline = Date.now() + 5000;
    while (!human.stderr().includes('listening') && Date.now() < deadline) await sleep(20);
    assert.match(human.stderr(), /^\d{4}-\d\d-\d\dT[\d:.]+Z info plugin vol listening on .*vol\.sock$/m);
    await human.stop();
    for (const [args, env] of [[['--log-format', 'json'], {}], [[], { VOL_LOG_FORMAT: 'json' }]] as const) {
      const s = await serve([...args], { ...env }, ['--log-level', 'debug']);
      await fails(socket, '/VolumeDriver.Get', { Name: 'nope' }, 404, 'no such volume');
      const run = await s.stop();
      const entries = run.stderr.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.ok(entries.some((e) => e.msg === '/VolumeDriver.Get failed' && e.status === 404 && e.level === 'info'), run.stderr);
      assert.ok(entries.some((e) => e.msg === 'plugin vol stopped'), run.stderr);
    }
    const bad = vol(root, ['plugin', 'serve', '--socket', socket, '--log-format', 'xml']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: invalid log format "xml"/m);
  });

  test('socket activation: a listening socket passed as descriptor 3 with LISTEN_FDS=1 is served and left in place', async () => {
    const bound = join(dir, 'bind.sock');
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(bound, resolve));
    const fd = (listener as unknown as { _handle: { fd: number } })._handle.fd;
    const child = spawn(VOL_BIN, ['--root', root, 'plugin', 'serve'], { stdio: ['ignore', 'ignore', 'pipe', fd], env: childEnv({ LISTEN_FDS: '1' }) });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Node unlinks a socket path when its server closes: the child's socket is moved out of the way first.
    renameSync(bound, socket);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const deadline = Date.now() + 10_000;
      while (!stderr.includes('listening on descriptor 3') && Date.now() < deadline) await sleep(20);
      await ok(socket, '/Plugin.Activate');
      await ok(socket, '/VolumeDriver.Create', { Name: 'act' });
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, stderr);
    assert.equal(existsSync(socket), true, 'the service manager owns the socket file');
    assert.equal(vol(root, ['ls', '-q']).stdout, 'act\n');
  });
});
