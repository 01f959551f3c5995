// End-to-end tests of plugin fault modes: vol must fail fast, name the plugin, and never lose track.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { startTestPlugin, type FaultMode, type TestPlugin } from '../helpers/test-plugin.ts';
import { makeTemp, removeTemp, volAsync, type VolRun } from '../helpers/vol.ts';

const TIMEOUT_S = 1;
const MAX_S = 4; // one timeout plus a generous margin: never a hang
const ONE_TIMEOUT_S = 2.5 * TIMEOUT_S; // N volumes of a hung plugin cost one timeout, not N
const VOLUME_ENDPOINTS = ['Get', 'List', 'Create', 'Remove', 'Mount', 'Unmount', 'Path'].map((e) => `VolumeDriver.${e}`);

type Info = { Name: string; Driver: string; Status?: unknown };
interface Timed {
  r: VolRun;
  s: number;
}

/** One way the plugin fails: a fault on every endpoint, on the volume endpoints only (Activate answers), or a broken socket. */
interface Case {
  name: string;
  fault?: FaultMode;
  on?: 'all' | 'volume';
  broken?: 'missing' | 'notSocket' | 'dead';
  /** What vol's messages and Status must say. */
  why: RegExp;
  /** rm drops the volume from vol's state (unreachable plugin) rather than keeping it (the plugin answered an error). */
  rmDrops: boolean;
}

const fire = 'disk on fire';
const KINDS: Array<Omit<Case, 'name' | 'on'> & { kind: string }> = [
  { kind: 'hang', fault: { kind: 'hang' }, why: /timed out/, rmDrops: true },
  { kind: 'garbage', fault: { kind: 'garbage' }, why: /garbage|not JSON/, rmDrops: true },
  { kind: 'error500', fault: { kind: 'error500', err: fire }, why: /disk on fire/, rmDrops: false },
  { kind: 'error200', fault: { kind: 'error200', err: fire }, why: /disk on fire/, rmDrops: false },
  { kind: 'drop', fault: { kind: 'drop' }, why: /dropped the connection/, rmDrops: true },
  { kind: 'slow', fault: { kind: 'slow', ms: 2500 }, why: /timed out/, rmDrops: true },
];
const CASES: Case[] = [
  ...KINDS.map(({ kind, ...c }) => ({ ...c, name: kind, on: 'all' as const })),
  ...KINDS.filter((k) => k.kind !== 'slow').map(({ kind, ...c }) => ({ ...c, name: `${kind} (Activate answers)`, on: 'volume' as const })),
  { name: 'notVolumeDriver', fault: { kind: 'notVolumeDriver' }, on: 'all', why: /does not implement volume plugin/, rmDrops: true },
  { name: 'socket missing', broken: 'missing', why: /no such file or directory/, rmDrops: true },
  { name: 'not a socket', broken: 'notSocket', why: /not a unix socket/, rmDrops: true },
  { name: 'plugin gone', broken: 'dead', why: /refused/, rmDrops: true },
];

let root = '';
let dir = '';
let conf = '';
let plugin: TestPlugin;
let extra: TestPlugin | undefined;
beforeEach(async () => {
  root = makeTemp('vol-pfault-root-');
  dir = makeTemp('vol-pfault-');
  conf = join(dir, 'vol.toml');
  writeFileSync(conf, `[engine]\nvolume_plugin_timeout = ${TIMEOUT_S}\n`);
  plugin = await startTestPlugin({ dir, name: 'tp' });
});
afterEach(async () => {
  await plugin.close();
  await extra?.close();
  extra = undefined;
  removeTemp(dir);
  removeTemp(root);
});

const pluginFlags = (): string[] => ['--volume-plugin', `tp=${plugin.socket}`, ...(extra ? ['--volume-plugin', `hp=${extra.socket}`] : [])];
const run = (...args: string[]): Promise<VolRun> => volAsync(root, ['--config', conf, ...pluginFlags(), ...args]);

