import { lstatSync, renameSync, rmdirSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import type { ReadEntry } from 'tar';
import { VolError, errnoCode, isVolError } from '../core/errors.ts';
import { at } from './volume-fs.ts';

/** Owner, mode and times an entry carries, applied once its data is written. */
export interface EntryMeta {
  uid?: number;
  gid?: number;
  mode: number;
  atime?: Date;
  mtime?: Date;
}

/** Renames `tmp` in `fromFd` to `base` in `dirFd`, replacing a file or link there, or an empty directory. */
export function renameInto(fromFd: number, tmp: string, dirFd: number, base: string): void {
  try {
    renameSync(at(fromFd, tmp), at(dirFd, base));
  } catch (err) {
    // podman: removes a whole directory tree that an archive entry replaces; vol, like GNU tar
    // and node-tar, replaces only an empty one and otherwise fails naming the entry.
    if (errnoCode(err) !== 'EISDIR') throw err;
    rmdirSync(at(dirFd, base));
    renameSync(at(fromFd, tmp), at(dirFd, base));
  }
}

/** Removes what is at `base` in `dirFd`, never following a link; a directory only when empty. */
export function clear(dirFd: number, base: string): void {
  const st = lstatIfAny(at(dirFd, base));
  if (!st) return;
  if (st.isDirectory()) rmdirSync(at(dirFd, base));
  else unlinkSync(at(dirFd, base));
}

/** The entry name relative to the volume root (`.` for the root); undefined when it leads out. */
export function volumePath(name: string): string | undefined {
  // Absolute names are taken relative to the volume root, as tar does without -P.
  const rel = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  return rel === '..' || rel.startsWith('../') ? undefined : rel || '.';
}

export function refused(name: string, why: string): VolError {
  return new VolError('INVALID_ARG', `refusing archive entry ${JSON.stringify(name)}: ${why}`);
}

export function metaOf(entry: ReadEntry, defaultMode: number): EntryMeta {
  return {
    uid: entry.uid,
    gid: entry.gid,
    mode: entry.mode === undefined ? defaultMode : entry.mode & 0o7777,
    atime: entry.atime,
    mtime: entry.mtime,
  };
}

export function writeAll(fd: number, chunk: Buffer): number {
  for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
  return chunk.length;
}

export function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

export function entryError(name: string, err: unknown): VolError {
  if (isVolError(err)) return err;
  const why = (err as Error).message.replace(/^[A-Z]+: /, '').replace(/'?\/proc\/self\/fd\/\d+\/?/g, "'");
  return new VolError('IO_FAILED', `importing archive entry ${JSON.stringify(name)}: ${why}`, { cause: err });
}

