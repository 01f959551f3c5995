// Scale bench: the bulk commands over BENCH_N volumes (the mode is meant for 100000) beside the same
// commands over BENCH_SCALE_BASE volumes (default 10000) measured in the same run, with the ratio of
// the two times (linear is N / base) and each command's peak RSS.
//
//   BENCH_N=100000 node bench/scale.mjs      (or BENCH_N=100000 npm run bench)
//
// Peak RSS is the "Maximum resident set size" of `/usr/bin/time -v` (the kernel's ru_maxrss of the
// vol process, read when it exits, so no peak between two polls is missed).
//
// Environment knobs:
//   BENCH_N                volumes of the big population (default 100000)
//   BENCH_SCALE_BASE       volumes of the reference population (default 10000)
//   BENCH_SCALE_RUNS       runs of each read-only command, after one warm-up (default 3)
//   BENCH_SCALE_RATIO_MAX  target: big time <= this × base time (default 11, for 100000 / 10000)
//   BENCH_SCALE_RSS_MB     target: peak RSS of every command <= this (default 150)
//   BENCH_SCALE_REUSE      a dir holding vol-<n> roots made beforehand with bench/populate.ts (for
//                          both sizes): they are used instead of populating, and left emptied
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fmtMs, intEnv, median, NODE, REPO, runBench, table, VOL_BIN, VOL_ENV } from './common.mjs';

const N = intEnv('BENCH_N', 100000, 1);
const BASE_N = intEnv('BENCH_SCALE_BASE', 10000, 1);
const RUNS = intEnv('BENCH_SCALE_RUNS', 3, 1);
const RATIO_MAX = Number(process.env.BENCH_SCALE_RATIO_MAX || 11);
const RSS_MAX_MB = intEnv('BENCH_SCALE_RSS_MB', 150, 1);
const REUSE = process.env.BENCH_SCALE_REUSE || undefined;
const TIME = '/usr/bin/time';
const POPULATE = join(REPO, 'bench', 'populate.ts');
const LABEL_EVERY = 10;
const LABEL_KEY = 'bench.tenth';

const started = process.hrtime.bigint();
const BASE = mkdtempSync(join(tmpdir(), 'vol-scale-'));
let cleanedUp = false;
await runBench('scale bench', main, cleanup);

async function main() {
  if (!existsSync(join(REPO, 'dist', 'vol.cjs'))) throw new Error('dist/vol.cjs is missing: run `npm run build` first');
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (apt-get install time): it reports each command's peak RSS`);
  const sizes = [BASE_N, N];
  console.log(`vol scale bench  (N = ${N} beside ${BASE_N} in the same run; read-only commands: median of ${RUNS} after one warm-up;`);
  console.log(`  rm -a and prune -f: one run each, each on its own population)`);
  console.log(`node ${process.version}, ${availableParallelism()} CPUs, temp dir under ${tmpdir()}`);
  console.log(`Peak RSS: "Maximum resident set size" of ${TIME} -v (ru_maxrss of the vol process at exit).`);

  // One population per size, made first (the same snapshot of src/ for both), two at a time, then
  // copied (cp -a) for prune -f: rows record their paths, so the copy is put back at the same path
  // once rm -a has emptied the original. Copying 100000 volumes takes seconds, populating minutes.
  const roots = Object.fromEntries(sizes.map((n) => [n, join(REUSE ?? BASE, `vol-${n}`)]));
  const pops = await inPairs(sizes.map((n) => () => (REUSE ? reused(roots[n], n) : populate(roots[n], n))));
  console.log(`\nPopulations by bench/populate.ts (Engine.create in a loop, in-process; every ${LABEL_EVERY}th volume labelled ${LABEL_KEY}=1;`);
  console.log('  both at once), each copied with cp -a for prune -f and put back at its path after rm -a:');
  for (const p of pops) {
    await checkCount(roots[p.n], p.n);
    const t0 = process.hrtime.bigint();
    mustRun('cp', ['-a', roots[p.n], `${roots[p.n]}.copy`]);
    const cpMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const made = p.ms === undefined ? `made beforehand (reused from ${REUSE})` : `in ${fmtMs(p.ms)} = ${fmtMs(p.ms / p.n)} per volume`;
    console.log(`  ${p.n} volumes ${made}; copied in ${fmtMs(cpMs)}`);
  }
  mustRun('sync', []); // the copies' writes are flushed before anything is timed

  const reads = [
    { label: 'ls', args: ['ls'] },
    { label: `ls --filter label=${LABEL_KEY}`, args: ['ls', '--filter', `label=${LABEL_KEY}`] },
    { label: 'inspect --all', args: ['inspect', '--all'] },
    { label: 'check', args: ['check'] },
  ];
  // Each figure is printed as it is measured (a run cut short keeps what it has), smaller size first.
  console.log('\nAs measured:');
  const res = {}; // label -> n -> { ms, rssMb, runs }
  const record = (label, n, runs) => {
    res[label] ??= {};
    res[label][n] = { ms: median(runs.map((x) => x.ms)), rssMb: Math.max(...runs.map((x) => x.rssMb)), runs };
    console.log(`  ${label} @${n}: ${fmtStats(runs.map((x) => x.ms))}, peak RSS ${res[label][n].rssMb.toFixed(1)} MB`);
  };
  for (const r of reads) {
    for (const n of sizes) {
      measure(roots[n], r.args); // warm-up
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(measure(roots[n], r.args));
      record(r.label, n, runs);
    }
  }
  // Each removal starts with nothing left to write back from the one before it (or the copies).
  for (const n of sizes) {
    mustRun('sync', []);
    record('rm -a', n, [measure(roots[n], ['rm', '-a'])]);
    leftAfter('rm -a', roots[n], n);
    rmSync(roots[n], { recursive: true, force: true });
    renameSync(`${roots[n]}.copy`, roots[n]);
    await checkCount(roots[n], n);
    mustRun('sync', []);
    record('prune -f', n, [measure(roots[n], ['prune', '-f'])]);
    leftAfter('prune -f', roots[n], n);
  }

  const linear = N / BASE_N;
  console.log(`\nTimes (wall clock, spawn to exit) and peak RSS; ratio = time at ${N} / time at ${BASE_N} (linear is ${linear.toFixed(1)}).`);
  const rows = [];
  const misses = [];
  for (const label of Object.keys(res)) {
    const a = res[label][BASE_N];
    const b = res[label][N];
    const ratio = b.ms / a.ms;
    const okT = ratio <= RATIO_MAX;
    const okM = b.rssMb <= RSS_MAX_MB && a.rssMb <= RSS_MAX_MB;
    if (!okT) misses.push(`${label} time (${ratio.toFixed(2)})`);
    if (!okM) misses.push(`${label} RSS (${b.rssMb.toFixed(0)} MB)`);
    rows.push([label, fmtMs(a.ms), `${a.rssMb.toFixed(1)} MB`, fmtStats(b.runs.map((x) => x.ms)), `${b.rssMb.toFixed(1)} MB`,
      ratio.toFixed(2), `<= ${RATIO_MAX}`, okT ? 'ok' : 'MISSES', `<= ${RSS_MAX_MB} MB`, okM ? 'ok' : 'MISSES']);
  }
  table(['command', `time @${BASE_N}`, `RSS @${BASE_N}`, `time @${N} (min-max)`, `RSS @${N}`, 'ratio', 'target', '',
    'RSS target', ''], rows);
  console.log(misses.length ? `\nMisses its target: ${misses.join('; ')}` : '\nEvery figure meets its target.');
  console.log(`Whole scale run: ${fmtMs(Number(process.hrtime.bigint() - started) / 1e6)} (including populations).`);
}

