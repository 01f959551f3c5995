import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { VolError, errnoCode } from '../core/errors.ts';

/** Owner of a new volume's directories; undefined keeps the caller's id. */
export interface VolumeOwner {
  uid?: number;
  gid?: number;
}

/** Makes the volume directory `volDir` (0700); fails when it exists, so nothing is ever adopted. */
export function makeVolumeDir(volDir: string): void {
  try {
    mkdirSync(volDir, { mode: 0o700 });
    // mkdir's mode is masked by the umask; the contract fixes the modes.
    chmodSync(volDir, 0o700);
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new VolError('STATE_CONFLICT', `directory ${volDir} already exists but no volume records it`, {
        hint: 'move or remove it by hand, then try again',
        cause: err,
      });
    }
    throw ioError(`creating ${volDir}`, err);
  }
}

/** Makes a plain `_data` directory (0755). */
export function makeDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
  } catch (err) {
    throw ioError(`creating ${dataDir}`, err);
  }
}

/** Gives `volDir` and its `_data` to `owner` (undefined ids stay the caller's). */
export function chownVolumeDirs(volDir: string, owner: VolumeOwner): void {
  if (owner.uid === undefined && owner.gid === undefined) return;
  try {
    chownSync(volDir, owner.uid ?? -1, owner.gid ?? -1);
    chownSync(join(volDir, '_data'), owner.uid ?? -1, owner.gid ?? -1);
  } catch (err) {
    throw ioError(`changing the owner of ${volDir}`, err);
  }
}

/**
 * Deletes `path` and everything below it without following symlinks: a link (even `_data`
 * itself) is unlinked and its target left alone. Callers check for mounts first (mounts.ts).
 */
export function removeTree(path: string): void {
  let st;
  try {
    st = lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return;
    throw ioError(`removing ${path}`, err);
  }
  try {
    if (!st.isDirectory()) {
      unlinkSync(path);
      return;
    }
    removeContents(path);
    rmdirSync(path);
  } catch (err) {
    if (err instanceof VolError) throw err;
    throw ioError(`removing ${path}`, err);
  }
}

function removeContents(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (!entry.isDirectory()) {
      unlinkSync(p);
      continue;
    }
    removeContents(p);
    // On btrfs this also deletes an (emptied) subvolume, such as a size-limited `_data`.
    rmdirSync(p);
  }
}

function ioError(what: string, err: unknown): VolError {
  return new VolError('IO_FAILED', `${what}: ${(err as Error).message}`, { cause: err });
}
