// Many jobs at once (the CI case): BENCH_JOBS (8) concurrent jobs, each spawning `vol create` for its
// BENCH_JOBS_VOLS (250) volumes one after another and then `vol rm` for each of them, all on one
// root; then the same with `podman volume create/rm` on a store of its own. Prints failures, the
// total throughput in creates+removes per second and vol/podman.
//
// Podman runs with temporary --root/--runroot/--tmpdir, --storage-driver vfs, and a CONTAINERS_CONF
// with events_logger = "none" and lock_type = "file" (its locks in --tmpdir, like vol's lock files).
//
// Environment knobs: BENCH_JOBS (8), BENCH_JOBS_VOLS (250), BENCH_PODMAN=0 (vol only),
// BENCH_JOBS_TARGET (2: vol throughput >= this × podman's).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtMs, intEnv, NODE, runBench, table, VOL_BIN, VOL_ENV } from './common.mjs';

const JOBS = intEnv('BENCH_JOBS', 8, 1);
const VOLS = intEnv('BENCH_JOBS_VOLS', 250, 1);
const TARGET = Number(process.env.BENCH_JOBS_TARGET || 2);
const BASE = mkdtempSync(join(tmpdir(), 'vol-jobs-'));
await runBench('jobs bench', main, () => rmSync(BASE, { recursive: true, force: true }));

async function main() {
  console.log(`\n== Many jobs at once: ${JOBS} concurrent jobs, each creating ${VOLS} volumes one by one, then removing them ===`);
  console.log(`node ${process.version}, ${availableParallelism()} CPUs; every create and rm is a spawned process; one root (or store) for all jobs.`);
  const root = join(BASE, 'vol-root');
  const volCmd = (...a) => [NODE, [VOL_BIN, '--root', root, ...a], VOL_ENV];
  const rows = [];
  const v = await runJobs(volCmd);
  const leftVol = listed(...volCmd('ls', '-q'));
  const leftDirs = safeReaddir(join(root, 'volumes')).length;
  rows.push(row('vol', v, `${leftVol} listed, ${leftDirs} dirs under volumes/`));

  let p;
  const podman = podmanSetup();
  if (podman.ok) {
    p = await runJobs(podman.cmd, ['volume']);
    rows.push(row(`podman (${podman.version})`, p, `${listed(...podman.cmd('volume', 'ls', '-q'))} listed`));
  } else console.log(`Podman: ${podman.reason}; vol's figures are shown alone.`);

  table(['tool', 'ops', 'failures', 'wall', 'ops/s', 'CPU/op', 'CPUs busy', 'left after', 'first failure'], rows);
  console.log(`CPU/op: user+sys of the spawned commands per create or rm; CPUs busy: that CPU over wall × ${availableParallelism()} CPUs.`);
  if (p) {
    const r = v.opsPerS / p.opsPerS;
    console.log(`\nvol/podman throughput: ${r.toFixed(2)} (target >= ${TARGET}: ${r >= TARGET ? 'ok' : 'MISSES'}); ` +
      `vol failures: ${v.failures} (target 0: ${v.failures === 0 ? 'ok' : 'MISSES'})`);
  } else console.log(`\nvol failures: ${v.failures} (target 0: ${v.failures === 0 ? 'ok' : 'MISSES'})`);
}

function row(tool, r, left) {
  return [tool, r.ops, r.failures, fmtMs(r.ms), r.opsPerS.toFixed(1), fmtMs(r.cpuPerOp), `${(100 * r.busy).toFixed(0)}%`, left, r.firstFailure.slice(0, 100)];
}

/** Runs the jobs concurrently; `cmd(...args)` gives [file, argv, env]; `prefix` goes before `create`/`rm`. */
async function runJobs(cmd, prefix = []) {
  let failures = 0;
  let firstFailure = '';
  const one = (args) => new Promise((resolve) => {
    const [file, argv, env] = cmd(...args);
    const child = spawn(file, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', (e) => { failures++; firstFailure ||= String(e); resolve(); });
    child.on('close', (code) => {
      if (code !== 0) {
        failures++;
        firstFailure ||= `${args.join(' ')}: exit ${code}: ${err.trim().split('\n')[0]}`;
      }
      resolve();
    });
  });
  const job = async (j) => {
    const names = Array.from({ length: VOLS }, (_, i) => `job${j}-${String(i + 1).padStart(4, '0')}`);
    for (const n of names) await one([...prefix, 'create', n]);
    for (const n of names) await one([...prefix, 'rm', n]);
  };
  const t0 = process.hrtime.bigint();
  const cpu0 = childrenCpuMs();
  await Promise.all(Array.from({ length: JOBS }, (_, j) => job(j + 1)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpuMs = childrenCpuMs() - cpu0;
  const ops = 2 * JOBS * VOLS;
  return { ops, failures, ms, opsPerS: ops / (ms / 1000), firstFailure, cpuPerOp: cpuMs / ops, busy: cpuMs / (ms * availableParallelism()) };
}

/**
 * User+system CPU of every child this process has waited for (cutime+cstime of /proc/self/stat):
 * what the spawned commands cost, apart from the time they spent waiting (locks, disk, a busy CPU).
 */
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 16 and 17 of proc(5), counted from 1; f starts at field 3. Clock ticks are 100 a second on Linux.
  return (Number(f[13]) + Number(f[14])) * 10;
}

function podmanSetup() {
  if (process.env.BENCH_PODMAN === '0') return { ok: false, reason: 'skipped (BENCH_PODMAN=0)' };
  const v = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { ok: false, reason: 'podman was not found on PATH' };
  const d = join(BASE, 'podman');
  const tmp = join(d, 'tmp');
  mkdirSync(tmp, { recursive: true });
  const conf = join(d, 'containers.conf');
  writeFileSync(conf, '[engine]\nlock_type = "file"\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n');
  const storageConf = join(d, 'storage.conf');
  writeFileSync(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${join(d, 'root')}"\nrunroot = "${join(d, 'runroot')}"\n`);
  const env = { ...process.env, CONTAINERS_CONF: conf, CONTAINERS_STORAGE_CONF: storageConf };
  const g = ['--root', join(d, 'root'), '--runroot', join(d, 'runroot'), '--tmpdir', tmp,
    '--storage-driver', 'vfs', '--events-backend', 'none', '--cgroup-manager', 'cgroupfs'];
  const cmd = (...a) => ['podman', [...g, ...a], env];
  const r = spawnSync('podman', [...g, 'volume', 'ls'], { env, encoding: 'utf8' });
  if (r.status !== 0) return { ok: false, reason: `podman is installed but failed: ${(r.stderr || String(r.error)).trim()}` };
  return { ok: true, version: v.stdout.trim(), cmd };
}

function listed(file, argv, env) {
  const r = spawnSync(file, argv, { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) return `? (exit ${r.status})`;
  return r.stdout.split('\n').filter((l) => l).length;
}

function safeReaddir(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
