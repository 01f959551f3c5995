// Benchmark of vol, side by side with `podman volume` when podman is installed.
// Run with `npm run bench` (builds dist/vol.cjs first). A script, not a test: it prints figures and
// ratios against the targets and exits 0 unless something could not be measured at all.
//
// Environment knobs:
//   BENCH_N                  volumes for the bulk figures (default 10000)
//   BENCH_STARTUP_RUNS       runs of each start-up command, interleaved (default 30)
//   BENCH_RUNS               runs of each non-destructive bulk command (default 5, after 1 warm-up)
//   BENCH_CREATE_RUNS        single `create` runs of each tool (default 10)
//   BENCH_RM_RUNS            vol `rm -a` runs, each on a fresh population (default 3)
//   BENCH_PRUNE_RUNS         vol `prune -f` runs, each on a fresh population (default 3)
//   BENCH_PODMAN_PRUNE_POP   copy | fresh: podman's prune population (default copy, see README.md)
//   BENCH_QUOTA=0            skip the btrfs size-limit section
//   BENCH_QUOTA_RUNS         `create` runs of each kind on btrfs, plain and size-limited (default 15)
//   BENCH_QUOTA_RM_RUNS      `rm` runs of each kind on btrfs (default 10)
//   BENCH_QUOTA_RM_BUDGET_S  stop the limited `rm` runs once they have taken this long (default 120)
//   BENCH_PODMAN=0           skip podman even when it is installed
//   BENCH_PODMAN_JOBS        parallel `podman volume create` processes (default: CPU count, min 2)
//   BENCH_PODMAN_BUDGET_S    longest podman population allowed before N is cut down (default 900)
//   BENCH_PODMAN_LOCKS       auto | shm | file: podman's lock_type (default auto, see README.md)
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync, existsSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync,
} from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { fmtMs, intEnv, median, NODE, REPO, table, VOL_BIN, VOL_ENV } from './common.mjs';

const POPULATE = join(REPO, 'bench', 'populate.ts');

const N = intEnv('BENCH_N', 10000, 1);
const STARTUP_RUNS = intEnv('BENCH_STARTUP_RUNS', 30, 1);
const RUNS = intEnv('BENCH_RUNS', 5, 1);
const CREATE_RUNS = intEnv('BENCH_CREATE_RUNS', 10, 1);
const RM_RUNS = intEnv('BENCH_RM_RUNS', 3, 1);
const PRUNE_RUNS = intEnv('BENCH_PRUNE_RUNS', 3, 1);
const PODMAN_PRUNE_POP = process.env.BENCH_PODMAN_PRUNE_POP || 'copy';
if (PODMAN_PRUNE_POP !== 'copy' && PODMAN_PRUNE_POP !== 'fresh') throw new Error(`BENCH_PODMAN_PRUNE_POP must be copy or fresh, got ${JSON.stringify(PODMAN_PRUNE_POP)}`);
const QUOTA = process.env.BENCH_QUOTA !== '0';
const QUOTA_RUNS = intEnv('BENCH_QUOTA_RUNS', 15, 1);
const QUOTA_RM_RUNS = intEnv('BENCH_QUOTA_RM_RUNS', 10, 1);
const QUOTA_RM_BUDGET_S = intEnv('BENCH_QUOTA_RM_BUDGET_S', 120, 1);
const QUOTA_SIZE = '10M';
const PODMAN_JOBS = intEnv('BENCH_PODMAN_JOBS', Math.max(2, availableParallelism()), 1);
const PODMAN_BUDGET_S = intEnv('BENCH_PODMAN_BUDGET_S', 900, 1);
const LABEL_EVERY = 10;
const LABEL_KEY = 'bench.tenth';
const START_TARGET = 1.3;
const BULK_TARGET = 0.5;
// vol/podman targets of the bulk commands (issue "bulk work near the file system's floor"); the
// label filter's is looser, as Node's start-up is about half of podman's whole time there.
const TARGETS = { ls: 0.25, filter: 0.6, inspect: 0.25, rm: 0.25, prune: 0.25 };
/** `ls` and `inspect --all` over N volumes: at most this many ms above an empty `ls` (database, no volume). */
const OVER_EMPTY_MS = 30;
const CREATE_NODE_TARGET = 1.3; // one create against bare `node -e 0`

const benchStarted = process.hrtime.bigint();
const BASE = mkdtempSync(join(tmpdir(), 'vol-bench-'));
let createdShmSegment; // path of the podman SHM lock segment this run created, removed at the end
let cleanedUp = false;
let lastStderr = ''; // stderr of the last timeRun
let quotaSummary = ''; // one line for the summary, when the btrfs section measured something


process.on('SIGINT', () => { cleanup(); process.exit(130); });
process.on('SIGTERM', () => { cleanup(); process.exit(143); });

