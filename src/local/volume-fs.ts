import { closeSync, constants, fchmodSync, fchownSync, lstatSync, mkdirSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { VolError, errnoCode } from '../core/errors.ts';
import { mountIdOfFd } from '../sys/volfs.ts';

const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY } = constants;
/** Flags that open a directory and nothing else: a symlink in its place fails with ELOOP (libuv adds O_CLOEXEC). */
const DIR_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;
const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * The path of `name` inside the directory open as `fd` (or of the directory itself). The kernel
 * resolves `/proc/self/fd/N` to the very directory the descriptor holds, so only `name` is looked
 * up, and unlink, rmdir, rename, mkdir, symlink, readlink and lstat never follow a last component.
 */
export function at(fd: number, name?: string): string {
  return name === undefined ? `/proc/self/fd/${fd}` : `/proc/self/fd/${fd}/${name}`;
}

/** False once statx(2) said it has no mount id (Linux before 5.8): /proc/self/fdinfo tells it then. */
let statxKnowsMounts = true;
// fdinfo is read into this one buffer: readFileSync of a /proc file (size 0) allocates 64 KiB per call.
const FDINFO_BUF = Buffer.allocUnsafe(4096);

/** The id of the mount that holds what `fd` is open on (`mnt_id` of /proc/self/fdinfo): one statx(2) where the kernel has it. */
export function mountIdOf(fd: number): number {
  if (statxKnowsMounts) {
    try {
      return mountIdOfFd(fd);
    } catch (err) {
      if (errnoCode(err) !== 'ENOSYS') throw ioError(`cannot read the mount id of descriptor ${fd}`, err);
      statxKnowsMounts = false;
    }
  }
  return mountIdFromFdinfo(fd);
}

/** The mount id of `fd` as /proc/self/fdinfo reports it (for kernels whose statx(2) does not). */
export function mountIdFromFdinfo(fd: number): number {
  const info = openSync(`/proc/self/fdinfo/${fd}`, O_RDONLY);
  let text: string;
  try {
    text = FDINFO_BUF.toString('latin1', 0, readSync(info, FDINFO_BUF, 0, FDINFO_BUF.length, 0));
  } finally {
    closeSync(info);
  }
  const m = /^mnt_id:\s*(\d+)$/m.exec(text);
  if (!m) throw new VolError('IO_FAILED', `cannot read the mount id of descriptor ${fd}`);
  return Number(m[1]);
}

/** Opens the directory `name` below `dirFd` without following a symlink; throws the errno error (ELOOP for a symlink). */
export function openDirAt(dirFd: number, name: string): number {
  return openDir(at(dirFd, name));
}

