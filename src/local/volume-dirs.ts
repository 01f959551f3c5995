import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { VolError, errnoCode } from '../core/errors.ts';

/** Owner of a new volume's directories; undefined keeps the caller's id. */
export interface VolumeOwner {
  uid?: number;
  gid?: number;
}

/**
 * Makes `<volDir>` (0700) and `<volDir>/_data` (0755), both owned by `owner`. Fails when
 * `volDir` already exists: a directory no row records is never adopted or overwritten.
 */
export function makeVolumeDirs(volDir: string, owner: VolumeOwner): string {
  const dataDir = join(volDir, '_data');
  try {
    mkdirSync(volDir, { mode: 0o700 });
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new VolError('STATE_CONFLICT', `directory ${volDir} already exists but no volume records it`, {
        hint: 'move or remove it by hand, then try again',
        cause: err,
      });
    }
    throw ioError(`creating ${volDir}`, err);
  }
  try {
    mkdirSync(dataDir, { mode: 0o755 });
    // mkdir's mode is masked by the umask; the contract fixes the modes.
    chmodSync(volDir, 0o700);
    chmodSync(dataDir, 0o755);
    if (owner.uid !== undefined || owner.gid !== undefined) {
      chownSync(volDir, owner.uid ?? -1, owner.gid ?? -1);
      chownSync(dataDir, owner.uid ?? -1, owner.gid ?? -1);
    }
  } catch (err) {
    throw ioError(`preparing ${dataDir}`, err);
  }
  return dataDir;
}

/**
 * Deletes `path` and everything below it without following symlinks: a link (even `_data`
 * itself) is unlinked and its target left alone. Refuses to descend into another file system.
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
    removeContents(path, st.dev);
    rmdirSync(path);
  } catch (err) {
    if (err instanceof VolError) throw err;
    throw ioError(`removing ${path}`, err);
  }
}

function removeContents(dir: string, dev: number): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (!entry.isDirectory()) {
      unlinkSync(p);
      continue;
    }
    if (lstatSync(p).dev !== dev) {
      throw new VolError('IO_FAILED', `refusing to remove ${p}: another file system is mounted there`, {
        hint: 'unmount it first',
      });
    }
    removeContents(p, dev);
    rmdirSync(p);
  }
}

function ioError(what: string, err: unknown): VolError {
  return new VolError('IO_FAILED', `${what}: ${(err as Error).message}`, { cause: err });
}
