// Benchmark of vol's event log. A standalone script (run `npm run build` first):
//
//   node bench/events.mjs
//
// (a) Fills a fresh root with 100,000 events (bench/fill-events.ts, in-process through the store's
//     appendEvent; and one with 50,000 to show how RSS scales), then measures the peak RSS of
//     `vol events --since 1h --format json > /dev/null` next to `vol ls` on an empty root (the
//     baseline), and counts the lines printed.
// (b) Median wall time of a spawned `vol create NAME` on a root whose event table is empty against
//     one whose table is full (100,000 events, default events_max, so each create also trims one),
//     alternating (order swapped each round), after one warm-up create on each. Target: ratio <= 1.1.
//
// Knobs: BENCH_EVENTS (default 100000), BENCH_EVENTS_CREATE_RUNS (default 20), BENCH_EVENTS_RSS_RUNS (default 3).
// Peak RSS comes from `/usr/bin/time -f %M` when present (apt package `time`), else from VmHWM in
// /proc/PID/status, polled while the process runs. Exits 0 whatever the figures, 1 if a step fails.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fmtMs, intEnv, median, NODE, REPO, tableIndented, VOL_BIN, VOL_ENV } from './common.mjs';

const FILL = join(REPO, 'bench', 'fill-events.ts');
const TIME_BIN = '/usr/bin/time';

const N_EVENTS = intEnv('BENCH_EVENTS', 100000);
const CREATE_RUNS = intEnv('BENCH_EVENTS_CREATE_RUNS', 20);
const RSS_RUNS = intEnv('BENCH_EVENTS_RSS_RUNS', 3);
const RATIO_TARGET = 1.1;

const BASE = mkdtempSync(join(tmpdir(), 'vol-bench-events-'));
process.on('SIGINT', () => { rmSync(BASE, { recursive: true, force: true }); process.exit(130); });

try {
  await main();
} catch (err) {
  console.error(`\nbench failed: ${err instanceof Error ? err.stack : String(err)}`);
  process.exitCode = 1;
} finally {
  rmSync(BASE, { recursive: true, force: true });
}

async function main() {
  if (!existsSync(join(REPO, 'dist', 'vol.cjs'))) throw new Error('dist/vol.cjs is missing: run `npm run build` first');
  const full = join(BASE, 'full');
  const empty = join(BASE, 'empty');
  console.log(`vol event log benchmark (node ${process.version}, ${N_EVENTS} events)`);

  // Both roots get their database the same way; only the number of events differs.
  const t0 = Date.now();
  const filled = fill(full, N_EVENTS);
  console.log(`filled ${full}: ${filled.appended} events via appendEvent in ${(filled.ms / 1000).toFixed(1)} s (events_max ${filled.eventsMax}; wall ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  fill(empty, 0);
  // Half as many events: if the output were held in memory, peak RSS would grow with the count.
  const half = join(BASE, 'half');
  const halfN = Math.floor(N_EVENTS / 2);
  fill(half, halfN);

  // (a) Peak RSS.
  const rssWay = existsSync(TIME_BIN) ? '/usr/bin/time -f %M' : '/proc/PID/status VmHWM (polled)';
  console.log(`\n(a) peak RSS (${rssWay}), max of ${RSS_RUNS} runs each`);
  const lineStats = await countLines(['--root', full, 'events', '--since', '1h', '--format', 'json']);
  const eventsRss = [];
  const lsRss = [];
  const emptyEventsRss = [];
  const halfRss = [];
  for (let i = 0; i < RSS_RUNS; i++) {
    eventsRss.push(await peakRssKb(['--root', full, 'events', '--since', '1h', '--format', 'json']));
    halfRss.push(await peakRssKb(['--root', half, 'events', '--since', '1h', '--format', 'json']));
    lsRss.push(await peakRssKb(['--root', empty, 'ls']));
    emptyEventsRss.push(await peakRssKb(['--root', empty, 'events', '--since', '1h', '--format', 'json']));
  }
  const ev = Math.max(...eventsRss);
  const ls = Math.max(...lsRss);
  tableIndented('  ', ['command', 'peak RSS', 'runs (KiB)', 'vs baseline'], [
    ['vol ls (empty root: baseline)', fmtKb(ls), lsRss.join(' '), ''],
    ['vol events --since 1h --format json (0 events)', fmtKb(Math.max(...emptyEventsRss)), emptyEventsRss.join(' '), `+${fmtKb(Math.max(...emptyEventsRss) - ls)}`],
    [`vol events --since 1h --format json (${halfN} events) > /dev/null`, fmtKb(Math.max(...halfRss)), halfRss.join(' '), `+${fmtKb(Math.max(...halfRss) - ls)}`],
    [`vol events --since 1h --format json (${N_EVENTS} events) > /dev/null`, fmtKb(ev), eventsRss.join(' '), `+${fmtKb(ev - ls)} (x${(ev / ls).toFixed(2)})`],
  ]);
  console.log(`lines printed by \`vol events --since 1h --format json\`: ${lineStats.lines} (expected ${N_EVENTS}), ${lineStats.bytes} bytes, in ${lineStats.ms.toFixed(0)} ms, exit ${lineStats.code}`);
  if (lineStats.lines !== N_EVENTS) throw new Error(`events printed ${lineStats.lines} lines, expected ${N_EVENTS}`);
  // Holding every event would take at least the bytes printed; streaming keeps the growth well below that.
  console.log(`RSS growth over the baseline: ${fmtKb(ev - ls)} for ${fmtKb(Math.round(lineStats.bytes / 1024))} of output`);

  // (b) create on an empty vs a full event table.
  console.log(`\n(b) \`vol create NAME\` wall time: empty vs full event table (${CREATE_RUNS} runs each, alternating, after one warm-up each)`);
  timeCreate(empty, 'warm');
  timeCreate(full, 'warm');
  const te = [];
  const tf = [];
  for (let i = 0; i < CREATE_RUNS; i++) {
    if (i % 2 === 0) {
      te.push(timeCreate(empty, `e${i}`));
      tf.push(timeCreate(full, `f${i}`));
    } else {
      tf.push(timeCreate(full, `f${i}`));
      te.push(timeCreate(empty, `e${i}`));
    }
  }
  const me = median(te);
  const mf = median(tf);
  const ratio = mf / me;
  tableIndented('  ', ['root', 'median', 'min-max'], [
    ['empty event table', fmtMs(me), `${fmtMs(Math.min(...te))}-${fmtMs(Math.max(...te))}`],
    [`full event table (${N_EVENTS}, trims one per create)`, fmtMs(mf), `${fmtMs(Math.min(...tf))}-${fmtMs(Math.max(...tf))}`],
  ]);
  console.log(`ratio full/empty: ${ratio.toFixed(3)} (target <= ${RATIO_TARGET}): ${ratio <= RATIO_TARGET ? 'OK' : 'OVER TARGET'}`);

  // The full root kept exactly events_max events: the oldest were trimmed by the creates.
  const after = await countLines(['--root', full, 'events', '--format', '{{.ID}}'], true);
  console.log(`full root after the creates: ${after.lines} events, ids ${after.first}..${after.last} (${CREATE_RUNS + 1} creates trimmed ${CREATE_RUNS + 1} oldest)`);
}