async function timed(...args: string[]): Promise<Timed> {
  const t0 = performance.now();
  const r = await run(...args);
  return { r, s: (performance.now() - t0) / 1000 };
}

async function ok(...args: string[]): Promise<string> {
  const r = await run(...args);
  assert.equal(r.stderr, '', `vol ${args.join(' ')}: unexpected stderr`);
  assert.equal(r.code, 0, `vol ${args.join(' ')}: exit code`);
  return r.stdout;
}

/** Asserts exit `code` within `maxS`, and an `Error: ` line naming plugin `name` and matching `why`. */
function assertFailed(what: string, t: Timed, code: number, why: RegExp, maxS = MAX_S, name = 'tp'): void {
  assert.equal(t.r.code, code, `${what}: exit code (stderr: ${t.r.stderr.trim()})`);
  const line = t.r.stderr.split('\n').find((l) => l.startsWith('Error: ') && l.includes(`plugin ${name}`));
  assert.ok(line, `${what}: no Error line naming plugin ${name} in ${JSON.stringify(t.r.stderr)}`);
  assert.match(line, why, `${what}: the error says why`);
  assert.ok(t.s < maxS, `${what} took ${t.s.toFixed(2)} s (limit ${maxS} s)`);
}

/** Asserts exit 0 within `maxS`, a `Warning:` naming the plugin, no error, and returns stdout as JSON. */
function assertWarned(what: string, t: Timed, why: RegExp, maxS = ONE_TIMEOUT_S, name = 'tp'): Info[] {
  assert.equal(t.r.code, 0, `${what}: exit code (stderr: ${t.r.stderr.trim()})`);
  assert.ok(t.r.stderr.split('\n').some((l) => l.startsWith('Warning: ') && l.includes(`plugin ${name}`) && why.test(l)), `${what}: no Warning naming plugin ${name} in ${JSON.stringify(t.r.stderr)}`);
  assert.doesNotMatch(t.r.stderr, /^Error: /m);
  assert.ok(t.s < maxS, `${what} took ${t.s.toFixed(2)} s (limit ${maxS} s)`);
  return JSON.parse(t.r.stdout) as Info[];
}

/** Asserts that each plugin volume's Status names the plugin and the failure; local ones have none. */
function assertStatuses(what: string, vols: Info[], why: RegExp, name = 'tp'): void {
  for (const v of vols) {
    if (v.Driver === 'local') assert.equal(v.Status, undefined, `${what}: ${v.Name} is local`);
    else if (v.Driver === name) {
      const st = JSON.stringify(v.Status ?? '');
      assert.ok(st.includes(`plugin ${name}`) && why.test(st), `${what}: Status of ${v.Name} does not say plugin ${name} failed: ${st}`);
    }
  }
}

