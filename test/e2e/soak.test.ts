import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { lockEntries } from '../helpers/e2e.ts';
import { startTestPlugin, type TestPlugin } from '../helpers/test-plugin.ts';
import { childEnv, makeTemp, removeTemp, vol, VOL_BIN } from '../helpers/vol.ts';
import { check, type Finding } from './check-support.ts';
import { crashToolsDir, pathWith } from './crash-tools.ts';
import { mountPoints, umountUnder } from './mount-support.ts';

const KILLS = Number(process.env.SOAK_KILLS ?? 500);
const WORKERS = 4;
const NAMES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const KEEPERS = ['keep0', 'keep1'];
/** What a kill may leave on the volume it hit; anything else is a bug. */
const KILL_LEFTOVERS = new Set(['row-creating', 'row-removing', 'lock-dead-owner', 'lock-orphan', 'mount-count']);

/** mulberry32: a small seeded generator, so a failing run can be repeated with SOAK_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Soak {
  root: string;
  plugin: TestPlugin;
  bin: string;
  bindSrc: string;
  tarFile: string;
  random: () => number;
  kills: number;
  wrapperKills: number;
  runs: number;
  /** Volumes a killed process was working on (all of them after a killed bulk command). */
  hit: Set<string>;
}

interface Op {
  args: string[];
  /** The volume it works on; undefined for bulk commands (prune, rm -a, reload). */
  target?: string;
  /** The wrapper kill it may take: right after mount(8) or umount(8). */
  wrapper?: 'MOUNT' | 'UMOUNT';
}

function pick<T>(s: Soak, items: readonly T[]): T {
  return items[Math.floor(s.random() * items.length)]!;
}

function nextOp(s: Soak): Op {
  const name = pick(s, NAMES);
  const r = s.random();
  if (r < 0.25) {
    const kind = pick(s, ['plain', 'tmpfs', 'tmpfs', 'tmpfs', 'bind', 'bind', 'plugin']);
    if (kind === 'plugin') return { args: ['create', '--driver', 'tp', `p${name}`], target: `p${name}` };
    const opts = kind === 'tmpfs' ? ['-o', 'type=tmpfs', '-o', 'o=size=1m'] : kind === 'bind' ? ['-o', 'type=bind', '-o', `device=${s.bindSrc}`] : [];
    return { args: ['create', ...opts, name], target: name };
  }
  if (r < 0.5) return { args: ['mount', name], target: name, wrapper: 'MOUNT' };
  if (r < 0.7) return { args: ['unmount', name], target: name, wrapper: 'UMOUNT' };
  if (r < 0.8) return { args: ['rm', ...(s.random() < 0.5 ? ['-f'] : []), name], target: name, wrapper: 'UMOUNT' };
  if (r < 0.88) return { args: ['import', name, s.tarFile], target: name };
  if (r < 0.93) return { args: ['rm', `p${name}`], target: `p${name}` };
  if (r < 0.96) return { args: ['prune', '-f'], wrapper: 'UMOUNT' };
  if (r < 0.975) return { args: ['rm', '-a'], wrapper: 'UMOUNT' };
  return { args: ['reload'] };
}

/** Runs one op, maybe killing it: at a random moment, or through the mount/umount wrapper. Resolves once it has exited. */
function runOp(s: Soak, op: Op): Promise<void> {
  const env: Record<string, string> = { PATH: pathWith(s.bin), VOL_LOCK_STALE_MS: '2000' };
  const viaWrapper = op.wrapper !== undefined && s.random() < 0.5;
  if (viaWrapper) env[`VOL_TEST_KILL_AFTER_${op.wrapper}`] = '1';
  const killAt = !viaWrapper && s.random() < 0.7 ? s.random() * 500 : undefined;
  const args = ['--root', s.root, '--volume-plugin', `tp=${s.plugin.socket}`, ...op.args];
  const child = spawn(VOL_BIN, args, { env: childEnv(env), stdio: ['ignore', 'ignore', 'ignore'] });
  const timer = killAt === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAt);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      s.runs++;
      if (signal === 'SIGKILL') {
        s.kills++;
        if (viaWrapper) s.wrapperKills++;
        if (op.target) s.hit.add(op.target);
        else for (const n of [...NAMES, ...NAMES.map((x) => `p${x}`)]) s.hit.add(n);
      }
      resolve();
    });
  });
}

async function worker(s: Soak): Promise<void> {
  while (s.kills < KILLS) await runOp(s, nextOp(s));
}

function fail(seed: number, what: string): never {
  assert.fail(`soak seed ${seed} (rerun with SOAK_SEED=${seed}): ${what}`);
}

