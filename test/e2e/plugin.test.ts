// End-to-end tests of plugin-backed volumes, happy paths: vol talks to an in-process test plugin.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startTestPlugin, type TestPlugin } from '../helpers/test-plugin.ts';
import { makeTemp, removeTemp, volAsync, type VolRun } from '../helpers/vol.ts';

const PSEUDO_ID = '2f73349cfc4630255319c6c8dfc1b46a8996ace9d14d8e07563b165915918ec2';
const INSPECT_KEYS = ['Name', 'Driver', 'Mountpoint', 'CreatedAt', 'Status', 'Labels', 'Scope', 'Options', 'MountCount'];

type Info = Record<string, unknown> & { Name: string; Driver: string; Mountpoint: string; MountCount: number; Status?: unknown };

let root = '';
let plugin: TestPlugin;
beforeEach(async () => {
  root = makeTemp('vol-plugin-e2e-');
  plugin = await startTestPlugin({ name: 'tp' });
});
afterEach(async () => {
  await plugin.close();
  removeTemp(root);
});

/** Runs vol with the test plugin declared as `tp`. */
const run = (...args: string[]): Promise<VolRun> => volAsync(root, ['--volume-plugin', `tp=${plugin.socket}`, ...args]);

/** Runs vol, asserts exit 0 and an empty stderr, returns stdout. */
async function ok(...args: string[]): Promise<string> {
  const r = await run(...args);
  assert.equal(r.stderr, '', `vol ${args.join(' ')}: unexpected stderr`);
  assert.equal(r.code, 0, `vol ${args.join(' ')}: exit code`);
  return r.stdout;
}

/** Runs vol, asserts `code` and that some `Error: ` line holds every phrase; returns the run. */
async function fails(code: number, phrases: string[], ...args: string[]): Promise<VolRun> {
  const r = await run(...args);
  assert.equal(r.code, code, `vol ${args.join(' ')}: exit code (stderr: ${r.stderr.trim()})`);
  const errLines = r.stderr.split('\n').filter((l) => l.startsWith('Error: '));
  for (const p of phrases) assert.ok(errLines.some((l) => l.includes(p)), `no Error line with ${JSON.stringify(p)} in ${JSON.stringify(r.stderr)}`);
  return r;
}

const names = async (): Promise<string[]> => (await ok('ls', '-q')).split('\n').filter((l) => l !== '').sort();
const inspectOne = async (name: string): Promise<Info> => (JSON.parse(await ok('inspect', name)) as Info[])[0]!;
const endpoints = (): string[] => plugin.calls.map((c) => c.endpoint);
const bodyOf = (endpoint: string): unknown => plugin.calls.find((c) => c.endpoint === endpoint)?.body;
const resetCalls = (): void => void plugin.calls.splice(0);
const createPlugin = async (name: string, ...flags: string[]): Promise<void> => assert.equal(await ok('create', '--driver', 'tp', ...flags, name), `${name}\n`);

describe('plugin volumes: create', () => {
  test('create sends Get, then Create with the options exactly as given, less o=timeout', async () => {
    assert.equal(await ok('create', '--driver', 'tp', '-o', 'size=1G', '-o', 'o=uid=5,timeout=3', '-o', 'Mode=a=b', '-l', 'k=v', 'v1'), 'v1\n');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.Get', 'VolumeDriver.Create']);
    assert.equal(bodyOf('Plugin.Activate'), '');
    assert.deepEqual(bodyOf('VolumeDriver.Get'), { Name: 'v1' });
    assert.deepEqual(bodyOf('VolumeDriver.Create'), { Name: 'v1', Opts: { size: '1G', o: 'uid=5', Mode: 'a=b' } });
    assert.deepEqual(plugin.volumes.get('v1')?.opts, { size: '1G', o: 'uid=5', Mode: 'a=b' });
    const info = await inspectOne('v1');
    assert.equal(info.Driver, 'tp');
    assert.deepEqual(info.Labels, { k: 'v' });
    assert.deepEqual(await names(), ['v1']);
  });

  test('an o= holding only timeout=N sends a Create without Opts', async () => {
    await createPlugin('v2', '-o', 'o=timeout=2');
    assert.deepEqual(bodyOf('VolumeDriver.Create'), { Name: 'v2' });
  });

  test('create adopts a volume the plugin already has: Get, no Create', async () => {
    plugin.addVolume('pre', { made: 'elsewhere' });
    await createPlugin('pre');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.Get']);
    assert.deepEqual(plugin.volumes.get('pre')?.opts, { made: 'elsewhere' });
    assert.deepEqual(await names(), ['pre']);
  });

  test('create --driver undeclared exits 125 and creates nothing', async () => {
    await fails(125, ['no volume plugin with name undeclared available'], 'create', '--driver', 'undeclared', 'x');
    assert.deepEqual(plugin.calls, []);
    assert.deepEqual(await names(), []);
  });
});

