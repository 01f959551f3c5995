// Benchmark of `vol plugin serve` with Podman as the client: Mount/Unmount latency under 8
// concurrent containers, and `podman run -v` with a vol volume against Podman's own local driver,
// in the same run. Skipped (exit 0) when podman is not installed.
//
// Environment knobs:
//   BENCH_PLUGIN_ROUNDS   rounds of 8 concurrent containers per driver (default 5, after 1 warm-up)
//   BENCH_PLUGIN_DIRECT   Mount+Unmount pairs per client in the direct HTTP figure (default 25)
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fmtMs, intEnv, median, table, VOL_BIN, VOL_ENV } from './common.mjs';

const ROUNDS = intEnv('BENCH_PLUGIN_ROUNDS', 5, 1);
const DIRECT = intEnv('BENCH_PLUGIN_DIRECT', 25, 1);
const CONCURRENT = 8;
const IMAGE = 'localhost/vol-bench-busybox:latest';

if (spawnSync('sh', ['-c', 'command -v podman && command -v runc && test -x /bin/busybox'], { stdio: 'ignore' }).status !== 0) {
  console.log('plugin serve: skipped (needs podman, runc and /bin/busybox: apt-get install podman runc busybox-static)');
  process.exit(0);
}

const BASE = mkdtempSync(join(tmpdir(), 'vol-bench-plugin-'));
const root = join(BASE, 'root');
const socket = join(BASE, 'vol.sock');
const pdir = join(BASE, 'podman');
mkdirSync(pdir);
const conf = join(pdir, 'containers.conf');
writeFileSync(conf, `[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "none"\nlock_type = "file"\n[engine.volume_plugins]\nvol = ${JSON.stringify(socket)}\n`);
const PODMAN_BASE = ['--root', join(pdir, 'root'), '--runroot', join(pdir, 'runroot'), '--tmpdir', join(pdir, 'tmp'), '--storage-driver', 'vfs'];
const PODMAN_ENV = { PATH: process.env.PATH, HOME: pdir, CONTAINERS_CONF: conf, TMPDIR: pdir };

function podman(args) {
  const r = spawnSync('podman', [...PODMAN_BASE, ...args], { encoding: 'utf8', env: PODMAN_ENV });
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** Runs one container and resolves with its wall time in milliseconds. */
function timedRun(volume) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('podman', [...PODMAN_BASE, 'run', '--rm', '--network', 'none', '-v', `${volume}:/data`, IMAGE, 'true'], { env: PODMAN_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - started) / 1e6) : reject(new Error(`podman run -v ${volume} exited ${code}: ${stderr}`))));
  });
}

function post(endpoint, body) {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = request({ socketPath: socket, method: 'POST', path: endpoint, headers: { Host: 'plugin', 'Content-Length': Buffer.byteLength(text) }, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`${endpoint}: status ${res.statusCode}`))));
    });
    req.end(text);
  });
}

let serverLog = '';
const server = spawn(VOL_BIN, ['--root', root, '--log-level', 'debug', 'plugin', 'serve', '--socket', socket, '--log-format', 'json'], { env: VOL_ENV, stdio: ['ignore', 'ignore', 'pipe'] });
server.stderr.setEncoding('utf8').on('data', (d) => (serverLog += d));

/** Server-side durations (ms) of the answered calls to `endpoint` logged after `from` characters of the log. */
function serverTimes(endpoint, from) {
  return serverLog
    .slice(from)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l))
    .filter((e) => e.msg === `${endpoint} answered`)
    .map((e) => e.ms);
}

function cleanup() {
  spawnSync('podman', [...PODMAN_BASE, 'rm', '-af', '-t', '0'], { env: PODMAN_ENV, stdio: 'ignore' });
  spawnSync('podman', [...PODMAN_BASE, 'volume', 'rm', '-af'], { env: PODMAN_ENV, stdio: 'ignore' });
  server.kill('SIGTERM');
  const inside = BASE + sep;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(inside)).sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
  rmSync(BASE, { recursive: true, force: true });
}

