// Unit tests of the plugin server's request decoding, its routes and the counted holders they use.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { decodeRequest } from '../../src/server/plugin/decode.ts';
import { activatedListener } from '../../src/server/plugin/socket.ts';
import { ROUTES } from '../../src/server/plugin/routes.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
beforeEach(async () => {
  t = await openTestRuntime();
});
afterEach(() => t.dispose());

const route = (path: string) => ROUTES[path]!;
const invalid = (err: unknown) => isVolError(err, 'INVALID_ARG');

test('decodeRequest matches member names case-insensitively (an exact match wins) and ignores unknown ones', () => {
  assert.deepEqual(decodeRequest(''), {});
  assert.deepEqual(decodeRequest('null'), {});
  assert.deepEqual(decodeRequest('{"name":"a","id":"x","opts":{"size":"1M"},"Other":1}'), { Name: 'a', ID: 'x', Opts: { size: '1M' } });
  assert.deepEqual(decodeRequest('{"name":"lower","Name":"exact"}'), { Name: 'exact' });
  assert.deepEqual(decodeRequest('{"Name":"a","Opts":null}'), { Name: 'a' });
});

test('decodeRequest refuses what is not the protocol: no JSON, no object, wrong member types', () => {
  for (const body of ['{', '[]', '"x"', '{"Name":1}', '{"ID":[]}', '{"Opts":"o=x"}', '{"Opts":{"size":20}}', '{"Opts":[]}']) {
    assert.throws(() => decodeRequest(body), invalid, body);
  }
});

test('Mount with one ID twice needs two Unmounts; the holders show as ID and ID#2', async () => {
  await route('/VolumeDriver.Create')(t.engine, { Name: 'v' });
  const id = 'c'.repeat(64);
  for (let i = 0; i < 2; i++) await route('/VolumeDriver.Mount')(t.engine, { Name: 'v', ID: id });
  assert.deepEqual(t.rt.store.holdersOf('v').map((h) => h.id), [id, `${id}#2`]);
  await assert.rejects(t.engine.rm({ names: ['v'], all: false, force: false }).then(([r]) => Promise.reject(r?.error)), (err) => isVolError(err, 'VOLUME_IN_USE'));
  assert.equal(await t.engine.unmountCounted('v', id), true);
  assert.deepEqual(t.rt.store.holdersOf('v').map((h) => h.id), [id]);
  assert.equal(await t.engine.unmountCounted('v', id), true);
  assert.equal(await t.engine.unmountCounted('v', id), false, 'nothing left to take back');
  assert.deepEqual(t.rt.store.holdersOf('v'), []);
});

test('concurrent Mounts of one ID each count: none is lost to a race on the free ordinal', async () => {
  await t.engine.create({ name: 'v' });
  await Promise.all(Array.from({ length: 12 }, () => t.engine.mountCounted('v', 'same')));
  assert.equal(t.rt.store.holdersOf('v').length, 12);
  await Promise.all(Array.from({ length: 12 }, () => t.engine.unmountCounted('v', 'same')));
  assert.deepEqual(t.rt.store.holdersOf('v'), []);
});

test('Mount IDs with the separator, control characters or too long are refused', async () => {
  await t.engine.create({ name: 'v' });
  for (const id of ['a#2', 'a\nb', 'x'.repeat(257), '']) await assert.rejects(t.engine.mountCounted('v', id), invalid, JSON.stringify(id));
  assert.deepEqual(t.rt.store.holdersOf('v'), []);
});

test('Get, Path and List answer in the protocol shape; names are exact', async () => {
  await route('/VolumeDriver.Create')(t.engine, { Name: 'data', Opts: { o: 'uid=1000', UID: '1000' } });
  const got = (await route('/VolumeDriver.Get')(t.engine, { Name: 'data' })).body as { Volume: Record<string, unknown> };
  assert.deepEqual(Object.keys(got.Volume), ['Name', 'CreatedAt', 'Status']);
  assert.deepEqual((await route('/VolumeDriver.Path')(t.engine, { Name: 'data' })).body, { Mountpoint: '', Err: '' });
  await assert.rejects(route('/VolumeDriver.Get')(t.engine, { Name: 'dat' }), (err) => isVolError(err, 'NO_SUCH_VOLUME'));
  await assert.rejects(route('/VolumeDriver.Get')(t.engine, {}), invalid);
  const list = (await route('/VolumeDriver.List')(t.engine, {})).body as { Volumes: { Name: string }[] };
  assert.deepEqual(list.Volumes.map((v) => v.Name), ['data']);
  assert.equal(t.rt.store.get('data')?.uid, 1000);
});

test('activatedListener takes LISTEN_FDS only for this process, and clears the variables', () => {
  assert.equal(activatedListener({}, 10), undefined);
  assert.equal(activatedListener({ LISTEN_FDS: '1', LISTEN_PID: '11' }, 10), undefined);
  const env: NodeJS.ProcessEnv = { LISTEN_FDS: '1', LISTEN_PID: '10', LISTEN_FDNAMES: 'vol' };
  assert.deepEqual(activatedListener(env, 10), { fd: 3 });
  assert.deepEqual(env, {});
});
