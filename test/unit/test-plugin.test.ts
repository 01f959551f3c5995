// Tests of test infrastructure: the in-memory volume plugin that vol's plugin tests talk to.
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, beforeEach, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestPlugin, type TestPlugin } from '../helpers/test-plugin.ts';

const CONTENT_TYPE = 'application/vnd.docker.plugins.v1.1+json';
const ID = '2f73349cfc4630255319c6c8dfc1b46a8996ace9d14d8e07563b165915918ec2';

interface Reply {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

let p: TestPlugin;
beforeEach(async () => {
  p = await startTestPlugin();
});
afterEach(() => p.close());

/** POSTs `body` (sent as is; '' means an empty body) the way podman does. */
function post(socketPath: string, endpoint: string, body: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { 'Content-Type': CONTENT_TYPE, 'Content-Length': Buffer.byteLength(body) };
    const req = request({ socketPath, method: 'POST', path: `/${endpoint}`, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const call = (endpoint: string, body?: object): Promise<Reply> =>
  post(p.socket, endpoint, body === undefined ? '' : JSON.stringify(body));
const json = (r: Reply): unknown => JSON.parse(r.text);
const settled = (pr: Promise<unknown>): Promise<string> => pr.then(() => 'answered', () => 'failed');

test('Activate with an empty body answers VolumeDriver, with Content-Length', async () => {
  const r = await call('Plugin.Activate');
  assert.equal(r.status, 200);
  assert.deepEqual(json(r), { Implements: ['VolumeDriver'] });
  assert.equal(r.headers['content-length'], String(Buffer.byteLength(r.text)));
  assert.deepEqual(p.calls, [{ endpoint: 'Plugin.Activate', body: '' }]);
});

test('Capabilities answers local scope', async () => {
  assert.deepEqual(json(await call('VolumeDriver.Capabilities')), { Capabilities: { Scope: 'local' } });
});

test('a volume goes through Create, Get, List, Mount, Path, Unmount and Remove', async () => {
  assert.deepEqual(json(await call('VolumeDriver.Create', { Name: 'v1', Opts: { size: '1G' } })), { Err: '' });
  const got = json(await call('VolumeDriver.Get', { Name: 'v1' })) as { Volume: Record<string, unknown>; Err: string };
  assert.equal(got.Err, '');
  assert.equal(got.Volume.Name, 'v1');
  assert.equal(got.Volume.Mountpoint, undefined);
  assert.deepEqual(got.Volume.Status, { opts: { size: '1G' }, mounts: 0 });
  assert.deepEqual(json(await call('VolumeDriver.List')), { Volumes: [{ Name: 'v1' }], Err: '' });

  const mounted = json(await call('VolumeDriver.Mount', { Name: 'v1', ID })) as { Mountpoint: string; Err: string };
  assert.equal(mounted.Err, '');
  assert.ok(mounted.Mountpoint.startsWith(p.dir) && statSync(mounted.Mountpoint).isDirectory());
  assert.deepEqual(p.volumes.get('v1')?.mounts, new Set([ID]));
  assert.deepEqual(json(await call('VolumeDriver.List')), { Volumes: [{ Name: 'v1', Mountpoint: mounted.Mountpoint }], Err: '' });
  assert.deepEqual(json(await call('VolumeDriver.Path', { Name: 'v1' })), { Mountpoint: mounted.Mountpoint, Err: '' });
  const busy = await call('VolumeDriver.Remove', { Name: 'v1' });
  assert.deepEqual([busy.status, json(busy)], [500, { Err: 'volume is being used: v1' }]);

  assert.deepEqual(json(await call('VolumeDriver.Unmount', { Name: 'v1', ID })), { Err: '' });
  assert.deepEqual(json(await call('VolumeDriver.Path', { Name: 'v1' })), { Mountpoint: '', Err: '' });
  assert.deepEqual(json(await call('VolumeDriver.Remove', { Name: 'v1' })), { Err: '' });
  assert.equal(p.volumes.size, 0);
  assert.equal(existsSync(mounted.Mountpoint), false);
  assert.deepEqual(p.calls.map((c) => c.endpoint), [
    'VolumeDriver.Create', 'VolumeDriver.Get', 'VolumeDriver.List', 'VolumeDriver.Mount', 'VolumeDriver.List',
    'VolumeDriver.Path', 'VolumeDriver.Remove', 'VolumeDriver.Unmount', 'VolumeDriver.Path', 'VolumeDriver.Remove',
  ]);
  assert.deepEqual(p.calls[0]?.body, { Name: 'v1', Opts: { size: '1G' } });
});

test('an absent volume is a 500 "no such volume"; a second Create is refused', async () => {
  for (const endpoint of ['Get', 'Remove', 'Path', 'Mount', 'Unmount']) {
    const r = await call(`VolumeDriver.${endpoint}`, { Name: 'nope', ID });
    assert.deepEqual([r.status, json(r)], [500, { Err: 'no such volume: nope' }], endpoint);
  }
  await call('VolumeDriver.Create', { Name: 'v1' });
  const again = await call('VolumeDriver.Create', { Name: 'v1' });
  assert.deepEqual([again.status, json(again)], [500, { Err: 'volume already exists: v1' }]);
});

test('addVolume and forget change what the plugin holds behind the client', async () => {
  p.addVolume('a', { k: 'v' });
  p.addVolume('b');
  assert.deepEqual(json(await call('VolumeDriver.List')), { Volumes: [{ Name: 'a' }, { Name: 'b' }], Err: '' });
  p.forget('a');
  assert.equal((await call('VolumeDriver.Get', { Name: 'a' })).status, 500);
  assert.deepEqual([...p.volumes.keys()], ['b']);
});

test('hang: no answer within 300 ms, and close() ends the request and resolves promptly', async () => {
  p.fault('VolumeDriver.Get', { kind: 'hang' });
  const outcome = settled(call('VolumeDriver.Get', { Name: 'v1' }));
  assert.equal(await Promise.race([outcome, delay(300, 'pending')]), 'pending');
  const started = Date.now();
  await p.close();
  assert.ok(Date.now() - started < 1000, 'close() took too long');
  assert.equal(await outcome, 'failed');
  assert.equal(existsSync(p.dir), false);
});

test('drop: the client sees a socket error', async () => {
  p.fault('VolumeDriver.List', { kind: 'drop' });
  await assert.rejects(call('VolumeDriver.List'), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
});

test('garbage: a 200 whose body is not JSON', async () => {
  p.fault('VolumeDriver.Get', { kind: 'garbage' });
  const r = await call('VolumeDriver.Get', { Name: 'v1' });
  assert.equal(r.status, 200);
  assert.throws(() => JSON.parse(r.text), SyntaxError);
});

test('error500, error200 and status answer exactly as asked', async () => {
  p.fault('VolumeDriver.Create', { kind: 'error500', err: 'boom' });
  p.fault('VolumeDriver.Remove', { kind: 'error200', err: 'bang' });
  p.fault('VolumeDriver.Mount', { kind: 'status', code: 503, body: '{}' });
  p.fault('VolumeDriver.Unmount', { kind: 'status', code: 418 });
  const r1 = await call('VolumeDriver.Create', { Name: 'v1' });
  assert.deepEqual([r1.status, json(r1)], [500, { Err: 'boom' }]);
  const r2 = await call('VolumeDriver.Remove', { Name: 'v1' });
  assert.deepEqual([r2.status, json(r2)], [200, { Err: 'bang' }]);
  const r3 = await call('VolumeDriver.Mount', { Name: 'v1', ID });
  assert.deepEqual([r3.status, r3.text], [503, '{}']);
  const r4 = await call('VolumeDriver.Unmount', { Name: 'v1', ID });
  assert.deepEqual([r4.status, r4.text], [418, '']);
  assert.equal(p.volumes.size, 0, 'a faulted Create creates nothing');
});

test('slow: the normal answer arrives after at least ms, and its effect with it', async () => {
  p.fault('VolumeDriver.Create', { kind: 'slow', ms: 200 });
  const started = performance.now();
  const pending = call('VolumeDriver.Create', { Name: 'v1' });
  await delay(100);
  assert.equal(p.volumes.has('v1'), false);
  const r = await pending;
  assert.ok(performance.now() - started >= 199, 'answered too early');
  assert.deepEqual([r.status, json(r)], [200, { Err: '' }]);
  assert.equal(p.volumes.has('v1'), true);
});

test('notVolumeDriver: Activate answers authz only', async () => {
  p.fault('Plugin.Activate', { kind: 'notVolumeDriver' });
  assert.deepEqual(json(await call('Plugin.Activate')), { Implements: ['authz'] });
});

test('"*" faults every endpoint, a specific fault wins, and undefined clears', async () => {
  p.fault('*', { kind: 'error500', err: 'down' });
  p.fault('VolumeDriver.List', { kind: 'error500', err: 'list down' });
  assert.deepEqual(json(await call('Plugin.Activate')), { Err: 'down' });
  assert.deepEqual(json(await call('VolumeDriver.List')), { Err: 'list down' });
  p.fault('*', undefined);
  assert.equal((await call('Plugin.Activate')).status, 200);
  assert.equal((await call('VolumeDriver.List')).status, 500, 'faults stay until changed');
  p.fault('VolumeDriver.List', undefined);
  assert.equal((await call('VolumeDriver.List')).status, 200);
});

test('a client that hangs up right after the status line of a 200 Create does not crash the plugin', async () => {
  await new Promise<void>((resolve) => {
    const headers = { 'Content-Type': CONTENT_TYPE };
    const req = request({ socketPath: p.socket, method: 'POST', path: '/VolumeDriver.Create', headers, agent: false }, (res) => {
      assert.equal(res.statusCode, 200);
      req.destroy();
      resolve();
    });
    req.on('error', () => {});
    req.end(JSON.stringify({ Name: 'v1' }));
  });
  assert.equal((await call('Plugin.Activate')).status, 200);
  assert.equal(p.volumes.has('v1'), true);
});

test('a response is one write, and a pipelined answer to a gone client does not crash the plugin', async () => {
  p.fault('VolumeDriver.Create', { kind: 'slow', ms: 30 });
  const first = await new Promise<string>((resolve, reject) => {
    const sock = connect(p.socket);
    const create = (name: string): string => {
      const body = JSON.stringify({ Name: name });
      return `POST /VolumeDriver.Create HTTP/1.1\r\nHost: plugin\r\nContent-Type: ${CONTENT_TYPE}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    };
    sock.on('error', reject);
    sock.once('data', (chunk) => {
      sock.destroy();
      resolve(chunk.toString('utf8'));
    });
    sock.write(create('v2') + create('v3'));
  });
  assert.match(first, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n\{"Err":""\}$/);
  await delay(100); // the answer to v3 is written to the closed connection
  assert.equal((await call('Plugin.Activate')).status, 200);
  assert.equal(p.volumes.has('v2'), true);
});

test('close() is idempotent and removes the socket and temp dir', async () => {
  await call('VolumeDriver.Create', { Name: 'v1' });
  await call('VolumeDriver.Mount', { Name: 'v1', ID });
  await Promise.all([p.close(), p.close()]);
  assert.equal(existsSync(p.socket), false);
  assert.equal(existsSync(p.dir), false);
});
