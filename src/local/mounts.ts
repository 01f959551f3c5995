import { readFileSync, realpathSync } from 'node:fs';
import { VolError } from '../core/errors.ts';

/** Every mount point of this process's mount namespace, from /proc/self/mountinfo. */
export function listMountPoints(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const field = line.split(' ')[4];
    // mountinfo escapes space, tab, newline and backslash as octal.
    if (field !== undefined) out.push(field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8))));
  }
  return out;
}

/** True when a file system is mounted exactly at `path` (compared by its real path). */
export function isMountPoint(path: string): boolean {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    return false;
  }
  return listMountPoints().includes(real);
}

/** Mount points at or below `dir` (bind mounts of the same file system included). */
export function mountPointsUnder(dir: string): string[] {
  return listMountPoints().filter((mp) => mp === dir || mp.startsWith(dir + '/'));
}

/** The mount point of the file system that holds `path` (an absolute, symlink-free path). */
export function mountPointOf(path: string): string {
  let best = '/';
  for (const mp of listMountPoints()) {
    if ((path === mp || path.startsWith(mp === '/' ? '/' : mp + '/')) && mp.length > best.length) best = mp;
  }
  return best;
}

/** Throws before anything is deleted when a file system is mounted inside `dir`. */
export function assertNothingMountedUnder(dir: string, volume: string): void {
  const mounts = mountPointsUnder(dir);
  if (mounts.length > 0) {
    throw new VolError('IO_FAILED', `refusing to remove volume ${volume}: another file system is mounted at ${mounts[0]}`, {
      volume,
      hint: 'unmount it first',
    });
  }
}
