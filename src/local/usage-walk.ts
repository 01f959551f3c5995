import { constants, type Stats } from 'node:fs';
import { lstat, open, opendir, realpath } from 'node:fs/promises';
import { listMountPoints } from './mount-table.ts';

/** What a walk of a directory tree counted. */
export interface TreeUsage {
  /** Apparent bytes of everything but directories, hard-linked files counted once. */
  bytes: number;
  files: number;
  dirs: number;
  /** Directories left out because another file system is mounted there. */
  skippedMounts: number;
  /** Directories that changed (were swapped or removed) between being listed and being opened. */
  changed: number;
}

interface Pending {
  path: string;
  dev: number;
  ino: number;
}

const OPEN_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** How a walk runs. */
export interface WalkOptions {
  /** Directories open at once (default 8). */
  concurrency?: number;
  /** The mount table's mount points, when the caller read it once for many walks. */
  mountPoints?: readonly string[];
}

/**
 * Sums the sizes under `root` without following a symlink and without crossing into another
 * mount (other device, or a bind mount listed in the mount table), with at most `concurrency`
 * directories open at once. Each directory is opened without following links, checked to be the
 * one that was listed (same device and inode), and read through its descriptor, so a directory
 * swapped for a symlink meanwhile is skipped, never followed.
 */
export async function walkUsage(root: string, opts: WalkOptions = {}): Promise<TreeUsage> {
  const concurrency = opts.concurrency ?? 8;
  const usage: TreeUsage = { bytes: 0, files: 0, dirs: 0, skippedMounts: 0, changed: 0 };
  const first = await lstat(root);
  if (!first.isDirectory()) throw Object.assign(new Error(`${root} is not a directory`), { code: 'ENOTDIR' });
  // A bind mount of the same file system keeps st_dev, and Node has no statx for the mount id: the
  // mount table tells those apart. It holds real paths; the walk compares the paths it builds from `root`.
  const real = await realpath(root);
  const mounts = new Set((opts.mountPoints ?? listMountPoints()).filter((m) => m.startsWith(real + '/')).map((m) => root + m.slice(real.length)));
  const seen = new Set<string>();
  const queue: Pending[] = [{ path: root, dev: first.dev, ino: first.ino }];
  let active = 0;
  let failure: unknown;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (failure === undefined && active < concurrency && queue.length > 0) {
        const next = queue.pop()!;
        active++;
        walkOne(next, first.dev, mounts, seen, usage, queue)
          .catch((err: unknown) => (failure ??= err))
          .finally(() => {
            active--;
            pump();
          });
      }
      if (active === 0 && (queue.length === 0 || failure !== undefined)) resolve();
    };
    pump();
  });
  if (failure !== undefined) throw failure;
  return usage;
}

async function walkOne(dir: Pending, dev: number, mounts: ReadonlySet<string>, seen: Set<string>, usage: TreeUsage, queue: Pending[]): Promise<void> {
  let handle;
  try {
    handle = await open(dir.path, OPEN_DIR);
  } catch (err) {
    if (isGone(err)) return void usage.changed++;
    throw err;
  }
  try {
    const st = await handle.stat();
    if (st.dev !== dir.dev || st.ino !== dir.ino) return void usage.changed++;
    usage.dirs++;
    // Entries are read and stat-ed through the descriptor: the path the walk took is not trusted twice.
    const base = `/proc/self/fd/${handle.fd}`;
    for await (const entry of await opendir(base)) {
      let est: Stats;
      try {
        est = await lstat(`${base}/${entry.name}`);
      } catch (err) {
        if (isGone(err)) continue;
        throw err;
      }
      const path = `${dir.path}/${entry.name}`;
      if (est.isDirectory()) {
        if (est.dev !== dev || mounts.has(path)) usage.skippedMounts++;
        else queue.push({ path, dev: est.dev, ino: est.ino });
        continue;
      }
      if (est.nlink > 1) {
        const key = `${est.dev}:${est.ino}`;
        if (seen.has(key)) continue;
        seen.add(key);
      }
      usage.files++;
      usage.bytes += est.size;
    }
  } finally {
    await handle.close();
  }
}

function isGone(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ELOOP' || code === 'ENOTDIR';
}