try {
  await main();
} catch (err) {
  console.error(`\nbench failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  cleanup();
}

async function main() {
  if (!existsSync(join(REPO, 'dist', 'vol.cjs'))) throw new Error('dist/vol.cjs is missing: run `npm run bench` (it builds first)');
  const podman = detectPodman();

  // Every vol population is made first, right after `npm run build`: populate.ts runs vol's live
  // sources while the CLI runs the bundle, and both should be the same snapshot of src/.
  const volRoot = join(BASE, 'vol-bulk');
  const rmRoots = [volRoot];
  for (let i = 1; i < RM_RUNS; i++) rmRoots.push(join(BASE, `vol-rm-${i}`));
  const pops = rmRoots.map((root) => populateVol(root));
  const pop = pops[0];
  const pruneRoots = [];
  for (let i = 0; i < PRUNE_RUNS; i++) pruneRoots.push(join(BASE, `vol-prune-${i}`));
  const prunePops = pruneRoots.map((root) => populateVol(root));

  header();
  console.log(`node ${process.version}, ${availableParallelism()} CPUs, temp dir under ${tmpdir()}`);
  console.log(podman.ok ? `Podman: ${podman.version} (${podman.note})` : `Podman: ${podman.reason}; vol's figures are shown alone.`);
  console.log('All times are wall-clock times of a spawned process (stdout to /dev/null), from spawn to exit.');

  // ---- 1. start-up -------------------------------------------------------------------------------
  section('1. Start-up: `vol ls` on an empty root vs bare `node -e 0`');
  const fresh = join(BASE, 'vol-never-used'); // never touched: no root, no database
  const emptied = join(BASE, 'vol-emptied'); // database exists, zero volumes
  mustRun(NODE, [VOL_BIN, '--root', emptied, 'create', 'bench-tmp'], VOL_ENV);
  mustRun(NODE, [VOL_BIN, '--root', emptied, 'rm', 'bench-tmp'], VOL_ENV);
  if (!existsSync(join(emptied, 'vol.db'))) console.log(`note: ${emptied}/vol.db does not exist after create+rm`);
  const startCmds = [
    { key: 'node', cmd: NODE, args: ['-e', '0'], env: VOL_ENV },
    { key: 'fresh', cmd: NODE, args: [VOL_BIN, '--root', fresh, 'ls'], env: VOL_ENV },
    { key: 'emptied', cmd: NODE, args: [VOL_BIN, '--root', emptied, 'ls'], env: VOL_ENV },
  ];
  let podmanEmpty;
  if (podman.ok) {
    podmanEmpty = podman.store('empty-ls');
    startCmds.push({ key: 'podman', cmd: 'podman', args: podmanEmpty.args('volume', 'ls'), env: podman.env });
  }
  for (const c of startCmds) timeRun(c.cmd, c.args, c.env); // warm-up (page cache, podman store init)
  if (existsSync(fresh)) console.log(`note: \`vol ls\` created ${fresh}; the "never used" root is only never-used on the first run`);
  const st = Object.fromEntries(startCmds.map((c) => [c.key, []]));
  for (let i = 0; i < STARTUP_RUNS; i++) {
    // Interleaved, with the order rotated each round so no command always runs first.
    for (let j = 0; j < startCmds.length; j++) {
      const c = startCmds[(i + j) % startCmds.length];
      st[c.key].push(timeRun(c.cmd, c.args, c.env));
    }
  }
  const nodeMed = median(st.node);
  const rows1 = [
    ['node -e 0', fmtStats(st.node), '', '', ''],
    ['vol ls (never-used root, no db)', fmtStats(st.fresh), ratio(median(st.fresh), nodeMed), `<= ${START_TARGET}`, verdict(median(st.fresh) / nodeMed, START_TARGET)],
    ['vol ls (db exists, 0 volumes)', fmtStats(st.emptied), ratio(median(st.emptied), nodeMed), `<= ${START_TARGET}`, verdict(median(st.emptied) / nodeMed, START_TARGET)],
  ];
  if (podman.ok) rows1.push(['podman volume ls (empty; context)', fmtStats(st.podman), ratio(median(st.podman), nodeMed), '', '']);
  table(['command', `median (min-max) of ${STARTUP_RUNS}`, 'ratio to node -e 0', 'target', ''], rows1);

  // ---- 2a. single create -------------------------------------------------------------------------
  section('2. Bulk and single-volume commands');
  console.log(`\n2a. One \`create\` on a small root (median of ${CREATE_RUNS}, after one warm-up create, alternating vol/podman)`);
  const volCreateRoot = join(BASE, 'vol-create');
  timeRun(NODE, [VOL_BIN, '--root', volCreateRoot, 'create', 'warm'], VOL_ENV, true);
  const pCreate = podman.ok ? podman.store('create') : undefined;
  if (pCreate) timeRun('podman', pCreate.args('volume', 'create', 'warm'), podman.env, true);
  const vc = [];
  const pc = [];
  for (let i = 1; i <= CREATE_RUNS; i++) {
    vc.push(timeRun(NODE, [VOL_BIN, '--root', volCreateRoot, 'create', `c${i}`], VOL_ENV, true));
    if (pCreate) pc.push(timeRun('podman', pCreate.args('volume', 'create', `c${i}`), podman.env, true));
  }
  const createRow = ['create NAME', fmtStats(vc), pCreate ? fmtStats(pc) : 'n/a', pCreate ? ratio(median(vc), median(pc)) : '', pCreate ? `<= ${BULK_TARGET}` : '', pCreate ? verdict(median(vc) / median(pc), BULK_TARGET) : ''];
  table(['command', 'vol', 'podman', 'vol/podman', 'target', ''], [createRow]);
  const createNodeRow = ['create NAME / node -e 0', fmtMs(median(vc)), fmtMs(nodeMed), ratio(median(vc), nodeMed), `<= ${CREATE_NODE_TARGET}`, verdict(median(vc) / nodeMed, CREATE_NODE_TARGET)];
  table(['command', 'vol', 'node -e 0 (section 1)', 'ratio', 'target', ''], [createNodeRow]);

  // ---- 2b. populations ---------------------------------------------------------------------------
  console.log(`\n2b. Populations (N = ${N}; every ${LABEL_EVERY}th volume has the label ${LABEL_KEY}=1)`);
  console.log(`vol:    ${N} volumes made in-process by bench/populate.ts through vol's engine API`);
  console.log(`        (Engine.create in a loop: the code path of \`vol create\` minus process start-up, sequential);`);
  console.log(`        ${RM_RUNS + PRUNE_RUNS} such roots (one per \`rm -a\` run, one per \`prune -f\` run), all made at the start of the bench;`);
  console.log(`        first in ${fmtMs(pop.ms)} = ${fmtMs(pop.ms / N)} per volume (each: ${[...pops, ...prunePops].map((p) => fmtMs(p.ms / N)).join(', ')});`);
  console.log(`        \`vol ls -q\` lists ${pop.count} volumes, label filter ${pop.labelled}`);

  let pm; // podman population, if any
  let pmSnap; // copy of it for prune (BENCH_PODMAN_PRUNE_POP=copy)
  let pm2; // or a second population for prune (BENCH_PODMAN_PRUNE_POP=fresh)
  if (podman.ok) {
    pm = await populatePodman(podman);
    console.log(`podman: ${pm.n} volumes made by spawning \`podman volume create\` ${pm.n} times, ${PODMAN_JOBS} processes in parallel`);
    console.log(`        (probe of ${pm.probeN}: ${fmtMs(pm.probePerVol)} per volume; estimate for ${N}: ${fmtMs(pm.estimateMs)}, budget ${PODMAN_BUDGET_S} s)`);
    console.log(`        in ${fmtMs(pm.ms)} = ${fmtMs(pm.ms / pm.n)} per volume; \`podman volume ls -q\` lists ${pm.count} volumes, label filter ${pm.labelled}`);
    if (pm.n < N) {
      console.log(`        NOTE: podman N = ${pm.n} < ${N}: podman times below are SCALED linearly by ${N}/${pm.n} (marked "scaled")`);
    }
    // `rm -a` consumes that population and `prune -f` needs one of its own. Making a second one
    // costs as long as the first, so by default the first is copied right away (its store dir, and
    // its SHM lock segment when this run created it) and put back after `rm -a`.
    let mode = PODMAN_PRUNE_POP;
    if (mode === 'copy' && podman.lockType === 'shm' && !createdShmSegment) {
      mode = 'fresh';
      console.log(`        (prune population: not a copy, as the SHM lock segment ${podman.shmPath} is not this run's to restore)`);
    }
    if (mode === 'copy') {
      pmSnap = snapshotPodman(podman, pm);
      console.log(`podman prune population: a copy of the one above, taken right after it was made (cp -a of its store dir,`);
      console.log(`        ${pmSnap.shm ? `plus the bytes of the SHM lock segment ${podman.shmPath}` : 'whose --tmpdir holds its file locks'}) in ${fmtMs(pmSnap.ms)};`);
      console.log(`        put back in place of the first after \`rm -a\` (BENCH_PODMAN_PRUNE_POP=fresh makes a second population instead)`);
    } else {
      pm2 = await populatePodman(podman, 'prune', pm.n);
      console.log(`podman prune population: a second one, made the same way: ${pm2.n} volumes in ${fmtMs(pm2.ms)} = ${fmtMs(pm2.ms / pm2.n)} per volume;`);
      console.log(`        \`podman volume ls -q\` lists ${pm2.count} volumes, label filter ${pm2.labelled}`);
    }
  }

  // ---- 2c. bulk commands -------------------------------------------------------------------------
  console.log(`\n2c. Commands over N = ${N} volumes (median of ${RUNS} after one warm-up; vol and podman alternate)`);
  const bulk = [
    { label: 'ls', args: ['ls'], pargs: ['volume', 'ls'], target: TARGETS.ls, overEmpty: true },
    { label: `ls --filter label=${LABEL_KEY}`, args: ['ls', '--filter', `label=${LABEL_KEY}`], pargs: ['volume', 'ls', '--filter', `label=${LABEL_KEY}`], target: TARGETS.filter },
    { label: 'inspect --all', args: ['inspect', '--all'], pargs: ['volume', 'inspect', '--all'], target: TARGETS.inspect, overEmpty: true },
  ];
  const rows2 = [];
  const overEmpty = [];
  for (const b of bulk) {
    const vargs = [VOL_BIN, '--root', volRoot, ...b.args];
    timeRun(NODE, vargs, VOL_ENV, true);
    if (pm) timeRun('podman', pm.store.args(...b.pargs), podman.env, true);
    const vt = [];
    const pt = [];
    const et = []; // an empty `ls`, in the same rounds
    for (let i = 0; i < RUNS; i++) {
      vt.push(timeRun(NODE, vargs, VOL_ENV, true));
      if (b.overEmpty) et.push(timeRun(NODE, [VOL_BIN, '--root', emptied, 'ls'], VOL_ENV, true));
      if (pm) pt.push(timeRun('podman', pm.store.args(...b.pargs), podman.env, true));
    }
    rows2.push(bulkRow(b.label, vt, pt, pm, b.target));
    if (b.overEmpty) {
      const over = median(vt) - median(et);
      overEmpty.push([`${b.label} - empty ls`, fmtStats(vt), fmtStats(et), fmtMs(over), `<= ${OVER_EMPTY_MS} ms`, verdict(over, OVER_EMPTY_MS)]);
    }
  }

  // rm -a: destructive, so each vol run has its own population; podman's one run is on its population
  // after the read-only commands above (they change nothing), as a new one would take minutes.
  const vrm = [];
  for (const root of rmRoots) {
    flushWrites();
    vrm.push(timeRun(NODE, [VOL_BIN, '--root', root, 'rm', '-a'], VOL_ENV, true));
    const left = countLines(NODE, [VOL_BIN, '--root', root, 'ls', '-q'], VOL_ENV);
    if (left !== 0) console.log(`note: ${left} vol volumes left after rm -a`);
  }
  const prm = [];
  if (pm) {
    flushWrites();
    prm.push(timeRun('podman', pm.store.args('volume', 'rm', '-a'), podman.env, true));
    const left = countLines('podman', pm.store.args('volume', 'ls', '-q'), podman.env);
    if (left !== 0) console.log(`note: ${left} podman volumes left after rm -a`);
  }
  rows2.push(bulkRow(`rm -a (vol: ${RM_RUNS} runs, 1 root each; podman: 1 run)`, vrm, prm, pm, TARGETS.rm));
  const podmanHead = pm && pm.n < N ? `podman (N=${pm.n}, scaled to ${N})` : 'podman';
  table(['command', 'vol', podmanHead, 'vol/podman', 'target', ''], rows2);
  console.log(`\nvol over N = ${N} against an empty \`vol ls\` (database, no volume) run in the same rounds; difference of the medians`);
  table(['command', `vol @${N}`, 'empty ls', 'difference', 'target', ''], overEmpty);

  // ---- 3. prune ----------------------------------------------------------------------------------
  section('3. Prune: `prune -f` over N unused volumes');
  console.log(`vol: ${PRUNE_RUNS} runs, each on its own root made by bench/populate.ts at the start (like the \`rm -a\` roots).`);
  if (pm) {
    console.log(pmSnap
      ? 'podman: 1 run, on the copy of its population (made right after the population) put back after `rm -a` above.'
      : 'podman: 1 run, on its second population (made right after the first, the same way).');
  }
  const vpr = [];
  for (const root of pruneRoots) {
    flushWrites();
    vpr.push(timeRun(NODE, [VOL_BIN, '--root', root, 'prune', '-f'], VOL_ENV, true));
    const left = countLines(NODE, [VOL_BIN, '--root', root, 'ls', '-q'], VOL_ENV);
    if (left !== 0) console.log(`note: ${left} vol volumes left after prune -f`);
  }
  const ppr = [];
  if (pm) {
    let s = pm2?.store;
    if (pmSnap) {
      const ms = restorePodman(podman, pm, pmSnap);
      s = pm.store;
      const count = countLines('podman', s.args('volume', 'ls', '-q'), podman.env);
      console.log(`podman: copy put back in ${fmtMs(ms)}; \`podman volume ls -q\` lists ${count} volumes`);
      if (count !== pm.n) throw new Error(`podman volume ls -q lists ${count} volumes in the restored copy, expected ${pm.n}`);
    }
    flushWrites();
    ppr.push(timeRun('podman', s.args('volume', 'prune', '-f'), podman.env, true));
    if (lastStderr.trim()) console.log(`note: podman volume prune -f wrote to stderr: ${lastStderr.trim().split('\n').slice(0, 3).join(' | ')}`);
    const left = countLines('podman', s.args('volume', 'ls', '-q'), podman.env);
    if (left !== 0) console.log(`note: ${left} podman volumes left after prune -f`);
  }
  const rows3 = [bulkRow(`prune -f (vol: ${PRUNE_RUNS} runs, 1 root each; podman: 1 run)`, vpr, ppr, pm, TARGETS.prune)];
  table(['command', 'vol', podmanHead, 'vol/podman', 'target', ''], rows3);

  // ---- 4. size limits on btrfs -------------------------------------------------------------------
  section('4. Size limits on btrfs: `create --opt size=` and `rm` (vol only)');
  if (!QUOTA) console.log('Skipped (BENCH_QUOTA=0).');
  else {
    try {
      quotaSection();
    } catch (err) {
      console.log(`Quota section failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    }
  }

  // ---- summary -----------------------------------------------------------------------------------
  section('Summary');
  const misses = [...rows1, createRow, createNodeRow, ...rows2, ...overEmpty, ...rows3].filter((r) => r.includes('MISSES')).map((r) => r[0]);
  console.log(misses.length ? `Misses its target: ${misses.join('; ')}` : 'Every measured figure meets its target.');
  if (quotaSummary) console.log(quotaSummary);
  if (!podman.ok) console.log('Podman was not found (or not usable), so the vol/podman targets were not checked.');
  console.log(`Whole bench run: ${fmtMs(Number(process.hrtime.bigint() - benchStarted) / 1e6)} (including populations).`);
}

// ---- vol population -----------------------------------------------------------------------------

function populateVol(root) {
  const r = spawnSync(NODE, ['--import', 'tsx', POPULATE, root, String(N), String(LABEL_EVERY), LABEL_KEY], {
    cwd: REPO, env: VOL_ENV, encoding: 'utf8', maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`bench/populate.ts failed (${r.status}; is src/ mid-edit?): ${r.stderr}`);
  const info = JSON.parse(r.stdout.trim().split('\n').pop());
  const count = countLines(NODE, [VOL_BIN, '--root', root, 'ls', '-q'], VOL_ENV);
  if (count !== N) throw new Error(`vol ls -q lists ${count} volumes after populating ${N}`);
  const labelled = countLines(NODE, [VOL_BIN, '--root', root, 'ls', '-q', '--filter', `label=${LABEL_KEY}`], VOL_ENV);
  if (labelled !== Math.floor(N / LABEL_EVERY)) throw new Error(`label filter lists ${labelled}, expected ${Math.floor(N / LABEL_EVERY)}`);
  return { ms: info.ms, count, labelled };
}

// ---- podman -------------------------------------------------------------------------------------

function detectPodman() {
  if (process.env.BENCH_PODMAN === '0') return { ok: false, reason: 'skipped (BENCH_PODMAN=0)' };
  const v = spawnSync('podman', ['--version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return { ok: false, reason: 'podman was not found on PATH' };
  const version = v.stdout.trim();

  // Podman's volume locks: SHM (its default) lives in one segment shared by every podman of this
  // user, sized by num_locks (default 2048, too few for N volumes). Use SHM with enough locks only
  // when no segment exists yet (so no other podman is using one), and remove it at the end;
  // otherwise use file locks, which live in this run's --tmpdir.
  const uid = process.getuid?.() ?? 0;
  const shmPath = uid === 0 ? '/dev/shm/libpod_lock' : `/dev/shm/libpod_rootless_lock_${uid}`;
  const hadShm = existsSync(shmPath);
  const want = process.env.BENCH_PODMAN_LOCKS ?? 'auto';
  let lockType;
  if (want === 'shm' || want === 'file') lockType = want;
  else lockType = hadShm ? 'file' : 'shm';
  const numLocks = N + 4096;

  const dir = join(BASE, 'podman-config');
  mkdirSync(dir, { recursive: true });
  const confFile = join(dir, 'containers.conf');
  writeFileSync(confFile, `[engine]\nlock_type = "${lockType}"\nnum_locks = ${numLocks}\nevents_logger = "none"\ncgroup_manager = "cgroupfs"\n`);
  // storage.conf only satisfies podman's "driver option must be set" check: the flags of every
  // store below override its paths, which point into this config dir and stay unused.
  const storageConf = join(dir, 'storage.conf');
  writeFileSync(storageConf, `[storage]\ndriver = "vfs"\ngraphroot = "${join(dir, 'unused-root')}"\nrunroot = "${join(dir, 'unused-runroot')}"\n`);
  const env = { ...process.env, CONTAINERS_CONF: confFile, CONTAINERS_STORAGE_CONF: storageConf };
  let storeSeq = 0;
  const store = (name) => {
    const d = join(BASE, `podman-${name}-${storeSeq++}`);
    const tmp = join(d, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const g = ['--root', join(d, 'root'), '--runroot', join(d, 'runroot'), '--tmpdir', tmp,
      '--storage-driver', 'vfs', '--events-backend', 'none', '--cgroup-manager', 'cgroupfs'];
    return { dir: d, args: (...a) => [...g, ...a] };
  };
  const probe = store('probe');
  const r = spawnSync('podman', probe.args('volume', 'ls'), { env, encoding: 'utf8' });
  if (lockType === 'shm' && !hadShm && existsSync(shmPath)) createdShmSegment = shmPath;
  if (r.status !== 0) return { ok: false, reason: `podman is installed (${version}) but failed: ${(r.stderr || String(r.error)).trim()}` };
  const note = `own storage per test under the temp dir: --root/--runroot/--tmpdir, --storage-driver vfs, ` +
    `--events-backend none, --cgroup-manager cgroupfs; lock_type ${lockType}` +
    (lockType === 'shm' ? ` (num_locks ${numLocks}, segment ${shmPath} removed at the end)` : ` (locks in --tmpdir${hadShm ? `; ${shmPath} exists and belongs to another podman` : ''})`);
  return { ok: true, version, env, store, note, lockType, shmPath };
}

/** Makes a podman population of N volumes (or of `fixedN`, with no probe-based cut). */
async function populatePodman(podman, name = 'bulk', fixedN = undefined) {
  const s = podman.store(name);
  const width = Math.max(6, String(N).length);
  const argsFor = (i) => {
    const label = i % LABEL_EVERY === 0 ? ['--label', `${LABEL_KEY}=1`] : [];
    return s.args('volume', 'create', ...label, `bench-${String(i).padStart(width, '0')}`);
  };
  // Probe: the first volumes of the population, timed, to estimate the whole.
  const probeN = Math.min(fixedN ?? N, Math.max(50, Math.min(200, Math.ceil(N / 20))));
  const t0 = process.hrtime.bigint();
  await pool(1, probeN, argsFor, podman.env);
  const probeMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const probePerVol = probeMs / probeN;
  const estimateMs = probePerVol * N * 1.15; // margin: later creates are a little slower (larger state)
  let n = fixedN ?? N;
  if (fixedN === undefined && estimateMs > PODMAN_BUDGET_S * 1000) {
    n = Math.max(probeN, Math.floor((PODMAN_BUDGET_S * 1000) / (probePerVol * 1.15) / 100) * 100);
  }
  await pool(probeN + 1, n, argsFor, podman.env);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const count = countLines('podman', s.args('volume', 'ls', '-q'), podman.env);
  if (count !== n) throw new Error(`podman volume ls -q lists ${count} volumes after creating ${n}`);
  const labelled = countLines('podman', s.args('volume', 'ls', '-q', '--filter', `label=${LABEL_KEY}`), podman.env);
  return { store: s, n, ms, count, labelled, probeN, probePerVol, estimateMs };
}

/**
 * Copies a podman population so that it can be put back once `rm -a` has consumed it: its whole
 * store dir (--root, --runroot, --tmpdir: paths are recorded in its database, so the copy must later
 * sit at the same path) and, with SHM locks, the bytes of the lock segment, whose bitmap says which
 * locks the volumes hold. Only done when this run created that segment, so no other podman uses it;
 * nothing may allocate or free podman locks between this and restorePodman (nothing does).
 */
function snapshotPodman(podman, pm) {
  const t0 = process.hrtime.bigint();
  const copy = `${pm.store.dir}.copy`;
  mustRun('cp', ['-a', pm.store.dir, copy], process.env);
  const shm = podman.lockType === 'shm' ? readFileSync(podman.shmPath) : undefined;
  flushWrites(); // the copy's writes, before anything is timed
  return { copy, shm, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}

/** Puts the copy made by snapshotPodman back in place of the (emptied) population. */
function restorePodman(podman, pm, snap) {
  const t0 = process.hrtime.bigint();
  rmSync(pm.store.dir, { recursive: true, force: true });
  renameSync(snap.copy, pm.store.dir);
  if (snap.shm) {
    // Same size, written in place (no podman runs now, so no process has it mapped or locked).
    const fd = openSync(podman.shmPath, 'r+');
    try {
      writeSync(fd, snap.shm, 0, snap.shm.length, 0);
    } finally {
      closeSync(fd);
    }
  }
  flushWrites();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Runs `podman <argsFor(i)>` for i in [from, to] with PODMAN_JOBS processes at a time. */
function pool(from, to, argsFor, env) {
  return new Promise((resolve, reject) => {
    let next = from;
    let running = 0;
    let failed = false;
    let done = from - 1;
    const total = to - from + 1;
    const progressEvery = Math.max(1000, Math.ceil(total / 10));
    const startOne = () => {
      const i = next++;
      running++;
      const child = spawn('podman', argsFor(i), { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (d) => { err += d; });
      child.on('error', (e) => { failed = true; reject(e); });
      child.on('close', (code) => {
        running--;
        if (failed) return;
        if (code !== 0) { failed = true; reject(new Error(`podman ${argsFor(i).slice(-1)[0]} create failed (${code}): ${err.trim()}`)); return; }
        done++;
        if (total >= 2000 && done % progressEvery === 0) process.stderr.write(`  podman: ${done}/${to} volumes\n`);
        if (next <= to) startOne();
        else if (running === 0) resolve();
      });
    };
    if (total <= 0) { resolve(); return; }
    for (let k = 0; k < Math.min(PODMAN_JOBS, total); k++) startOne();
  });
}

// ---- size limits on btrfs -----------------------------------------------------------------------

/** Makes a loop-mounted btrfs with quotas in a temp dir, measures on it, and always unmounts and removes it. */
function quotaSection() {
  const skip = (why) => console.log(`Skipped: ${why}.`);
  const mkfs = findTool('mkfs.btrfs', ['/usr/sbin', '/sbin', '/usr/local/sbin']);
  if (!mkfs) return skip('mkfs.btrfs was not found (on PATH, /usr/sbin or /sbin; it comes with btrfs-progs), so no btrfs can be made');
  if (!findTool('btrfs')) return skip('the btrfs tool is not on PATH (vol runs it to set limits; it comes with btrfs-progs)');
  if ((process.getuid?.() ?? 0) !== 0) return skip('mounting a loop device needs root');
  const dir = mkdtempSync(join(BASE, 'btrfs-'));
  const img = join(dir, 'btrfs.img');
  const mnt = join(dir, 'mnt');
  let loopDev = '';
  try {
    const fd = openSync(img, 'w');
    try {
      ftruncateSync(fd, 1 << 30); // sparse 1 GiB image
    } finally {
      closeSync(fd);
    }
    const mk = spawnSync(mkfs, ['-q', img], { encoding: 'utf8' });
    if (mk.error || mk.status !== 0) return skip(`mkfs.btrfs failed (${mk.status ?? mk.error}): ${(mk.stderr ?? '').trim()}`);
    mkdirSync(mnt);
    const mo = spawnSync('mount', ['-o', 'loop', img, mnt], { encoding: 'utf8' });
    if (mo.error || mo.status !== 0) return skip(`mount -o loop failed (${mo.status ?? mo.error}; no loop device, or no btrfs in this kernel?): ${(mo.stderr ?? '').trim()}`);
    loopDev = spawnSync('findmnt', ['-n', '-o', 'SOURCE', mnt], { encoding: 'utf8' }).stdout?.trim() || 'a loop device';
    const qe = spawnSync('btrfs', ['quota', 'enable', mnt], { encoding: 'utf8' });
    if (qe.error || qe.status !== 0) return skip(`btrfs quota enable failed (${qe.status ?? qe.error}): ${(qe.stderr ?? '').trim()}`);
    const progs = spawnSync('btrfs', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '?';
    console.log(`File system: 1 GiB sparse image, mkfs.btrfs -q, mount -o loop (${loopDev}), btrfs quota enable; ${progs}, kernel ${release()}.`);
    measureQuota(mnt);
  } finally {
    const released = unmountLoop(mnt, loopDev);
    if (mountsUnder(dir).length === 0) rmSync(dir, { recursive: true, force: true });
    if (loopDev) {
      console.log(released && !existsSync(dir)
        ? `Unmounted with umount -d (${loopDev} detached) and removed the temp dir.`
        : `warning: could not unmount ${mnt} or remove ${dir}; the final clean-up tries again`);
    }
  }
}

function measureQuota(mnt) {
  const root = join(mnt, 'root');
  const vol = (...a) => [NODE, [VOL_BIN, '--root', root, ...a], VOL_ENV];
  const limitBytes = 10 * 1024 * 1024;
  const limitedQgroups = () => mustRun('btrfs', ['qgroup', 'show', '-r', '--raw', mnt], process.env)
    .split('\n').filter((l) => l.trim().split(/\s+/)[3] === String(limitBytes)).length;

  // Warm-up, and a check that a limited create really sets a btrfs limit (a qgroup with max_rfer 10M).
  timeRun(...vol('create', 'warm-plain'));
  timeRun(...vol('create', '--opt', `size=${QUOTA_SIZE}`, 'warm-limited'));
  const backend = /^QuotaBackend:\s*(\S+)/m.exec(mustRun(...vol('info')))?.[1] ?? '?';
  if (limitedQgroups() !== 1) throw new Error(`after \`vol create --opt size=${QUOTA_SIZE}\`, btrfs shows ${limitedQgroups()} qgroups limited to ${limitBytes} bytes, expected 1 (vol info: QuotaBackend ${backend})`);
  console.log(`vol --root ${root}: \`vol info\` says QuotaBackend ${backend}; a limited create makes a qgroup with max_rfer ${limitBytes} (checked).`);

  console.log(`\nCreates: ${QUOTA_RUNS} of each, alternating (order swapped each round), fresh names, after one warm-up of each.`);
  const pc = [];
  const lc = [];
  for (let i = 1; i <= QUOTA_RUNS; i++) {
    const plain = () => pc.push(timeRun(...vol('create', `plain-${i}`)));
    const limited = () => lc.push(timeRun(...vol('create', '--opt', `size=${QUOTA_SIZE}`, `limited-${i}`)));
    if (i % 2) { plain(); limited(); } else { limited(); plain(); }
  }
  const nq = limitedQgroups();
  if (nq !== QUOTA_RUNS + 1) throw new Error(`btrfs shows ${nq} qgroups limited to ${limitBytes} bytes after ${QUOTA_RUNS + 1} limited creates`);

  // rm of those volumes. A limited rm may wait for btrfs (deleting a subvolume and its qgroup), so
  // its runs stop once they have taken QUOTA_RM_BUDGET_S together.
  const rmRuns = Math.min(QUOTA_RM_RUNS, QUOTA_RUNS);
  timeRun(...vol('rm', 'warm-plain')); // warm-up (plain only: a limited one may cost as much as a run)
  const pr = [];
  const lr = [];
  let lrTotal = 0;
  let cutAfter = 0;
  for (let i = 1; i <= rmRuns; i++) {
    const plain = () => pr.push(timeRun(...vol('rm', `plain-${i}`)));
    const limited = () => {
      if (cutAfter) return;
      const ms = timeRun(...vol('rm', `limited-${i}`));
      lr.push(ms);
      lrTotal += ms;
      if (lrTotal >= QUOTA_RM_BUDGET_S * 1000 && i < rmRuns) cutAfter = i;
    };
    if (i % 2) { plain(); limited(); } else { limited(); plain(); }
  }
  const left = limitedQgroups();
  console.log(`Removes: ${rmRuns} of each planned, alternating, after one warm-up plain rm; ${left} limited qgroups left after them` +
    ` (${QUOTA_RUNS + 1 - lr.length} limited volumes not removed).`);
  if (cutAfter) {
    console.log(`NOTE: limited rm stopped after ${lr.length} of ${rmRuns} runs: they took ${fmtMs(lrTotal)} together, ` +
      `past BENCH_QUOTA_RM_BUDGET_S=${QUOTA_RM_BUDGET_S}.`);
  }

  const cm = [median(pc), median(lc)];
  const rm = [median(pr), median(lr)];
  table(['command (on btrfs with quotas)', 'runs', 'median (min-max)', 'limited/plain', 'limit adds'], [
    ['create NAME', pc.length, fmtStats(pc), '', ''],
    [`create --opt size=${QUOTA_SIZE} NAME`, lc.length, fmtStats(lc), ratio(cm[1], cm[0]), fmtMs(cm[1] - cm[0])],
    ['rm NAME (plain volume)', pr.length, fmtStats(pr), '', ''],
    [`rm NAME (size=${QUOTA_SIZE} volume)`, lr.length, fmtStats(lr), ratio(rm[1], rm[0]), fmtMs(rm[1] - rm[0])],
  ]);
  if (rm[1] > 5000) {
    console.log(`NOTE: a limited rm takes ${fmtMs(rm[1])}; btrfs commits a transaction every 30 s by default (mount option commit=),` +
      ' and a deleted subvolume is only cleaned up after a commit: a wait this long suggests the rm waits for that.');
  }
  quotaSummary = `btrfs size limit: create ${ratio(cm[1], cm[0])}x a plain create (+${fmtMs(cm[1] - cm[0])}), ` +
    `rm ${ratio(rm[1], rm[0])}x a plain rm (+${fmtMs(rm[1] - rm[0])}).`;
}

/** `umount -d` (retried while busy, then lazily); true when the mount is gone and the loop device is freed. */
function unmountLoop(mnt, loopDev) {
  const mounted = () => mountsUnder(mnt).length > 0;
  for (let i = 0; i < 5 && mounted(); i++) {
    if (i > 0) spawnSync('sleep', ['1']);
    spawnSync('umount', ['-d', mnt], { stdio: 'ignore' });
  }
  if (mounted()) spawnSync('umount', ['-l', '-d', mnt], { stdio: 'ignore' });
  if (mounted()) return false;
  if (!loopDev.startsWith('/dev/loop')) return true;
  const still = spawnSync('losetup', ['-n', '-O', 'BACK-FILE', loopDev], { encoding: 'utf8' });
  return still.status !== 0 || !still.stdout.includes(mnt.slice(0, -'/mnt'.length));
}

function findTool(name, extraDirs = []) {
  for (const d of [...(process.env.PATH ?? '').split(delimiter), ...extraDirs]) {
    if (d && existsSync(join(d, name))) return join(d, name);
  }
  return undefined;
}

// ---- measuring ----------------------------------------------------------------------------------

/** Wall time in ms of one spawned command, stdout discarded; a failing command is an error if `check`. */
function timeRun(cmd, args, env, check = true) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  lastStderr = String(r.stderr ?? '');
  if (check && (r.error || r.status !== 0)) {
    throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}): ${String(r.stderr ?? '').trim()}`);
  }
  return ms;
}

/**
 * Flushes the dirty pages of what ran before (populations, copies, the last removal) so that a
 * removal timed next does not also wait for the write-back of another's work.
 */
function flushWrites() {
  spawnSync('sync', [], { stdio: 'ignore' });
}

function mustRun(cmd, args, env) {
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.error}): ${(r.stderr ?? '').trim()}`);
  return r.stdout;
}