try {
  for (let i = 0; ; i++) {
    if (await post('/Plugin.Activate').then(() => true, () => false)) break;
    if (i > 300) throw new Error(`vol plugin serve did not start: ${serverLog}`);
    await sleep(20);
  }
  const rootfs = join(pdir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const a of ['sh', 'true']) symlinkSync('busybox', join(rootfs, 'bin', a));
  spawnSync('tar', ['-C', rootfs, '-cf', join(pdir, 'rootfs.tar'), '.']);
  podman(['import', join(pdir, 'rootfs.tar'), IMAGE]);
  const volNames = Array.from({ length: CONCURRENT }, (_, i) => `bv${i}`);
  const localNames = Array.from({ length: CONCURRENT }, (_, i) => `bl${i}`);
  for (const n of volNames) podman(['volume', 'create', '--driver', 'vol', n]);
  for (const n of localNames) podman(['volume', 'create', n]);
  await timedRun(volNames[0]);
  await timedRun(localNames[0]);

  const runs = { vol: [], local: [] };
  const logFrom = serverLog.length;
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which driver goes first, so that neither always runs on a warmer machine.
    const order = round % 2 === 0 ? ['vol', 'local'] : ['local', 'vol'];
    for (const driver of order) {
      const names = driver === 'vol' ? volNames : localNames;
      runs[driver].push(...(await Promise.all(names.map((n) => timedRun(n)))));
    }
  }
  const mounts = serverTimes('/VolumeDriver.Mount', logFrom);
  const unmounts = serverTimes('/VolumeDriver.Unmount', logFrom);

  // The same endpoints without Podman: 8 clients at once, each Mount+Unmount on its own ID, on
  // their own volumes (bv0..bv7) and all on one volume (where each waits for the others' locks).
  podman(['volume', 'create', '--driver', 'vol', 'bshared']);
  const direct = async (volumeOf) => {
    const out = { mount: [], unmount: [] };
    await Promise.all(Array.from({ length: CONCURRENT }, async (_, c) => {
      for (let i = 0; i < DIRECT; i++) {
        let t = process.hrtime.bigint();
        await post('/VolumeDriver.Mount', { Name: volumeOf(c), ID: `client${c}` });
        out.mount.push(Number(process.hrtime.bigint() - t) / 1e6);
        t = process.hrtime.bigint();
        await post('/VolumeDriver.Unmount', { Name: volumeOf(c), ID: `client${c}` });
        out.unmount.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }));
    return out;
  };
  const own = await direct((c) => volNames[c]);
  const shared = await direct(() => 'bshared');

  const vr = median(runs.vol);
  const lr = median(runs.local);
  console.log(`\nvol plugin serve with Podman as the client (${CONCURRENT} concurrent containers, ${ROUNDS} rounds per driver)\n`);
  table(['what', 'median', 'n'], [
    ['Mount (server side, under 8 concurrent containers)', fmtMs(median(mounts)), mounts.length],
    ['Unmount (server side, under 8 concurrent containers)', fmtMs(median(unmounts)), unmounts.length],
    [`Mount (HTTP round trip, ${CONCURRENT} clients, a volume each)`, fmtMs(median(own.mount)), own.mount.length],
    [`Unmount (HTTP round trip, ${CONCURRENT} clients, a volume each)`, fmtMs(median(own.unmount)), own.unmount.length],
    [`Mount (HTTP round trip, ${CONCURRENT} clients, one volume)`, fmtMs(median(shared.mount)), shared.mount.length],
    [`Unmount (HTTP round trip, ${CONCURRENT} clients, one volume)`, fmtMs(median(shared.unmount)), shared.unmount.length],
    ['podman run --rm -v VOL:/data (driver vol)', fmtMs(vr), runs.vol.length],
    ['podman run --rm -v VOL:/data (driver local)', fmtMs(lr), runs.local.length],
  ]);
  console.log(`\nratio podman run with vol / with local: ${(vr / lr).toFixed(2)} (difference ${fmtMs(vr - lr)})`);
} catch (err) {
  console.error(`plugin serve bench failed: ${err.message}`);
  process.exitCode = 1;
} finally {
  cleanup();
}
