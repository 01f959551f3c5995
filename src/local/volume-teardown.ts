import { closeSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VolError, errnoCode } from '../core/errors.ts';
import { unlinkAt } from '../sys/volfs.ts';
import { at, closeQuietly, holdVolumesDir, ioError, mountIdOf, mountedAt, openDirAt, openVolumeDirIn, type OpenVolumesDir, type VolumeLayout } from './volume-fs.ts';

// How often one entry may change type under a removal before it gives up on it.
const MAX_TRIES = 16;

/**
 * Deletes the volume directory and everything below it, descriptor by descriptor (as Go's
 * os.RemoveAll does with unlinkat): a symlink anywhere inside is unlinked, never followed, and a
 * directory on another mount stops the removal. A volume directory already gone is not an error;
 * one that is a symlink is refused, while a `_data` replaced by a link goes as a link (as in Podman).
 * `held` is the volumes directory a bulk command keeps open (opened here when not given).
 */
export function removeVolumeTree(layout: VolumeLayout, held?: OpenVolumesDir): void {
  const top = held ?? holdVolumesDir(layout.volumesDir);
  let volFd: number | undefined;
  try {
    volFd = openVolumeDirIn(top, layout);
    if (volFd === undefined) return;
    // An empty `_data` (the usual case) goes with one rmdir, which never follows a link and fails
    // on a mount point; anything else (contents, a link, a mount) takes the walk below.
    if (!rmdirIfEmpty(volFd, '_data')) {
      for (const entry of readdirSync(at(volFd), { withFileTypes: true })) {
        removeEntry(volFd, entry.name, top.mnt, layout.volDir, layout.name, entry.isDirectory());
      }
    }
    closeSync(volFd);
    volFd = undefined;
    try {
      unlinkAt(top.fd, layout.name, true);
    } catch (err) {
      // Something appeared meanwhile: take the slow way, entry by entry.
      if (errnoCode(err) !== 'ENOENT') removeEntry(top.fd, layout.name, top.mnt, layout.volumesDir, layout.name);
    }
  } catch (err) {
    throw err instanceof VolError ? err : ioError(`removing ${layout.volDir}`, err);
  } finally {
    closeQuietly(volFd);
    if (!held) closeSync(top.fd);
  }
}

/** True when `name` below `dirFd` was an empty directory and is gone now (or was gone already); false on any other failure. */
export function rmdirIfEmpty(dirFd: number, name: string): boolean {
  try {
    unlinkAt(dirFd, name, true);
    return true;
  } catch (err) {
    return errnoCode(err) === 'ENOENT';
  }
}

/** Empties the directory open as `dirFd` (shown as `shown` in errors). */
function removeContents(dirFd: number, mnt: number, shown: string, volume: string): void {
  for (const entry of readdirSync(at(dirFd), { withFileTypes: true })) {
    removeEntry(dirFd, entry.name, mnt, shown, volume, entry.isDirectory());
  }
}

/** Removes `name` below `dirFd` whatever it is now (file, link, directory tree), never following it nor crossing out of mount `mnt`. */
export function removeEntry(dirFd: number, name: string, mnt: number, shown: string, volume: string, isDir = true): void {
  for (let tries = 0; tries < MAX_TRIES; tries++) {
    if (!isDir) {
      try {
        unlinkAt(dirFd, name, false);
        return;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'ENOENT') return;
        if (code !== 'EISDIR' && code !== 'EPERM') throw err;
      }
    }
    isDir = false;
    let fd: number;
    try {
      fd = openDirAt(dirFd, name);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return;
      // Not a directory (any more): a link or file, unlinked on the next round.
      if (code === 'ELOOP' || code === 'ENOTDIR') continue;
      throw err;
    }
    try {
      if (mountIdOf(fd) !== mnt) throw mountedAt(volume, join(shown, name));
      removeContents(fd, mnt, join(shown, name), volume);
    } finally {
      closeSync(fd);
    }
    try {
      // On btrfs this also deletes an (emptied) subvolume, such as a size-limited `_data`.
      unlinkAt(dirFd, name, true);
      return;
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return;
      if (code === 'ENOTDIR') continue;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') {
        isDir = true;
        continue;
      }
      throw err;
    }
  }
  throw new VolError('IO_FAILED', `removing volume ${volume}: ${join(shown, name)} kept changing while it was being removed`);
}

