import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';
import { makeTemp, removeTemp } from '../helpers/vol.ts';

let t: TestRuntime;
beforeEach(async () => {
  t = await openTestRuntime();
});
afterEach(() => t.dispose());

const volDir = (name: string) => join(t.root, 'volumes', name);

test('create makes the row and directories with the contract modes', async () => {
  const { volume, existed } = await t.engine.create({ name: 'v1', labels: { a: '1' } });
  assert.equal(existed, false);
  assert.equal(volume.status, 'ready');
  assert.equal(statSync(volDir('v1')).mode & 0o777, 0o700);
  assert.equal(statSync(join(volDir('v1'), '_data')).mode & 0o777, 0o755);
  assert.deepEqual(readdirSync(join(volDir('v1'), '_data')), []);
  assert.equal(t.rt.store.get('v1')?.status, 'ready');
  assert.deepEqual((await t.engine.ls(['label=a=1'])).volumes.map((v) => v.Name), ['v1']);
});

test('a duplicate name fails and --ignore returns the existing volume unchanged', async () => {
  await t.engine.create({ name: 'v1', labels: { a: '1' } });
  await assert.rejects(t.engine.create({ name: 'v1' }), (err) => isVolError(err, 'VOLUME_EXISTS'));
  const again = await t.engine.create({ name: 'v1', labels: { b: '2' }, ignoreIfExists: true });
  assert.equal(again.existed, true);
  assert.deepEqual(t.rt.store.get('v1')?.labels, { a: '1' });
});

test('a failed create leaves no row and no directory, and the name stays usable', async () => {
  const failing = { ...t.rt, afterDiskWork: async () => Promise.reject(new Error('disk full')) };
  const { Engine } = await import('../../src/core/engine.ts');
  await assert.rejects(new Engine(failing).create({ name: 'v1' }), /disk full/);
  assert.equal(t.rt.store.get('v1'), undefined);
  assert.equal(existsSync(volDir('v1')), false);
  await t.engine.create({ name: 'v1' });
  assert.equal(t.rt.store.get('v1')?.status, 'ready');
});

test('a directory no row records is never adopted or deleted', async () => {
  mkdirSync(join(volDir('orphan'), '_data'), { recursive: true });
  writeFileSync(join(volDir('orphan'), '_data', 'keep'), 'x');
  await assert.rejects(t.engine.create({ name: 'orphan' }), (err) => isVolError(err, 'STATE_CONFLICT'));
  assert.equal(existsSync(join(volDir('orphan'), '_data', 'keep')), true);
  assert.equal(t.rt.store.get('orphan'), undefined);
});

test('a row left in creating is undone by the next create of that name', async () => {
  await t.engine.create({ name: 'v1' });
  // Simulate a creator killed after making its directories: back to `creating`.
  assert.equal(t.rt.store.transition('v1', 'ready', 'creating'), true);
  assert.deepEqual((await t.engine.ls()).volumes.map((v) => v.Name), []);
  assert.equal(t.engine.exists('v1'), false);
  const { existed } = await t.engine.create({ name: 'v1', labels: { fresh: '1' } });
  assert.equal(existed, false);
  assert.deepEqual(t.rt.store.get('v1')?.labels, { fresh: '1' });
});

test('a row left in removing is finished by rm and by rm --all', async () => {
  await t.engine.create({ name: 'v1' });
  await t.engine.create({ name: 'v2' });
  t.rt.store.transition('v1', 'ready', 'removing');
  t.rt.store.transition('v2', 'ready', 'creating');
  assert.deepEqual(await t.engine.rm({ names: ['v1'], all: false, force: false }), [{ name: 'v1' }]);
  assert.deepEqual(await t.engine.rm({ names: [], all: true, force: false }), []);
  assert.deepEqual(readdirSync(join(t.root, 'volumes')), []);
  assert.deepEqual(t.rt.store.listNames(), []);
});

test('rm resolves unique prefixes, refuses ambiguous ones, reports missing ones', async () => {
  for (const name of ['alpha', 'alps', 'beta']) await t.engine.create({ name });
  const reports = await t.engine.rm({ names: ['b', 'al', 'nope'], all: false, force: false });
  assert.deepEqual(reports.map((r) => [r.name, r.error && (r.error as { code?: string }).code]), [
    ['beta', undefined],
    ['al', 'AMBIGUOUS_NAME'],
    ['nope', 'NO_SUCH_VOLUME'],
  ]);
  assert.deepEqual(await t.engine.rm({ names: ['nope'], all: false, force: true }), []);
});

test('rm never follows a symlink out of the volume', async () => {
  const outside = makeTemp('vol-outside-');
  try {
    writeFileSync(join(outside, 'precious'), 'keep me');
    await t.engine.create({ name: 'v1' });
    await t.engine.create({ name: 'v2' });
    symlinkSync(outside, join(volDir('v1'), '_data', 'link'));
    const data2 = join(volDir('v2'), '_data');
    removeTemp(data2);
    symlinkSync(outside, data2);
    await t.engine.rm({ names: [], all: true, force: false });
    assert.deepEqual(readdirSync(join(t.root, 'volumes')), []);
    assert.deepEqual(readdirSync(outside), ['precious']);
  } finally {
    removeTemp(outside);
  }
});

test('inspect reports each argument in order, missing ones as errors', async () => {
  await t.engine.create({ name: 'v1', options: { o: 'uid=7' } });
  const { reports } = await t.engine.inspect(['v1', 'zz'], false);
  assert.equal(reports[0]?.volume?.UID, 7);
  assert.deepEqual(Object.keys(reports[0]!.volume!), ['Name', 'Driver', 'Mountpoint', 'CreatedAt', 'Labels', 'Scope', 'Options', 'UID', 'MountCount']);
  assert.match(reports[1]!.error!.message, /^no such volume zz$/);
});
