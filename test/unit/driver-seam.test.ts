// The engine's verbs reach a volume only through its driver: a fake driver handed in through
// the Runtime sees every step, and the verbs keep the rows, counts and events themselves.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import type { VolumeEvent } from '../../src/core/model.ts';
import { volumeDrivers } from '../../src/core/runtime-parts.ts';
import { FakeDriver, FakePlugin, fakeDrivers, fakePlugins } from '../helpers/fakes.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
let driver: FakeDriver;
let plugin: FakePlugin;

beforeEach(async () => {
  driver = new FakeDriver();
  plugin = new FakePlugin('plug');
  t = await openTestRuntime({ drivers: fakeDrivers('fake', driver, volumeDrivers()), plugins: fakePlugins(plugin) }, { plug: '/nonexistent/plug.sock' });
});
afterEach(() => t.dispose());

async function events(): Promise<VolumeEvent[]> {
  const out: VolumeEvent[] = [];
  for await (const e of t.engine.events({ filters: [] })) out.push(e);
  return out;
}

describe('verbs over a fake driver', () => {
  it('create prepares, reserves the row, makes the volume and marks it ready', async () => {
    const report = await t.engine.create({ name: 'v', driver: 'fake', labels: { a: 'b' } });
    assert.equal(report.existed, false);
    assert.deepEqual(driver.calls, ['prepare v', 'make v']);
    assert.equal(t.rt.store.get('v')?.status, 'ready');
    assert.deepEqual((await events()).map((e) => `${e.type} ${e.volume} ${e.driver}`), ['create v fake']);
  });

  it('a failed make leaves no row and no event', async () => {
    driver.failMake = true;
    await assert.rejects(t.engine.create({ name: 'v', driver: 'fake' }), (err) => isVolError(err, 'IO_FAILED'));
    assert.equal(t.rt.store.get('v'), undefined);
    assert.deepEqual(await events(), []);
  });

  it('a name taken is refused before the driver makes anything', async () => {
    await t.engine.create({ name: 'v', driver: 'fake' });
    await assert.rejects(t.engine.create({ name: 'v', driver: 'fake' }), (err) => isVolError(err, 'VOLUME_EXISTS'));
    assert.deepEqual(driver.calls, ['prepare v', 'make v', 'prepare v']);
  });

  it('mount asks the driver each time and counts; the last unmount releases', async () => {
    await t.engine.create({ name: 'v', driver: 'fake' });
    assert.equal(await t.engine.mount('v'), '/fake-driver/v');
    await t.engine.mount('v');
    await t.engine.unmount('v');
    assert.equal(driver.calls.includes('release v'), false);
    await t.engine.unmount('v');
    assert.deepEqual(driver.calls.filter((c) => /^(verify|mount|release)/.test(c)), ['verify v', 'mount v 0', 'verify v', 'mount v 1', 'verify v', 'verify v', 'release v']);
    assert.equal(t.rt.store.get('v')?.mountCount, 0);
    const mounts = (await events()).filter((e) => e.type === 'mount');
    assert.deepEqual(mounts.map((e) => e.attributes), [{ plugin: 'fake', mountCount: 1, fake: true }, { plugin: 'fake', mountCount: 2, fake: true }]);
  });

  it('export and import go to the driver and are recorded', async () => {
    await t.engine.create({ name: 'v', driver: 'fake' });
    await t.engine.export('v', () => new Writable({ write: (_c, _e, cb) => cb() }));
    await t.engine.import('v', () => process.stdin);
    assert.deepEqual(driver.calls.slice(-2), ['export v', 'import v']);
    const [exp, imp] = (await events()).filter((e) => e.type === 'export' || e.type === 'import');
    assert.deepEqual([exp?.attributes, imp?.attributes], [{ plugin: 'fake' }, { plugin: 'fake', skipped: 1 }]);
  });

  it('rm and prune hand the volume to the driver with its live holders and their event', async () => {
    await t.engine.create({ name: 'v', driver: 'fake' });
    await t.engine.create({ name: 'w', driver: 'fake' });
    await t.engine.mount('w', { id: 'c1' });
    const [held] = await t.engine.rm({ names: ['w'], all: false, force: false });
    assert.ok(held?.error && isVolError(held.error, 'VOLUME_IN_USE'));
    assert.deepEqual(await t.engine.rm({ names: ['w'], all: false, force: true }), [{ name: 'w' }]);
    assert.deepEqual(await t.engine.prune(t.engine.pruneCandidates()), [{ name: 'v' }]);
    assert.deepEqual(driver.calls.filter((c) => c.startsWith('remove')), ['remove w 1 remove', 'remove v 0 prune']);
    assert.deepEqual(t.rt.store.listNames(), []);
  });

  it('a create a killed process left is settled by the driver before the name is taken again', async () => {
    await t.engine.create({ name: 'v', driver: 'fake' });
    assert.ok(t.rt.store.transition('v', 'ready', 'removing'));
    await t.engine.create({ name: 'v', driver: 'fake' });
    assert.ok(driver.calls.includes('settle v'), driver.calls.join('; '));
    assert.equal(t.rt.store.get('v')?.status, 'ready');
  });

  it('ls shows the Status the driver gives', async () => {
    await t.engine.create({ name: 'v', driver: 'fake' });
    const { volumes } = await t.engine.ls();
    assert.deepEqual(volumes[0]?.Status, { driver: 'fake' });
  });
});

describe('the plugin driver', () => {
  it('refuses export and import of a plugin volume', async () => {
    await t.engine.create({ name: 'p', driver: 'plug' });
    await assert.rejects(t.engine.export('p', () => new Writable()), (err) => isVolError(err, 'INVALID_ARG') && /driver plug/.test((err as Error).message));
    await assert.rejects(t.engine.import('p', () => process.stdin), (err) => isVolError(err, 'INVALID_ARG'));
  });

  it('keeps o=timeout=N for vol and sends the rest of the options to the plugin', async () => {
    await t.engine.create({ name: 'p', driver: 'plug', options: { o: 'timeout=7,ro', x: '1' } });
    const rec = t.rt.store.get('p');
    assert.equal(rec?.pluginTimeout, 7);
    assert.deepEqual(rec?.options, { o: 'ro', x: '1' });
  });
});