test(`soak: ${WORKERS} workers, ${KILLS} SIGKILLs, then check finds only what kills leave and --repair leaves nothing`, { timeout: 600_000 }, async (t) => {
  const seed = Number(process.env.SOAK_SEED ?? Date.now() % 2 ** 31);
  const root = makeTemp('vol-e2e-soak-');
  const extra = makeTemp('vol-e2e-soak-aux-');
  const plugin = await startTestPlugin({ name: 'tp' });
  const t0 = Date.now();
  try {
    const bindSrc = join(extra, 'bind-src');
    mkdirSync(bindSrc);
    writeFileSync(join(bindSrc, 'host-file'), 'host');
    const tarDir = join(extra, 'tar');
    mkdirSync(join(tarDir, 'sub'), { recursive: true });
    writeFileSync(join(tarDir, 'sub', 'f'), 'imported');
    const tarFile = join(extra, 'in.tar');
    execFileSync('tar', ['-cf', tarFile, '-C', tarDir, '.']);
    const s: Soak = { root, plugin, bin: crashToolsDir(extra), bindSrc, tarFile, random: rng(seed), kills: 0, wrapperKills: 0, runs: 0, hit: new Set() };
    // Keepers are in use (a holder without a process), so prune and rm -a must leave them and their data alone.
    for (const k of KEEPERS) {
      assert.equal(vol(root, ['create', k]).code, 0);
      assert.equal(vol(root, ['mount', k, '--holder', 'soak']).code, 0);
      writeFileSync(join(root, 'volumes', k, '_data', 'precious'), k);
    }
    await Promise.all(Array.from({ length: WORKERS }, () => worker(s)));
    const soakMs = Date.now() - t0;

    // A kill between making a lock and recording its owner leaves a lock that names no owner; such
    // a lock counts as live until the stale time has passed (the soak's: 2 s).
    await sleep(2100);
    const stale = { env: { VOL_LOCK_STALE_MS: '2000' } };
    const before = check(root, false, 'any', stale);
    const unexpected = before.filter((f: Finding) => !KILL_LEFTOVERS.has(f.Kind) || !s.hit.has(f.Volume));
    if (unexpected.length > 0) fail(seed, `findings no kill explains: ${JSON.stringify(unexpected)}`);
    const repaired = check(root, true, 0, stale);
    for (const f of repaired) if (f.Outcome !== 'repaired') fail(seed, `not repaired: ${JSON.stringify(f)}`);
    const after = check(root, false, 0, stale);
    if (after.length > 0) fail(seed, `findings after --repair: ${JSON.stringify(after)}`);

    const listed = vol(root, ['ls', '-q', '--filter', 'driver=local']).stdout.split('\n').filter((l) => l !== '');
    for (const k of KEEPERS) {
      if (!listed.includes(k)) fail(seed, `keeper ${k} is gone`);
      if (readFileSync(join(root, 'volumes', k, '_data', 'precious'), 'utf8') !== k) fail(seed, `the data of ${k} changed`);
    }
    for (const n of listed) if (!lstatSync(join(root, 'volumes', n, '_data')).isDirectory()) fail(seed, `${n} has no _data`);
    const counts = new Map<string, number>();
    for (const p of mountPoints()) if (p.startsWith(root + '/')) counts.set(p, (counts.get(p) ?? 0) + 1);
    for (const [p, n] of counts) if (n > 1) fail(seed, `${n} mounts stacked on ${p}`);
    if (lockEntries(root).length > 0) fail(seed, `locks left: ${lockEntries(root).join(' ')}`);
    if (existsSync(join(root, 'lost+found'))) fail(seed, `orphans appeared: ${readdirSync(join(root, 'lost+found')).join(' ')}`);
    if (readFileSync(join(bindSrc, 'host-file'), 'utf8') !== 'host') fail(seed, 'the bind source was touched');
    const summary = `seed ${seed}: ${s.runs} commands, ${s.kills} SIGKILLs (${s.wrapperKills} right after mount/umount), ${before.length} findings before repair (${[...new Set(before.map((f) => f.Kind))].join(', ') || 'none'}), ${after.length} after, soak ${(soakMs / 1000).toFixed(1)} s, total ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    t.diagnostic(summary);
    if (process.env.SOAK_REPORT) writeFileSync(process.env.SOAK_REPORT, summary + '\n', { flag: 'a' });
  } finally {
    await plugin.close();
    // Unmount and remove only below this test's own temp dirs.
    for (const d of [root, extra]) {
      umountUnder(d);
      removeTemp(d);
    }
    await sleep(0);
  }
});