function countLines(cmd, args, env) {
  return mustRun(cmd, args, env).split('\n').filter((l) => l.length > 0).length;
}


function bulkRow(label, vt, pt, pm, target = BULK_TARGET) {
  const v = median(vt);
  if (!pm) return [label, fmtStats(vt), 'n/a', '', '', ''];
  const scale = N / pm.n;
  const p = median(pt) * scale;
  const ptxt = scale === 1 ? fmtStats(pt) : `${fmtMs(p)} scaled (${fmtMs(median(pt))} @ N=${pm.n})`;
  return [label, fmtStats(vt), ptxt, ratio(v, p), `<= ${target}`, verdict(v / p, target)];
}

// ---- output -------------------------------------------------------------------------------------

function header() {
  console.log(`vol benchmark  (N = ${N}, start-up runs = ${STARTUP_RUNS}, bulk runs = ${RUNS}, create runs = ${CREATE_RUNS}, ` +
    `vol rm -a runs = ${RM_RUNS}, vol prune runs = ${PRUNE_RUNS}, btrfs create/rm runs = ${QUOTA_RUNS}/${QUOTA_RM_RUNS})`);
}

function section(title) {
  console.log(`\n== ${title} ${'='.repeat(Math.max(3, 96 - title.length))}`);
}



function fmtStats(xs) {
  if (xs.length === 1) return fmtMs(xs[0]);
  return `${fmtMs(median(xs))} (${fmtMs(Math.min(...xs))}-${fmtMs(Math.max(...xs))})`;
}

