// Plugin answers are bounded in bytes and time and type-checked against the protocol.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startTestPlugin, type FaultMode, type TestPlugin } from '../helpers/test-plugin.ts';
import { makeTemp, removeTemp, volAsync, type VolRun } from '../helpers/vol.ts';
import { assertFails, assertNoLocks } from './support.ts';

let root = '';
let dir = '';
let conf = '';
let plugin: TestPlugin;
beforeEach(async () => {
  root = makeTemp('vol-bplugin-root-');
  dir = makeTemp('vol-bplugin-');
  conf = join(dir, 'vol.toml');
  writeFileSync(conf, '[engine]\nvolume_plugin_timeout = 1\n');
  plugin = await startTestPlugin({ dir, name: 'tp' });
});
afterEach(async () => {
  await plugin.close();
  removeTemp(dir);
  removeTemp(root);
});

const run = (...args: string[]): Promise<VolRun> => volAsync(root, ['--config', conf, '--volume-plugin', `tp=${plugin.socket}`, ...args]);
const answer = (body: string): FaultMode => ({ kind: 'status', code: 200, body });

/** Creates plugin volume `name` through vol, with no fault set. */
async function made(name: string): Promise<void> {
  const r = await run('create', '--driver', 'tp', name);
  assert.deepEqual([r.code, r.stderr], [0, ''], r.stderr);
}

/** vol's volumes, read with no fault set on the plugin. */
async function names(): Promise<string[]> {
  plugin.fault('*', undefined);
  plugin.fault('VolumeDriver.List', undefined);
  plugin.fault('VolumeDriver.Get', undefined);
  const r = await run('ls', '-q');
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

/** Asserts exit 0, the listing on stdout, and exactly one `Warning:` line matching `why`. */
function assertWarned(r: VolRun, why: RegExp): void {
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^Warning: [^\n]*\n$/, `stderr must be one Warning line: ${JSON.stringify(r.stderr)}`);
  assert.match(r.stderr, why);
}

describe('answers too large for memory', () => {
  for (const [what, mode] of [
    ['an endless body', { kind: 'endless' }],
    ['a 600 MB body', { kind: 'huge', bytes: 600_000_000 }],
  ] as const) {
    test(`${what}: ls and inspect warn, reload fails naming the cap, nothing is forgotten`, async () => {
      await made('pv');
      plugin.fault('VolumeDriver.List', mode);
      const ls = await run('ls', '-q');
      assertWarned(ls, /plugin tp sent an answer larger than 16 MiB on \/VolumeDriver\.List/);
      assert.equal(ls.stdout, 'pv\n');
      const reload = await run('reload');
      assertFails(reload, 125, ['plugin tp sent an answer larger than 16 MiB on /VolumeDriver.List']);
      plugin.fault('VolumeDriver.List', undefined);
      plugin.fault('VolumeDriver.Get', mode);
      const inspect = await run('inspect', 'pv');
      assertWarned(inspect, /larger than 16 MiB on \/VolumeDriver\.Get/);
      assert.match((JSON.parse(inspect.stdout) as Array<{ Status: { Error: string } }>)[0]!.Status.Error, /larger than 16 MiB/);
      assert.deepEqual(await names(), ['pv']);
    });
  }
});

