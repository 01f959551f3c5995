import { readFileSync, realpathSync } from 'node:fs';
import { VolError } from '../core/errors.ts';

/** One line of /proc/self/mountinfo, its paths unescaped. */
export interface MountInfo {
  id: number;
  parentId: number;
  /** The path inside the mounted file system that is mounted (a bind mount's source below its root). */
  root: string;
  mountPoint: string;
  fsType: string;
  source: string;
}

/** Decodes mountinfo's octal escapes (`\040` for space, `\011` tab, `\012` newline, `\134` backslash). */
export function unescapeMountField(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses mountinfo text: `ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER`. */
export function parseMountInfo(text: string): MountInfo[] {
  const out: MountInfo[] = [];
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    const dash = f.indexOf('-', 6);
    if (f.length < 7 || dash < 0) continue;
    out.push({ id: Number(f[0]), parentId: Number(f[1]), root: unescapeMountField(f[3]!), mountPoint: unescapeMountField(f[4]!), fsType: f[dash + 1] ?? '', source: unescapeMountField(f[dash + 2] ?? '') });
  }
  return out;
}

/** The mounts of this process's mount namespace, in mount order. */
export function readMountTable(): MountInfo[] {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Every mount point of this process's mount namespace, from /proc/self/mountinfo. */
export function listMountPoints(): string[] {
  return readMountTable().map((m) => m.mountPoint);
}

/** The mounts sitting exactly at `path`, bottom first: more than one is a stack, the top hiding the rest. */
export function mountsAt(path: string, table: readonly MountInfo[] = readMountTable()): MountInfo[] {
  return table.filter((m) => m.mountPoint === path);
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
      hint: 'unmount it first',
    });
  }
}
