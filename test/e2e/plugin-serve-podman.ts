// A Podman of its own for tests: temporary storage, a tiny busybox image, vol as a volume plugin.
import { spawnSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, copyFileSync, writeFileSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';

/** The image every test container runs. */
export const IMAGE = 'localhost/vol-busybox:latest';

/** What a podman command left. */
export interface PodmanRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A Podman with its own root, runroot, tmpdir and containers.conf, pointed at `socket` as plugin `vol`. */
export interface Podman {
  dir: string;
  run(args: readonly string[]): PodmanRun;
  runAsync(args: readonly string[]): Promise<PodmanRun>;
  /** Removes every container, unmounts what Podman left under `dir`; never touches anything outside it. */
  cleanup(): void;
}

/** Writes the containers.conf these tests need (runc, cgroupfs, no events, file locks, small ulimits). */
function writeConf(dir: string, socket: string): string {
  const conf = join(dir, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[containers]',
      'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]',
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "none"',
      'lock_type = "file"',
      '[engine.volume_plugins]',
      `vol = ${JSON.stringify(socket)}`,
      '',
    ].join('\n'),
  );
  return conf;
}

/** Makes the Podman of `dir` (which the caller made and removes) and imports the busybox image into it. */
export function makePodman(dir: string, socket: string, busybox = '/bin/busybox'): Podman {
  mkdirSync(dir, { recursive: true });
  const conf = writeConf(dir, socket);
  const base = ['--root', join(dir, 'root'), '--runroot', join(dir, 'runroot'), '--tmpdir', join(dir, 'tmp'), '--storage-driver', 'vfs'];
  const env = { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', HOME: dir, CONTAINERS_CONF: conf, TMPDIR: dir };
  const run = (args: readonly string[]): PodmanRun => {
    const r = spawnSync('podman', [...base, ...args], { encoding: 'utf8', env, timeout: 60_000 });
    return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  const runAsync = (args: readonly string[]): Promise<PodmanRun> =>
    new Promise((done, fail) => {
      const child = spawn('podman', [...base, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
  const podman: Podman = { dir, run, runAsync, cleanup: () => cleanupPodman(dir, run) };
  importImage(dir, busybox, run);
  return podman;
}

function importImage(dir: string, busybox: string, run: (args: readonly string[]) => PodmanRun): void {
  const rootfs = join(dir, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  mkdirSync(join(rootfs, 'tmp'));
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  for (const applet of ['sh', 'dd', 'cat', 'ls', 'rm', 'sleep', 'echo', 'stat']) symlinkSync('busybox', join(rootfs, 'bin', applet));
  const tarball = join(dir, 'rootfs.tar');
  const tar = spawnSync('tar', ['-C', rootfs, '-cf', tarball, '.'], { encoding: 'utf8' });
  if (tar.status !== 0) throw new Error(`building the image tarball failed: ${tar.stderr}`);
  const r = run(['import', tarball, IMAGE]);
  if (r.code !== 0) throw new Error(`podman import failed (${r.code}): ${r.stderr}`);
}

function cleanupPodman(dir: string, run: (args: readonly string[]) => PodmanRun): void {
  run(['rm', '-af', '-t', '0']);
  unmountUnder(dir);
}

/** Lazily unmounts every mount point below `dir` (deepest first), and nothing outside it. */
export function unmountUnder(dir: string): void {
  const inside = resolve(dir) + sep;
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => m !== undefined && m.startsWith(inside))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}