describe('plugin volumes: inspect and ls', () => {
  test('inspect shows the Status from Get, keys in order, Mountpoint "" until mounted', async () => {
    await createPlugin('v', '-o', 'color=red');
    resetCalls();
    const info = await inspectOne('v');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.Get']);
    assert.deepEqual(Object.keys(info), INSPECT_KEYS);
    assert.equal(info.Mountpoint, '');
    assert.equal(info.MountCount, 0);
    assert.deepEqual(info.Status, { opts: { color: 'red' }, mounts: 0 });
  });

  test('ls lists local and plugin volumes; ls --format json gives the same objects as inspect', async () => {
    assert.equal(await ok('create', 'loc'), 'loc\n');
    await createPlugin('pv', '-o', 'color=red');
    const table = (await ok('ls')).split('\n').filter((l) => l !== '');
    assert.match(table[0]!, /^DRIVER\s{2,}VOLUME NAME$/);
    assert.deepEqual(table.slice(1).map((l) => l.split(/\s{2,}/)).sort(), [['local', 'loc'], ['tp', 'pv']]);
    const listed = JSON.parse(await ok('ls', '--format', 'json')) as Info[];
    assert.deepEqual(listed.map((v) => v.Name).sort(), ['loc', 'pv']);
    assert.equal(listed.find((v) => v.Name === 'loc')!.Status, undefined);
    assert.deepEqual(listed.find((v) => v.Name === 'pv'), await inspectOne('pv'));
  });
});

describe('plugin volumes: mount, unmount, rm', () => {
  test('mount prints the plugin path, shown as Mountpoint while mounted; Unmount is sent at 1 -> 0', async () => {
    await createPlugin('v');
    resetCalls();
    const out = await ok('mount', 'v');
    const path = plugin.volumes.get('v')?.mountpoint;
    assert.ok(path && existsSync(path), 'the plugin made a mountpoint');
    assert.equal(out, `${path}\n`);
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.Mount']);
    assert.deepEqual(bodyOf('VolumeDriver.Mount'), { Name: 'v', ID: PSEUDO_ID });
    let info = await inspectOne('v');
    assert.equal(info.Mountpoint, path);
    assert.equal(info.MountCount, 1);
    assert.equal(await ok('mount', 'v'), `${path}\n`);
    assert.equal((await inspectOne('v')).MountCount, 2);
    resetCalls();
    assert.equal(await ok('unmount', 'v'), 'v\n');
    assert.ok(!endpoints().includes('VolumeDriver.Unmount'), 'no Unmount at 2 -> 1');
    assert.equal(await ok('unmount', 'v'), 'v\n');
    assert.deepEqual(endpoints().filter((e) => e === 'VolumeDriver.Unmount'), ['VolumeDriver.Unmount']);
    assert.deepEqual(bodyOf('VolumeDriver.Unmount'), { Name: 'v', ID: PSEUDO_ID });
    info = await inspectOne('v');
    assert.equal(info.Mountpoint, '');
    assert.equal(info.MountCount, 0);
    assert.equal(plugin.volumes.get('v')?.mounts.size, 0);
  });

  test('rm sends Get and Remove; the volume is gone from vol and from the plugin', async () => {
    await createPlugin('v');
    resetCalls();
    assert.equal(await ok('rm', 'v'), 'v\n');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.Get', 'VolumeDriver.Remove']);
    assert.deepEqual(bodyOf('VolumeDriver.Remove'), { Name: 'v' });
    assert.equal(plugin.volumes.has('v'), false);
    assert.deepEqual(await names(), []);
  });

  test('rm of a mounted plugin volume sends Unmount first', async () => {
    await createPlugin('v');
    await ok('mount', 'v');
    resetCalls();
    assert.equal(await ok('rm', 'v'), 'v\n');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.Unmount', 'VolumeDriver.Get', 'VolumeDriver.Remove']);
    assert.equal(plugin.volumes.has('v'), false);
    assert.deepEqual(await names(), []);
  });
});

