import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VolError } from '../core/errors.ts';

/** The system calls of vol's own addon (`native/volfs.cc`, built by `npm ci` into `build/Release/volfs.node`). */
interface VolFs {
  rangeLock(fd: number, start: number, op: number): boolean;
  unlinkAt(dirFd: number, name: string, isDir: boolean): void;
  mountId(fd: number): number;
  renameAt(oldDirFd: number, oldName: string, newDirFd: number, newName: string): void;
  emptyDirAt(dirFd: number, name: string, mnt: number): string | null;
  removeEmptyVolumes(dirFds: number[], names: string[], mnt: number): Promise<(string | null)[]>;
}

/** The operations of `rangeLock`. */
export const RANGE_UNLOCK = 0;
export const RANGE_TRY_LOCK = 1;
export const RANGE_PROBE = 2;

let addon: VolFs | undefined;

function load(): VolFs {
  if (addon) return addon;
  // In the bundle this module is dist/vol.cjs (import.meta.url is its path); from the sources, src/sys/volfs.ts.
  const url = import.meta.url;
  const here = dirname(url.startsWith('file:') ? fileURLToPath(url) : url);
  const file = [join(here, '..', 'build', 'Release', 'volfs.node'), join(here, '..', '..', 'build', 'Release', 'volfs.node')].find((f) => existsSync(f));
  if (!file) {
    throw new VolError('IO_FAILED', "vol's native addon build/Release/volfs.node is missing", { hint: 'run `npm ci` (or `npm run build:native`) in the vol checkout' });
  }
  addon = createRequire(url)(file) as VolFs;
  return addon;
}

/**
 * One step on the exclusive open-file-description lock of the byte at `start` of the file open as
 * `fd`: RANGE_TRY_LOCK takes it without waiting (false when another description holds it),
 * RANGE_UNLOCK drops it, RANGE_PROBE tells whether another description holds it. The kernel drops
 * such a lock when its last descriptor closes, so a killed process never leaves one behind.
 */
export function rangeLock(fd: number, start: number, op: number): boolean {
  return load().rangeLock(fd, start, op);
}

/** unlinkat(2): removes `name` below the directory open as `dirFd` (`isDir`: an empty directory), never following `name`. */
export function unlinkAt(dirFd: number, name: string, isDir: boolean): void {
  load().unlinkAt(dirFd, name, isDir);
}

/** The id of the mount that holds what `fd` is open on (statx(2) STATX_MNT_ID), as /proc/self/fdinfo's `mnt_id`. */
export function mountIdOfFd(fd: number): number {
  return load().mountId(fd);
}

/** renameat2(2) with RENAME_NOREPLACE (plain renameat(2) where the file system lacks it): moves `oldName` below `oldDirFd` to `newName` below `newDirFd`, never following either. */
export function renameAt(oldDirFd: number, oldName: string, newDirFd: number, newName: string): void {
  load().renameAt(oldDirFd, oldName, newDirFd, newName);
}

/**
 * Undefined when `name` below `dirFd` is a directory (not a symlink) on mount `mnt` with nothing in
 * it; otherwise the errno code that says why not: ENOTEMPTY, EXDEV (another mount), ELOOP or
 * ENOTDIR (not a directory), ENOENT (gone), ENOSYS (statx(2) has no mount ids on this kernel).
 */
export function emptyDirAt(dirFd: number, name: string, mnt: number): string | undefined {
  return load().emptyDirAt(dirFd, name, mnt) ?? undefined;
}

/**
 * Deletes each directory `names[i]` below `dirFds[i]` and its `_data` with rmdir(2), in one job on
 * libuv's thread pool, when both are empty directories on mount `mnt`. Resolves to one value per
 * volume: undefined once they are gone (or were already), else the errno code of the step that
 * failed (as `emptyDirAt` names them; EBUSY for a mount point), having deleted nothing that was not
 * empty. The descriptors must stay open until it settles.
 */
export async function removeEmptyVolumes(dirFds: number[], names: string[], mnt: number): Promise<(string | undefined)[]> {
  return (await load().removeEmptyVolumes(dirFds, names, mnt)).map((code) => code ?? undefined);
}