function ratio(a, b) {
  return Number.isFinite(a / b) ? (a / b).toFixed(2) : 'n/a';
}

function verdict(r, target) {
  return Number.isFinite(r) ? (r <= target ? 'ok' : 'MISSES') : '';
}


// ---- cleanup ------------------------------------------------------------------------------------

/** Removes everything this run made: mounts under the temp dir first, then the dir, then the SHM segment. */
function cleanup() {
  if (cleanedUp) return;
  cleanedUp = true;
  const mounts = mountsUnder(BASE);
  // -d also frees a loop device (the btrfs image of section 4, if it is still mounted after a signal).
  for (const m of mounts.sort((a, b) => b.length - a.length)) {
    if (spawnSync('umount', ['-d', m], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', '-d', m], { stdio: 'ignore' });
  }
  const still = mountsUnder(BASE);
  if (still.length) console.error(`warning: mounts left under ${BASE}: ${still.join(', ')}; not removing it`);
  else rmSync(BASE, { recursive: true, force: true });
  if (createdShmSegment) rmSync(createdShmSegment, { force: true });
  if (existsSync(BASE)) console.error(`warning: ${BASE} is still there`);
}

function mountsUnder(dir) {
  let text;
  try {
    text = readFileSync('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const unescape = (s) => s.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
  return text.split('\n').map((l) => unescape(l.split(' ')[4] ?? '')).filter((p) => p === dir || p.startsWith(dir + sep));
}
