// Where a vol command's time goes: runs it under `node --cpu-prof` and prints the self time of the
// top functions and of each module group, averaged over the runs, beside bare `node -e 0`.
//
//   node bench/profile.mjs create          an empty `vol create NAME`, each run on a fresh root
//   node bench/profile.mjs bulk [N]        `ls`, `rm -a`, `prune -f` over N volumes (default 10000)
//
// Start-up phases come from performance.nodeTiming, printed at exit by a preload (-r) file written
// to the temp dir. Knobs: BENCH_PROFILE_RUNS (10 for create, 1 for bulk), BENCH_PROFILE_TOP (15).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fmtMs, intEnv, median, NODE, REPO, table, VOL_BIN, VOL_ENV } from './common.mjs';

const mode = process.argv[2] ?? 'create';
const TOP = intEnv('BENCH_PROFILE_TOP', 15, 1);
const BASE = mkdtempSync(join(tmpdir(), 'vol-profile-'));
const PRELOAD = join(BASE, 'timing.cjs');
let bundleLines; // dist/vol.cjs, split, read once when a frame in it is first seen
// esbuild wraps each CommonJS module in `"node_modules/x.js"(exports, module){` and each lazily
// initialised ES module in `"src/x.ts"(){`; a frame lies in (or after) the last one that starts before it.
const WRAPPER = /"((?:node_modules|src)\/[^"]+)"\((?:exports)?/g;
writeFileSync(PRELOAD, `process.on('exit', () => {
  const t = performance.nodeTiming;
  require('node:fs').writeFileSync(process.env.VOL_BENCH_TIMING, JSON.stringify({
    v8Start: t.v8Start, environment: t.environment, bootstrapComplete: t.bootstrapComplete, exit: performance.now() }));
});\n`);

