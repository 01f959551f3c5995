// The engine's mount, holder, prune, reload and event logic over a fake plugin and a fake quota
// backend handed in through the Runtime: no process is spawned and nothing is mounted.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { isVolError } from '../../src/core/errors.ts';
import type { VolumeEvent } from '../../src/core/model.ts';
import { FakePlugin, FakeQuota, fakePlugins, fakeQuotas } from '../helpers/fakes.ts';
import { openTestRuntime, type TestRuntime } from '../helpers/runtime.ts';

let t: TestRuntime;
let plugin: FakePlugin;
let tmpfs: FakeQuota;

beforeEach(async () => {
  plugin = new FakePlugin('fake');
  tmpfs = new FakeQuota('tmpfs');
  t = await openTestRuntime({ plugins: fakePlugins(plugin), quota: fakeQuotas(tmpfs), now: () => 1_700_000_000_000 }, { fake: '/nonexistent/fake.sock' });
});
afterEach(() => t.dispose());

async function events(filters: string[] = []): Promise<VolumeEvent[]> {
  const out: VolumeEvent[] = [];
  for await (const e of t.engine.events({ filters })) out.push(e);
  return out;
}

const kinds = (evs: VolumeEvent[]) => evs.map((e) => `${e.type} ${e.volume}`);

describe('plugin volumes through a fake plugin', () => {
  it('create asks the plugin once and records the volume', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    assert.ok(plugin.calls.includes('create p1'), plugin.calls.join('; '));
    assert.equal(t.rt.store.get('p1')?.driver, 'fake');
    assert.ok(plugin.volumes.has('p1'));
  });

  it('an unknown plugin is NO_SUCH_PLUGIN and leaves no row', async () => {
    await assert.rejects(t.engine.create({ name: 'x', driver: 'other' }), (err) => isVolError(err, 'NO_SUCH_PLUGIN'));
    assert.equal(t.rt.store.get('x'), undefined);
  });

  it('only the first mount and the last unmount reach the plugin', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    assert.equal(await t.engine.mount('p1'), '/fake-plugin/p1');
    await t.engine.mount('p1');
    assert.equal(t.rt.store.get('p1')?.mountCount, 2);
    await t.engine.unmount('p1');
    assert.deepEqual(plugin.calls.filter((c) => c.startsWith('mount') || c.startsWith('unmount')), ['mount p1']);
    await t.engine.unmount('p1');
    assert.deepEqual(plugin.calls.filter((c) => c.startsWith('mount') || c.startsWith('unmount')), ['mount p1', 'unmount p1']);
    assert.equal(t.rt.store.get('p1')?.mountCount, 0);
  });

  it('a failing plugin mount leaves the count as it was', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    plugin.down = true;
    await assert.rejects(t.engine.mount('p1'), (err) => isVolError(err, 'PLUGIN_UNREACHABLE'));
    assert.equal(t.rt.store.get('p1')?.mountCount, 0);
  });

  it('remove asks the plugin and forgets the volume', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    assert.deepEqual(await t.engine.rm({ names: ['p1'], all: false, force: false }), [{ name: 'p1' }]);
    assert.ok(plugin.calls.includes('remove p1'));
    assert.equal(t.rt.store.get('p1'), undefined);
  });
});

describe('holders', () => {
  it('two holders hold one plugin mount; rm refuses while one is left', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    await t.engine.mount('p1', { id: 'c1' });
    await t.engine.mount('p1', { id: 'c2' });
    await t.engine.mount('p1', { id: 'c1' });
    assert.deepEqual(t.rt.store.holdersOf('p1').map((h) => h.id).sort(), ['c1', 'c2']);
    assert.equal(t.rt.store.holdersOf('p1')[0]?.createdAt, 1_700_000_000_000, 'the runtime clock stamps holders');
    await t.engine.unmount('p1', 'c1');
    const [report] = await t.engine.rm({ names: ['p1'], all: false, force: false });
    assert.ok(report?.error && isVolError(report.error, 'VOLUME_IN_USE'), `rm of a held volume: ${String(report?.error)}`);
    await t.engine.unmount('p1', 'c2');
    assert.equal(plugin.calls.filter((c) => c === 'unmount p1').length, 1);
    assert.equal(t.rt.store.get('p1')?.mountCount, 0);
  });

  it('unmounting a holder the volume does not have is INVALID_ARG', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    await assert.rejects(t.engine.unmount('p1', 'nobody'), (err) => isVolError(err, 'INVALID_ARG'));
  });

  it('a holder whose process is gone is dropped, and with it the mount it counted', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    await t.engine.mount('p1', { id: 'gone', pid: process.pid });
    // The row now names a process that started at another time: the pid was reused, the holder is gone.
    const [h] = t.rt.store.holdersOf('p1');
    t.rt.store.removeHolders('p1', ['gone'], 1);
    t.rt.store.addHolder('p1', { ...h!, pidStart: 'another start' }, 1);
    await t.engine.mount('p1', { id: 'live' });
    assert.deepEqual(t.rt.store.holdersOf('p1').map((h) => h.id), ['live']);
    assert.deepEqual(plugin.calls.filter((c) => /^(un)?mount/.test(c)), ['mount p1', 'unmount p1', 'mount p1']);
  });

  it('counted mounts by one caller need as many unmounts', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake' });
    await t.engine.mountCounted('p1', 'podman');
    await t.engine.mountCounted('p1', 'podman');
    assert.equal(await t.engine.unmountCounted('p1', 'podman'), true);
    assert.equal(plugin.calls.includes('unmount p1'), false);
    assert.equal(await t.engine.unmountCounted('p1', 'podman'), true);
    assert.equal(plugin.calls.includes('unmount p1'), true);
  });
});