/** Runs the filler; returns its JSON report. */
function fill(root, n) {
  const r = spawnSync(NODE, ['--import', 'tsx', FILL, root, String(n)], { cwd: REPO, encoding: 'utf8', env: VOL_ENV });
  if (r.status !== 0) throw new Error(`fill-events ${root} ${n} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

/** Wall time (ms) of one spawned `vol --root ROOT create NAME`, which must succeed. */
function timeCreate(root, name) {
  const start = process.hrtime.bigint();
  const r = spawnSync(VOL_BIN, ['--root', root, 'create', name], { encoding: 'utf8', env: VOL_ENV });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0 || r.stdout !== `${name}\n`) throw new Error(`create ${name} in ${root}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

/** Peak RSS (KiB) of `vol ARGS > /dev/null`. */
async function peakRssKb(args) {
  const devnull = openSync('/dev/null', 'w');
  try {
    if (existsSync(TIME_BIN)) {
      const r = spawnSync(TIME_BIN, ['-f', '%M', VOL_BIN, ...args], { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8', env: VOL_ENV });
      const last = r.stderr.trim().split('\n').at(-1);
      if (r.status !== 0 || !/^\d+$/.test(last)) throw new Error(`vol ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      return Number(last);
    }
    // No time(1): poll VmHWM (the kernel's high-water mark) until the process exits.
    const child = spawn(VOL_BIN, args, { stdio: ['ignore', devnull, 'inherit'], env: VOL_ENV });
    let hwm = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) hwm = Math.max(hwm, Number(m[1]));
      } catch {
        // Exited meanwhile.
      }
    }, 5);
    const code = await new Promise((resolve) => child.on('exit', resolve));
    clearInterval(poll);
    if (code !== 0) throw new Error(`vol ${args.join(' ')}: exit ${code}`);
    return hwm;
  } finally {
    closeSync(devnull);
  }
}

/** Runs vol with stdout piped and counts its lines as they stream (nothing kept); with `ids`, the first and last line too. */
function countLines(args, ids = false) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(VOL_BIN, args, { stdio: ['ignore', 'pipe', 'inherit'], env: VOL_ENV });
    let lines = 0;
    let bytes = 0;
    let first;
    let tail = '';
    child.stdout.on('data', (chunk) => {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      if (ids) {
        tail = (tail + chunk.toString('utf8')).slice(-64);
        if (first === undefined) first = chunk.toString('utf8').split('\n')[0];
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) return reject(new Error(`vol ${args.join(' ')}: exit ${code}`));
      resolve({ lines, bytes, ms, code, first, last: tail.trim().split('\n').at(-1) });
    });
  });
}



function fmtKb(kb) {
  return kb >= 1024 ? `${(kb / 1024).toFixed(1)} MiB` : `${kb} KiB`;
}