/** `ls -q` names, sorted; exit 0 whatever the plugin does. */
async function names(): Promise<string[]> {
  const r = await run('ls', '-q');
  assert.equal(r.code, 0, `ls -q: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l !== '').sort();
}

/** A local volume `loc` and plugin volumes p1..p3, imported with reload. */
async function seed(p = plugin, prefix = 'p'): Promise<string[]> {
  const vols = [1, 2, 3].map((i) => `${prefix}${i}`);
  for (const v of vols) p.addVolume(v);
  assert.deepEqual((await ok('reload')).split('\n').filter((l) => l !== '' && l !== 'Added:').sort(), vols);
  return vols;
}

async function breakPlugin(c: Case): Promise<void> {
  if (c.fault) for (const e of c.on === 'volume' ? VOLUME_ENDPOINTS : ['*']) plugin.fault(e, c.fault);
  if (!c.broken) return;
  await plugin.close();
  rmSync(plugin.socket, { force: true });
  if (c.broken === 'notSocket') writeFileSync(plugin.socket, 'not a socket\n');
  if (c.broken === 'dead') {
    // A plugin process killed while listening leaves its socket file behind: connect() is refused.
    const js = `require('net').createServer().listen(${JSON.stringify(plugin.socket)}, () => process.kill(process.pid, 'SIGKILL'))`;
    spawnSync(process.execPath, ['-e', js]);
    assert.ok(statSync(plugin.socket).isSocket());
  }
}

const secs = (t: Timed): string => `${t.s.toFixed(2)} s`;
const endpointsCalled = (): string[] => plugin.calls.map((c) => c.endpoint);

describe('plugin faults: every command finishes within the timeout and names the plugin', () => {
  for (const c of CASES) {
    test(c.name, async (t) => {
      assert.equal(await ok('create', 'loc'), 'loc\n');
      await seed();
      await breakPlugin(c);
      plugin.calls.splice(0);

      const create = await timed('create', '--driver', 'tp', 'newv');
      const figures = [`create ${secs(create)}`];
      // Emitted even when an assertion below fails, so the closing note has every figure.
      t.after(() => t.diagnostic(`${c.name}: ${figures.join(', ')}`));
      assertFailed('create', create, 125, c.why);
      if (c.on === 'volume') assert.deepEqual(endpointsCalled(), ['Plugin.Activate', 'VolumeDriver.Get'], 'create: Get failed, so no Create');
      assert.ok(!endpointsCalled().includes('VolumeDriver.Create'), `a failed Get must not lead to a Create: ${endpointsCalled().join(', ')}`);

      const ls = await timed('ls', '--format', 'json');
      figures.push(`ls ${secs(ls)}`);
      const listed = assertWarned('ls', ls, c.why);
      assert.deepEqual(listed.map((v) => v.Name).sort(), ['loc', 'p1', 'p2', 'p3']);
      assertStatuses('ls', listed, c.why);

      const inspect = await timed('inspect', 'p1', 'p2', 'p3', 'loc');
      figures.push(`inspect ${secs(inspect)}`);
      const shown = assertWarned('inspect', inspect, c.why);
      assert.deepEqual(shown.map((v) => v.Name), ['p1', 'p2', 'p3', 'loc']);
      assertStatuses('inspect', shown, c.why);

      const reload = await timed('reload');
      figures.push(`reload ${secs(reload)}`);
      assertFailed('reload', reload, 125, c.why);
      assert.equal(reload.r.stdout, '', 'reload forgets nothing and adds nothing');

      const rm = await timed('rm', 'p1');
      figures.push(`rm ${secs(rm)}`);
      assertFailed('rm', rm, 125, c.why);

      if (c.fault) plugin.fault('*', undefined);
      for (const e of VOLUME_ENDPOINTS) plugin.fault(e, undefined);
      assert.deepEqual(await names(), c.rmDrops ? ['loc', 'p2', 'p3'] : ['loc', 'p1', 'p2', 'p3']);
    });
  }
});

describe('plugin faults: specific cases', () => {
  test('slow but faster than the timeout: every command works', async (t) => {
    plugin.fault('*', { kind: 'slow', ms: 300 });
    const steps: Array<[string, string[], (out: string) => void]> = [
      ['create', ['create', '--driver', 'tp', 's1'], (o) => assert.equal(o, 's1\n')],
      ['ls', ['ls', '--format', 'json'], (o) => assert.deepEqual((JSON.parse(o) as Info[]).map((v) => v.Name), ['s1'])],
      ['inspect', ['inspect', 's1'], (o) => assert.deepEqual((JSON.parse(o) as Info[])[0]!.Status, { opts: {}, mounts: 0 })],
      ['mount', ['mount', 's1'], (o) => assert.equal(o, `${plugin.volumes.get('s1')?.mountpoint}\n`)],
      ['unmount', ['unmount', 's1'], (o) => assert.equal(o, 's1\n')],
      ['rm', ['rm', 's1'], (o) => assert.equal(o, 's1\n')],
      ['reload', ['reload'], (o) => assert.equal(o, 'Added:\nlate\n')],
    ];
    const figures: string[] = [];
    for (const [what, args, check] of steps) {
      if (what === 'reload') plugin.addVolume('late');
      const r = await timed(...args);
      assert.equal(r.r.stderr, '', `${what}: unexpected stderr`);
      assert.equal(r.r.code, 0, `${what}: exit code`);
      check(r.r.stdout);
      figures.push(`${what} ${secs(r)}`);
    }
    assert.equal(plugin.volumes.has('s1'), false);
    t.diagnostic(`slow 0.3 s (works): ${figures.join(', ')}`);
  });

  test('rm when the plugin answers 500 on Remove keeps the volume (exit 125)', async () => {
    await seed();
    plugin.fault('VolumeDriver.Remove', { kind: 'error500', err: fire });
    plugin.calls.splice(0);
    assertFailed('rm', await timed('rm', 'p1'), 125, /disk on fire/);
    assert.deepEqual(endpointsCalled(), ['Plugin.Activate', 'VolumeDriver.Get', 'VolumeDriver.Remove']);
    assert.ok(plugin.volumes.has('p1'));
    assert.deepEqual(await names(), ['p1', 'p2', 'p3']);
    const [info] = JSON.parse(await ok('inspect', 'p1')) as Info[];
    assert.equal(info?.Driver, 'tp');
  });

  test('two plugins, one hung: reload still adds and removes for the healthy one; ls warns about the hung one only', async (t) => {
    extra = await startTestPlugin({ dir, name: 'hp' });
    const hung = extra;
    for (const v of ['old1', 'keep1']) plugin.addVolume(v);
    for (const v of ['h1', 'h2']) hung.addVolume(v);
    assert.equal((await ok('reload')).split('\n').filter((l) => l !== '' && l !== 'Added:').sort().join(' '), 'h1 h2 keep1 old1');
    plugin.forget('old1');
    plugin.addVolume('new1');
    hung.forget('h2');
    hung.fault('*', { kind: 'hang' });
    const reload = await timed('reload');
    assertFailed('reload', reload, 125, /timed out/, MAX_S, 'hp');
    assert.doesNotMatch(reload.r.stderr, /plugin tp/);
    assert.equal(reload.r.stdout, 'Added:\nnew1\nRemoved:\nold1\n');
    const ls = await timed('ls', '--format', 'json');
    const listed = assertWarned('ls', ls, /timed out/, ONE_TIMEOUT_S, 'hp');
    assert.doesNotMatch(ls.r.stderr, /plugin tp/);
    assert.deepEqual(listed.map((v) => v.Name).sort(), ['h1', 'h2', 'keep1', 'new1']);
    assertStatuses('ls', listed, /timed out/, 'hp');
    for (const v of listed.filter((x) => x.Driver === 'tp')) assert.doesNotMatch(JSON.stringify(v.Status), /Error/);
    t.diagnostic(`two plugins, hp hung: reload ${secs(reload)}, ls ${secs(ls)}`);
  });

  test('a per-volume o=timeout=1 bounds rm and inspect of that volume (engine timeout left at 5 s)', async (t) => {
    conf = join(dir, 'default.toml');
    writeFileSync(conf, '[engine]\n');
    for (const v of ['t1', 't2']) assert.equal(await ok('create', '--driver', 'tp', '-o', 'o=timeout=1', v), `${v}\n`);
    plugin.fault('*', { kind: 'hang' });
    const [rm, inspect] = await Promise.all([timed('rm', 't1'), timed('inspect', 't2')]);
    t.diagnostic(`per-volume timeout 1 s, hung plugin: rm ${secs(rm)}, inspect ${secs(inspect)}`);
    assertFailed('rm', rm, 125, /timed out/);
    assertWarned('inspect', inspect, /timed out/, MAX_S);
  });
});