describe('prune', () => {
  it('prunes unheld volumes of every driver and keeps the held ones', async () => {
    await t.engine.create({ name: 'l1' });
    await t.engine.create({ name: 'p1', driver: 'fake' });
    await t.engine.create({ name: 'held', driver: 'fake' });
    await t.engine.mount('held', { id: 'c1' });
    const candidates = t.engine.pruneCandidates();
    assert.deepEqual([...candidates].sort(), ['l1', 'p1']);
    const reports = await t.engine.prune(candidates);
    assert.deepEqual(reports.map((r) => r.name).sort(), ['l1', 'p1']);
    assert.deepEqual(t.rt.store.listNames().sort(), ['held']);
    assert.ok(plugin.calls.includes('remove p1'));
  });

  it('a label filter narrows the candidates', async () => {
    await t.engine.create({ name: 'a', labels: { keep: 'no' } });
    await t.engine.create({ name: 'b', labels: { keep: 'yes' } });
    assert.deepEqual(t.engine.pruneCandidates(['label=keep=no']), ['a']);
  });
});

describe('reload', () => {
  it('adds what the plugin lists and forgets what it no longer lists', async () => {
    await t.engine.create({ name: 'old', driver: 'fake' });
    plugin.volumes.delete('old');
    plugin.volumes.set('new', { Name: 'new' });
    const report = await t.engine.reload();
    assert.deepEqual(report, { added: ['new'], removed: ['old'], errors: [] });
    assert.deepEqual(t.rt.store.listNames(), ['new']);
  });

  it('a plugin that cannot be listed has nothing forgotten', async () => {
    await t.engine.create({ name: 'kept', driver: 'fake' });
    plugin.down = true;
    const report = await t.engine.reload();
    assert.deepEqual([report.added, report.removed], [[], []]);
    assert.equal(report.errors.length, 1);
    assert.ok(isVolError(report.errors[0], 'PLUGIN_UNREACHABLE'));
    assert.deepEqual(t.rt.store.listNames(), ['kept']);
  });
});

describe('events', () => {
  it('create, mount, unmount and remove are recorded in order with their driver', async () => {
    await t.engine.create({ name: 'p1', driver: 'fake', labels: { team: 'a' } });
    await t.engine.mount('p1');
    await t.engine.unmount('p1');
    await t.engine.rm({ names: ['p1'], all: false, force: false });
    const evs = await events();
    assert.deepEqual(kinds(evs), ['create p1', 'mount p1', 'unmount p1', 'remove p1']);
    assert.ok(evs.every((e) => e.driver === 'fake'));
    assert.deepEqual(evs[0]?.attributes.labels, { team: 'a' });
  });

  it('filters select by event type and volume', async () => {
    await t.engine.create({ name: 'a' });
    await t.engine.create({ name: 'b' });
    await t.engine.rm({ names: ['a'], all: false, force: false });
    assert.deepEqual(kinds(await events(['event=remove'])), ['remove a']);
    assert.deepEqual(kinds(await events(['volume=b'])), ['create b']);
  });

  it('reload records what it added and forgot', async () => {
    plugin.volumes.set('seen', { Name: 'seen' });
    await t.engine.reload();
    assert.deepEqual(kinds(await events(['event=reload'])), ['reload seen']);
  });
});

describe('quota through a fake backend', () => {
  it('a size limit on a tmpfs volume is checked by the tmpfs backend the runtime holds', async () => {
    await t.engine.create({ name: 'q', options: { type: 'tmpfs', device: 'tmpfs', size: '5M' } });
    assert.ok(tmpfs.calls.some((c) => c.startsWith('check q')), tmpfs.calls.join('; '));
    assert.equal(t.rt.store.get('q')?.size, 5 << 20);
  });
});