describe('List answers that break the protocol make that List a failure', () => {
  const bodies: Array<[string, RegExp]> = [
    ['{"Volumes":[1,"x",null,{"Name":5},{"Name":["a"]}]}', /Volumes\[0\] is not an object/],
    ['{"Volumes":[{"Name":5}]}', /Volumes\[0\]\.Name is not a string/],
    ['{"Volumes":[{"Name":["a"]}]}', /Volumes\[0\]\.Name is not a string/],
    ['{"Volumes":[{"Name":"pv"},{"Name":"../escape"}]}', /Volumes\[1\]\.Name "\.\.\/escape": names must match/],
    ['{"Volumes":[{"Name":"pv","Mountpoint":"relative/dir"}]}', /Volumes\[0\]\.Mountpoint "relative\/dir" is not an absolute path/],
    ['{"Volumes":[{"Name":"pv","Status":"up"}]}', /Volumes\[0\]\.Status is not an object/],
    ['{"Volumes":"pv"}', /Volumes is neither a list nor null/],
    ['[{"Name":"pv"}]', /the answer is not an object/],
  ];
  for (const [body, why] of bodies) {
    test(`reload with ${body}: exit 125, one error, nothing forgotten or added`, async () => {
      await made('pv');
      await made('pw');
      plugin.fault('VolumeDriver.List', answer(body));
      const r = await run('reload');
      assertFails(r, 125, ['plugin tp answered garbage on /VolumeDriver.List', why]);
      const ls = await run('ls', '-q');
      assertWarned(ls, why);
      assert.equal(ls.stdout, 'pv\npw\n');
      assert.deepEqual(await names(), ['pv', 'pw']);
      assertNoLocks(root);
    });
  }

  for (const body of ['{"Volumes":null}', '{}']) {
    test(`${body} is a plugin with no volumes (a Go nil slice): reload forgets its volumes`, async () => {
      await made('pv');
      plugin.fault('VolumeDriver.List', answer(body));
      const r = await run('reload');
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Removed:\npv\n', '']);
      assert.deepEqual(await names(), []);
    });
  }
});

describe('Get and Mount answers', () => {
  test('Get with a Volume that is not an object is a failure: create fails and leaves nothing, never Creates', async () => {
    plugin.fault('VolumeDriver.Get', answer('{"Volume":"not-an-object"}'));
    const r = await run('create', '--driver', 'tp', 'nv');
    assertFails(r, 125, ['plugin tp answered garbage on /VolumeDriver.Get for volume nv: Volume is not an object']);
    assert.ok(!plugin.calls.some((c) => c.endpoint === 'VolumeDriver.Create'), 'Create was sent');
    assert.deepEqual(await names(), []);
    assertNoLocks(root);
  });

  for (const [body, why] of [
    ['{"Volume":null}', /Volume is not an object/],
    ['{}', /Volume is not an object/],
    ['{"Volume":{"Name":"other"}}', /Volume\.Name is "other"/],
  ] as const) {
    test(`inspect with Get answering ${body}: the Status says so, one warning, exit 0`, async () => {
      await made('pv');
      plugin.fault('VolumeDriver.Get', answer(body));
      const r = await run('inspect', 'pv');
      assertWarned(r, why);
      assert.match((JSON.parse(r.stdout) as Array<{ Status: { Error: string } }>)[0]!.Status.Error, why);
    });
  }

  test('Mount answering a relative Mountpoint is an error; the mount is not counted', async () => {
    await made('pv');
    plugin.fault('VolumeDriver.Mount', answer('{"Mountpoint":"relative/dir"}'));
    assertFails(await run('mount', 'pv'), 125, ['plugin tp answered garbage on /VolumeDriver.Mount for volume pv: Mountpoint "relative/dir" is not an absolute path']);
    plugin.fault('VolumeDriver.Mount', undefined);
    const r = await run('inspect', '--format', '{{.MountCount}}', 'pv');
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '0\n', '']);
  });
});

describe('time', () => {
  test('o=timeout=0 means the configured timeout, never none: a hung plugin fails create within it', async () => {
    plugin.fault('VolumeDriver.Get', { kind: 'hang' });
    const t0 = performance.now();
    const r = await run('create', '--driver', 'tp', '-o', 'o=timeout=0', 'nv');
    const s = (performance.now() - t0) / 1000;
    assertFails(r, 125, ['plugin tp timed out after 1s on /VolumeDriver.Get']);
    assert.ok(s < 5, `took ${s.toFixed(1)} s`);
    assert.deepEqual(await names(), []);
  });

  test('an answer that does not come within the timeout fails the call, and reload forgets nothing', async () => {
    await made('pv');
    plugin.fault('VolumeDriver.List', { kind: 'slow', ms: 60_000 });
    const t0 = performance.now();
    const r = await run('reload');
    assertFails(r, 125, ['plugin tp timed out after 1s on /VolumeDriver.List']);
    assert.ok((performance.now() - t0) / 1000 < 5);
    assert.deepEqual(await names(), ['pv']);
  });
});