describe('plugin volumes: reload', () => {
  test('reload adds what the plugin has, sending only Activate and List', async () => {
    plugin.addVolume('extra');
    assert.equal(await ok('reload'), 'Added:\nextra\n');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.List']);
    assert.equal((await inspectOne('extra')).Driver, 'tp');
  });

  test('reload forgets what the plugin no longer has, without calling Remove', async () => {
    await createPlugin('gone');
    await createPlugin('stays');
    plugin.forget('gone');
    resetCalls();
    assert.equal(await ok('reload'), 'Removed:\ngone\n');
    assert.deepEqual(endpoints(), ['Plugin.Activate', 'VolumeDriver.List']);
    assert.deepEqual(await names(), ['stays']);
  });

  test('reload prints nothing when in sync, and touches local volumes never', async () => {
    assert.equal(await ok('create', 'loc'), 'loc\n');
    await createPlugin('v');
    assert.equal(await ok('reload'), '');
    assert.deepEqual(JSON.parse(await ok('reload', '--format', 'json')), { added: [], removed: [], errors: [] });
    assert.deepEqual(await names(), ['loc', 'v']);
  });

  test('reload keeps a held volume the plugin dropped, with an error and exit 125', async () => {
    await createPlugin('held');
    assert.equal(await ok('mount', '--holder', 'h', 'held'), `${plugin.volumes.get('held')?.mountpoint}\n`);
    plugin.forget('held');
    const r = await fails(125, ['held', 'volume is being used'], 'reload');
    assert.equal(r.stdout, '');
    assert.deepEqual(await names(), ['held']);
  });

  test('reload --format json: {added, removed, errors}', async () => {
    plugin.addVolume('a');
    await createPlugin('b');
    plugin.forget('b');
    assert.equal(await ok('create', 'c'), 'c\n');
    plugin.addVolume('c');
    const r = await run('reload', '--format', 'json');
    assert.equal(r.code, 125, r.stderr);
    const out = JSON.parse(r.stdout) as { added: string[]; removed: string[]; errors: string[] };
    assert.deepEqual(Object.keys(out).sort(), ['added', 'errors', 'removed']);
    assert.deepEqual(out.added, ['a']);
    assert.deepEqual(out.removed, ['b']);
    assert.equal(out.errors.length, 1);
    assert.match(out.errors[0]!, /\bc\b/);
  });

  test('a plugin volume named like a local volume is reported, not imported (exit 125)', async () => {
    assert.equal(await ok('create', 'dup'), 'dup\n');
    plugin.addVolume('dup');
    plugin.addVolume('fresh');
    const r = await fails(125, ['dup', 'tp'], 'reload');
    assert.equal(r.stdout, 'Added:\nfresh\n');
    assert.equal((await inspectOne('dup')).Driver, 'local');
    assert.deepEqual(await names(), ['dup', 'fresh']);
  });

  test('a plugin volume whose name fails the name rule makes that List a failure: reported, nothing imported (exit 125)', async () => {
    plugin.addVolume('-bad');
    plugin.addVolume('good');
    const r = await fails(125, ['-bad', 'names must match'], 'reload');
    assert.equal(r.stdout, '');
    assert.deepEqual(await names(), []);
  });
});