try {
  if (mode === 'create') profileCreate();
  else if (mode === 'bulk') profileBulk(Number(process.argv[3] ?? 10000));
  else throw new Error(`unknown mode ${mode}: create | bulk [N]`);
} catch (err) {
  console.error(`profile failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(BASE, { recursive: true, force: true });
}

function profileCreate() {
  const runs = intEnv('BENCH_PROFILE_RUNS', 10, 1);
  const node = [];
  const vol = [];
  for (let i = 0; i < runs; i++) {
    node.push(profiled(['-e', '0'], `node-${i}`));
    vol.push(profiled([VOL_BIN, '--root', join(BASE, `root-${i}`), 'create', 'v1'], `create-${i}`));
  }
  report('node -e 0', node);
  report('vol create v1 (empty root, fresh each run)', vol, node);
}

function profileBulk(n) {
  const runs = intEnv('BENCH_PROFILE_RUNS', 1, 1);
  const roots = ['ls', 'rm', 'prune'].map((k) => join(BASE, `bulk-${k}`));
  for (const r of roots.slice(0, runs > 1 ? 1 : 3)) populate(r, n);
  const ls = [];
  for (let i = 0; i < runs; i++) ls.push(profiled([VOL_BIN, '--root', roots[0], 'ls'], `ls-${i}`));
  report(`vol ls over ${n}`, ls);
  if (runs > 1) return;
  report(`vol rm -a over ${n}`, [profiled([VOL_BIN, '--root', roots[1], 'rm', '-a'], 'rm')]);
  report(`vol prune -f over ${n}`, [profiled([VOL_BIN, '--root', roots[2], 'prune', '-f'], 'prune')]);
}

function populate(root, n) {
  const r = spawnSync(NODE, ['--import', 'tsx', join(REPO, 'bench', 'populate.ts'), root, String(n)], { cwd: REPO, env: VOL_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`populate failed: ${r.stderr}`);
}

/** One run under --cpu-prof: wall time, start-up phases and the parsed profile. */
function profiled(args, tag) {
  const dir = join(BASE, `prof-${tag}`);
  const timing = join(BASE, `timing-${tag}.json`);
  const t0 = process.hrtime.bigint();
  const r = spawnSync(NODE, ['--cpu-prof', '--cpu-prof-dir', dir, '-r', PRELOAD, ...args], {
    env: { ...VOL_ENV, VOL_BENCH_TIMING: timing }, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const prof = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]), 'utf8'));
  return { wall, timing: JSON.parse(readFileSync(timing, 'utf8')), ...selfTimes(prof) };
}

/** Self time (ms) per function and per module group, from the samples' time deltas. */
function selfTimes(prof) {
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd]));
  const fn = new Map();
  const group = new Map();
  let total = 0;
  prof.samples.forEach((id, i) => {
    const ms = (prof.timeDeltas[i] ?? 0) / 1000;
    total += ms;
    const { functionName, url, lineNumber, columnNumber } = byId.get(id).callFrame;
    const where = url ? `${shortUrl(url)}:${lineNumber + 1}:${columnNumber + 1}` : '';
    const key = `${functionName || '(anonymous)'}  ${where}${bundleModule(url, lineNumber, columnNumber)}`.trim();
    fn.set(key, (fn.get(key) ?? 0) + ms);
    const g = groupOf(functionName, url, lineNumber, columnNumber);
    group.set(g, (group.get(g) ?? 0) + ms);
  });
  return { fn, group, total };
}

/** For a frame in the (whitespace-minified) bundle: the wrapper before it and the code at the frame. */
function bundleModule(url, line, col) {
  if (!url.endsWith('dist/vol.cjs')) return '';
  bundleLines ??= readFileSync(join(REPO, 'dist', 'vol.cjs'), 'utf8').split('\n');
  const text = bundleLines[line] ?? '';
  const m = [...text.slice(0, col).matchAll(WRAPPER)].pop();
  return ` [after ${m ? m[1] : 'no wrapper'}: ${text.slice(col, col + 50).replace(/\s+/g, ' ')}]`;
}

function shortUrl(url) {
  const u = url.replace(/^file:\/\//, '');
  return u.startsWith(REPO) ? u.slice(REPO.length + 1) : u.startsWith('node:') ? u : basename(u);
}

function groupOf(name, url, line, col) {
  if (!url) return name.startsWith('(') ? name : `native: ${name}`;
  const u = shortUrl(url);
  if (u === 'dist/vol.cjs') return `dist/vol.cjs ${/after (\S+):/.exec(bundleModule(url, line, col))?.[1] ?? ''}`;
  if (u.startsWith('node:')) return u.split('/').slice(0, 2).join('/');
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  return m ? `node_modules/${m[1]}` : u;
}

function report(title, runs, baseline) {
  const n = runs.length;
  const avg = (get) => runs.reduce((s, r) => s + get(r), 0) / n;
  const wall = median(runs.map((r) => r.wall));
  const t = (k) => avg((r) => r.timing[k]);
  console.log(`\n== ${title}: ${n} run(s) under --cpu-prof; wall median ${fmtMs(wall)}` +
    (baseline ? ` (node -e 0: ${fmtMs(median(baseline.map((r) => r.wall)))})` : ''));
  console.log(`phases (ms since process start, mean): V8 up ${t('v8Start').toFixed(1)}, environment ${t('environment').toFixed(1)}, ` +
    `bootstrap done ${t('bootstrapComplete').toFixed(1)}, exit ${t('exit').toFixed(1)}; profiled CPU ${avg((r) => r.total).toFixed(1)} ms`);
  const sum = (key) => [...aggregate(runs, key)].sort((a, b) => b[1] - a[1]);
  const baseGroups = baseline ? aggregate(baseline, 'group') : undefined;
  table(['module group', 'self ms', ...(baseGroups ? ['node -e 0'] : [])],
    sum('group').slice(0, TOP).map(([k, v]) => [k, v.toFixed(2), ...(baseGroups ? [(baseGroups.get(k) ?? 0).toFixed(2)] : [])]));
  console.log('');
  table(['function (self time)', 'self ms'], sum('fn').slice(0, TOP).map(([k, v]) => [k.slice(0, 160), v.toFixed(2)]));
}

/** The mean over the runs of each entry of their `key` map. */
function aggregate(runs, key) {
  const m = new Map();
  for (const r of runs) for (const [k, v] of r[key]) m.set(k, (m.get(k) ?? 0) + v / runs.length);
  return m;
}