/** Runs the thunks (each returning a promise) two at a time, results in order. */
async function inPairs(thunks) {
  const out = new Array(thunks.length);
  let next = 0;
  const worker = async () => {
    while (next < thunks.length) {
      const i = next++;
      out[i] = await thunks[i]();
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** A population made beforehand (BENCH_SCALE_REUSE); it must hold exactly n volumes. */
async function reused(root, n) {
  if (!existsSync(root)) throw new Error(`BENCH_SCALE_REUSE: ${root} does not exist (make it with node --import tsx bench/populate.ts ${root} ${n})`);
  return { n, ms: undefined };
}

function populate(root, n) {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, ['--import', 'tsx', POPULATE, root, String(n), String(LABEL_EVERY), LABEL_KEY], {
      cwd: REPO, env: VOL_ENV, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) { reject(new Error(`bench/populate.ts ${n} failed (${code}): ${err.trim()}`)); return; }
      resolve({ n, ms: JSON.parse(out.trim().split('\n').pop()).ms });
    });
  });
}

function leftAfter(label, root, n) {
  const left = lines(root, ['ls', '-q']);
  if (left !== 0) console.log(`note: ${left} volumes left after ${label} at ${n}`);
}

function mustRun(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}): ${(r.stderr ?? '').trim()}`);
}

async function checkCount(root, n) {
  const count = lines(root, ['ls', '-q']);
  if (count !== n) throw new Error(`vol ls -q lists ${count} volumes after populating ${n}`);
  const labelled = lines(root, ['ls', '-q', '--filter', `label=${LABEL_KEY}`]);
  if (labelled !== Math.floor(n / LABEL_EVERY)) throw new Error(`label filter lists ${labelled} of ${n}, expected ${Math.floor(n / LABEL_EVERY)}`);
}

/** Wall time and peak RSS of one `vol --root ROOT ARGS...`, stdout discarded; failing is an error. */
function measure(root, args) {
  const report = join(BASE, 'time.txt');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-v', '-o', report, NODE, VOL_BIN, '--root', root, ...args], {
    env: VOL_ENV, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status !== 0) throw new Error(`vol ${args.join(' ')} failed (${r.status ?? r.error}): ${String(r.stderr ?? '').trim()}`);
  const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(report, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`${TIME} -v printed no "Maximum resident set size"`);
  return { ms, rssMb: Number(kb) / 1024 };
}

function lines(root, args) {
  const r = spawnSync(NODE, [VOL_BIN, '--root', root, ...args], { env: VOL_ENV, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error || r.status !== 0) throw new Error(`vol ${args.join(' ')} failed (${r.status ?? r.error}): ${(r.stderr ?? '').trim()}`);
  return r.stdout.split('\n').filter((l) => l.length > 0).length;
}

function fmtStats(xs) {
  if (xs.length === 1) return fmtMs(xs[0]);
  return `${fmtMs(median(xs))} (${fmtMs(Math.min(...xs))}-${fmtMs(Math.max(...xs))})`;
}

/** Removes the temp dir, unless something is mounted under it (vol's local volumes mount nothing). */
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '')
    .filter((p) => p === BASE || p.startsWith(BASE + sep));
  if (mounts.length) console.error(`warning: mounts left under ${BASE}: ${mounts.join(', ')}; not removing it`);
  else rmSync(BASE, { recursive: true, force: true });
}
