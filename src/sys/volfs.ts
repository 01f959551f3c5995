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