function openDir(path: string): number {
  try {
    return openSync(path, DIR_FLAGS);
  } catch (err) {
    // With O_DIRECTORY the kernel reports a symlink as ENOTDIR; callers need to tell the two apart.
    if (errnoCode(err) === 'ENOTDIR' && isSymlink(path)) throw Object.assign(new Error(`${path} is a symbolic link`), { code: 'ELOOP' });
    throw err;
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Closes `fd`, ignoring a failure (used in `finally`). */
export function closeQuietly(fd: number | undefined): void {
  if (fd === undefined) return;
  try {
    closeSync(fd);
  } catch {
    // Nothing useful to do: the descriptor is gone either way.
  }
}

/** Where a volume lives by the layout: `<volumes dir>/<name>` and its `_data`. */
export interface VolumeLayout {
  volumesDir: string;
  name: string;
  volDir: string;
  dataDir: string;
}

/**
 * The layout paths of volume `name`; throws STATE_CONFLICT when the stored mountpoint disagrees
 * with them, so a row edited to point elsewhere is never acted on.
 */
export function volumeLayout(volumesDir: string, rec: { name: string; mountpoint: string }): VolumeLayout {
  if (!NAME_RE.test(rec.name)) throw new VolError('INVALID_NAME', `invalid volume name ${JSON.stringify(rec.name)} in the database`);
  const volDir = join(volumesDir, rec.name);
  const dataDir = join(volDir, '_data');
  if (rec.mountpoint !== dataDir) {
    throw new VolError('STATE_CONFLICT', `refusing volume ${rec.name}: its recorded mountpoint ${rec.mountpoint} is not its layout path ${dataDir}`, {
      hint: 'the database row was changed by hand; nothing was touched',
    });
  }
  return { volumesDir, name: rec.name, volDir, dataDir };
}

/** The volumes directory open as `fd`, with the id of the mount it is on (read once). */
export interface OpenVolumesDir {
  fd: number;
  mnt: number;
}

/** Opens the volumes directory and reads its mount id once, for a command that works on many volumes in it. */
export function holdVolumesDir(volumesDir: string): OpenVolumesDir {
  const fd = openVolumesDir(volumesDir);
  try {
    return { fd, mnt: mountIdOf(fd) };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Opens the volumes directory itself, refusing a symlink or a non-directory there. */
export function openVolumesDir(volumesDir: string, volume?: string): number {
  try {
    return openDir(volumesDir);
  } catch (err) {
    throw refusal(volume, volumesDir, err, 'the volumes directory');
  }
}

/**
 * Opens the volume's directory (`dataToo`: and its `_data`) through descriptors, each refused
 * when it is a symlink, not a directory, or on another mount than its parent (`_data` may be a
 * mount of its own: bind and tmpfs volumes). Returns undefined when the volume directory is gone.
 */
export function openVolume(layout: VolumeLayout, dataToo: boolean): { volFd: number; dataFd?: number } | undefined {
  const top = openVolumesDir(layout.volumesDir, layout.name);
  let volFd: number | undefined;
  try {
    volFd = openVolumeDirIn(top, layout);
    if (volFd === undefined || !dataToo) return volFd === undefined ? undefined : { volFd };
    try {
      return { volFd, dataFd: openDirAt(volFd, '_data') };
    } catch (err) {
      throw refusal(layout.name, layout.dataDir, err);
    }
  } catch (err) {
    closeQuietly(volFd);
    throw err;
  } finally {
    closeQuietly(top);
  }
}

/** Opens the volume directory below the open volumes directory `top` (refused as openVolume says); undefined when gone. */
export function openVolumeDirIn(top: number | OpenVolumesDir, layout: VolumeLayout): number | undefined {
  const topFd = typeof top === 'number' ? top : top.fd;
  let volFd: number;
  try {
    volFd = openDirAt(topFd, layout.name);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw refusal(layout.name, layout.volDir, err);
  }
  if (mountIdOf(volFd) !== (typeof top === 'number' ? mountIdOf(top) : top.mnt)) {
    closeSync(volFd);
    throw mountedAt(layout.name, layout.volDir);
  }
  return volFd;
}

/** Makes `<volumes dir>/<name>` (0700); fails when it exists, so nothing is ever adopted. */
export function makeVolumeDir(layout: VolumeLayout): void {
  const top = openVolumesDir(layout.volumesDir, layout.name);
  try {
    mkdirSync(at(top, layout.name), 0o700);
    const fd = openDirAt(top, layout.name);
    try {
      // mkdir's mode is masked by the umask; the contract fixes the modes.
      fchmodSync(fd, 0o700);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') {
      throw new VolError('STATE_CONFLICT', `directory ${layout.volDir} already exists but no volume records it`, {
        hint: 'move or remove it by hand, then try again',
        cause: err,
      });
    }
    throw ioError(`creating ${layout.volDir}`, err);
  } finally {
    closeSync(top);
  }
}

/** Makes a plain `_data` (0755) inside the volume directory. */
export function makeDataDir(layout: VolumeLayout): void {
  withVolume(layout, false, (volFd) => {
    mkdirSync(at(volFd, '_data'), 0o755);
    const fd = openDirAt(volFd, '_data');
    try {
      fchmodSync(fd, 0o755);
    } finally {
      closeSync(fd);
    }
  }, `creating ${layout.dataDir}`);
}

/** Gives the volume directory and its `_data` to `uid`/`gid` (undefined ids stay the caller's). */
export function chownVolumeDirs(layout: VolumeLayout, uid: number | undefined, gid: number | undefined): void {
  if (uid === undefined && gid === undefined) return;
  withVolume(layout, true, (volFd, dataFd) => {
    fchownSync(volFd, uid ?? -1, gid ?? -1);
    fchownSync(dataFd!, uid ?? -1, gid ?? -1);
  }, `changing the owner of ${layout.volDir}`);
}

function withVolume(layout: VolumeLayout, dataToo: boolean, fn: (volFd: number, dataFd?: number) => void, what: string): void {
  const opened = openVolume(layout, dataToo);
  if (!opened) throw new VolError('IO_FAILED', `${what}: ${layout.volDir} is gone`);
  try {
    fn(opened.volFd, opened.dataFd);
  } catch (err) {
    throw err instanceof VolError ? err : ioError(what, err);
  } finally {
    closeQuietly(opened.dataFd);
    closeSync(opened.volFd);
  }
}

/** The refusal for a layout path that is a symlink, not a directory, or cannot be opened. */
export function refusal(volume: string | undefined, path: string, err: unknown, what = 'it'): VolError {
  const code = errnoCode(err);
  const why = code === 'ELOOP' ? 'is not a directory (it is a symbolic link)' : code === 'ENOTDIR' ? 'is not a directory' : code === 'ENOENT' ? 'does not exist' : (err as Error).message;
  const subject = volume === undefined ? '' : `volume ${volume}: `;
  return new VolError(code === 'ELOOP' || code === 'ENOTDIR' ? 'STATE_CONFLICT' : 'IO_FAILED', `refusing ${subject}${what === 'it' ? '' : what + ' '}${path} ${why}`, {
    hint: code === 'ELOOP' || code === 'ENOTDIR' ? 'vol never follows a link out of its layout; nothing was touched' : undefined,
    cause: err,
  });
}

/** The error for a mount found where a volume's own directory was expected. */
export function mountedAt(volume: string, path: string): VolError {
  return new VolError('IO_FAILED', `refusing volume ${volume}: another file system is mounted at ${path}`, { hint: 'unmount it first' });
}

/** An IO_FAILED error for `what`, with the errno message. */
export function ioError(what: string, err: unknown): VolError {
  return new VolError('IO_FAILED', `${what}: ${(err as Error).message}`, { cause: err });
}
