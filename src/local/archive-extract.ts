import {
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  futimesSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readlinkSync,
  rmdirSync,
  symlinkSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { join, posix } from 'node:path';
import type { ReadEntry } from 'tar';
import { VolError, errnoCode, isVolError } from '../core/errors.ts';

const { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY } = constants;
// As many symlinks as Linux follows in one path lookup before ELOOP.
const MAX_LINK_HOPS = 40;

/** Owner, mode and times an entry carries, applied once its data is written. */
interface EntryMeta {
  uid?: number;
  gid?: number;
  mode: number;
  atime?: Date;
  mtime?: Date;
}

/** One import in progress: entries are written synchronously, in archive order, inside `root`. */
export class Extraction {
  readonly skipped: string[] = [];
  /** Entries written so far. */
  count = 0;
  private readonly owners = process.getuid?.() === 0;
  /** Directories get their mode and times last, so that writing into them does not undo either. */
  private readonly dirs: { path: string; meta: EntryMeta }[] = [];
  private closeOpenFile?: () => void;

  constructor(private readonly root: string) {}

  /** Handles one entry; a failure goes to `fail` and stops the import. */
  add(entry: ReadEntry, fail: (err: unknown) => void): void {
    try {
      const name = volumePath(entry.path);
      switch (entry.type) {
        case 'File':
        case 'OldFile':
        case 'ContiguousFile':
          this.file(name, entry, fail);
          break;
        case 'Directory':
        case 'GNUDumpDir':
          this.directory(name, entry);
          break;
        case 'SymbolicLink':
          this.symlink(name, entry);
          break;
        case 'Link':
          this.hardLink(name, entry);
          break;
        default:
          this.skipped.push(`${entry.path} (${entry.type})`);
          entry.resume();
      }
    } catch (err) {
      entry.resume();
      fail(entryError(entry.path, err));
    }
  }

  /** Gives the directories their modes and times, deepest last-seen first. */
  finish(): void {
    for (const { path, meta } of this.dirs.reverse()) {
      // A later entry may have replaced the directory (with a file or a symlink): leave that alone.
      if (!this.isRealPath(path)) continue;
      let fd: number;
      try {
        fd = openSync(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
      } catch {
        continue;
      }
      try {
        this.applyMeta(fd, meta);
      } catch (err) {
        throw entryError(path.slice(this.root.length + 1), err);
      } finally {
        closeSync(fd);
      }
    }
  }

  /** Closes a file left half-written by a failed import. */
  abandon(): void {
    this.closeOpenFile?.();
  }

  private file(name: string, entry: ReadEntry, fail: (err: unknown) => void): void {
    const path = this.place(name);
    this.clear(path);
    // O_EXCL|O_NOFOLLOW: a new file, never one reached through a link planted meanwhile.
    const fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    let open = true;
    const close = () => {
      if (open) closeSync(fd);
      open = false;
    };
    this.closeOpenFile = close;
    const guard = (fn: () => void) => {
      if (!open) return;
      try {
        fn();
      } catch (err) {
        close();
        fail(entryError(entry.path, err));
      }
    };
    entry.on('data', (chunk: Buffer) => guard(() => writeAll(fd, chunk)));
    entry.on('end', () =>
      guard(() => {
        this.applyMeta(fd, metaOf(entry, 0o644));
        close();
        this.count++;
      }),
    );
  }

  private directory(name: string, entry: ReadEntry): void {
    entry.resume();
    // The volume's root keeps the mode and owner that create gave it.
    if (name === '.') return;
    const path = this.place(name);
    if (!lstatIfAny(path)?.isDirectory()) {
      this.clear(path);
      mkdirSync(path, 0o755);
    }
    this.dirs.push({ path, meta: metaOf(entry, 0o755) });
    this.count++;
  }

  private symlink(name: string, entry: ReadEntry): void {
    entry.resume();
    if (!entry.linkpath) throw new Error('symbolic link without a target');
    const path = this.place(name);
    this.clear(path);
    // The target is kept as it is: it is only data until someone follows it, and this import
    // follows links (below) as if the volume were `/`.
    symlinkSync(entry.linkpath, path);
    const meta = metaOf(entry, 0o777);
    if (this.owners && meta.uid !== undefined && meta.gid !== undefined) lchownSync(path, meta.uid, meta.gid);
    if (meta.mtime) lutimesSync(path, meta.atime ?? meta.mtime, meta.mtime);
    this.count++;
  }

  private hardLink(name: string, entry: ReadEntry): void {
    entry.resume();
    const targetName = volumePath(entry.linkpath ?? '');
    const targetParts = targetName.split('/');
    const targetBase = targetParts.pop()!;
    const target = join(this.resolveDir(targetParts, false), targetBase);
    const st = lstatIfAny(target);
    if (!st || st.isDirectory()) throw new Error(`link target ${JSON.stringify(entry.linkpath)} is not a file in the volume`);
    const path = this.place(name);
    if (path === target) return;
    this.clear(path);
    // link(2) does not follow a symlink target: it links the symlink itself.
    linkSync(target, path);
    this.count++;
  }

  /** The absolute path for entry `name`, its parent directories resolved (and made) inside the root. */
  private place(name: string): string {
    if (name === '.') throw new Error("the volume's root can only be a directory");
    const parts = name.split('/');
    const base = parts.pop()!;
    return join(this.resolveDir(parts, true), base);
  }

  /**
   * The real directory `parts` names below the root, following symlinks as if the root were `/`
   * (`..` and absolute targets never climb above it); missing directories are made if `create`.
   */
  private resolveDir(parts: readonly string[], create: boolean): string {
    const done: string[] = [];
    const todo = [...parts].reverse();
    let hops = 0;
    while (todo.length > 0) {
      const part = todo.pop()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        done.pop();
        continue;
      }
      const path = join(this.root, ...done, part);
      const st = lstatIfAny(path);
      if (st?.isSymbolicLink()) {
        if (++hops > MAX_LINK_HOPS) throw new Error(`too many levels of symbolic links at ${posix.join(...done, part)}`);
        const target = readlinkSync(path);
        if (target.startsWith('/')) done.length = 0;
        todo.push(...target.split('/').reverse());
        continue;
      }
      if (!st) {
        if (!create) throw new Error(`${posix.join(...done, part)}: no such file or directory`);
        mkdirSync(path, 0o755);
      } else if (!st.isDirectory()) {
        throw new Error(`${posix.join(...done, part)}: not a directory`);
      }
      done.push(part);
    }
    return join(this.root, ...done);
  }

  /** Removes what is at `path`, never following a link; a directory only when empty, as tar does. */
  private clear(path: string): void {
    const st = lstatIfAny(path);
    if (!st) return;
    if (st.isDirectory()) rmdirSync(path);
    else unlinkSync(path);
  }

  /** True when no component of `path` below the root is a symlink (checked again before chmod). */
  private isRealPath(path: string): boolean {
    let at = this.root;
    for (const part of path.slice(this.root.length + 1).split('/')) {
      at = join(at, part);
      const st = lstatIfAny(at);
      if (!st || !st.isDirectory()) return false;
    }
    return true;
  }

  private applyMeta(fd: number, meta: EntryMeta): void {
    // chown clears set-id bits, so the mode comes after it.
    if (this.owners && meta.uid !== undefined && meta.gid !== undefined) fchownSync(fd, meta.uid, meta.gid);
    fchmodSync(fd, meta.mode);
    if (meta.mtime) futimesSync(fd, meta.atime ?? meta.mtime, meta.mtime);
  }
}

/** The entry name relative to the volume root (`.` for the root); throws when it leads out. */
function volumePath(name: string): string {
  // Absolute names are taken relative to the volume root, as tar does without -P.
  const rel = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  if (rel === '..' || rel.startsWith('../')) {
    throw new VolError('INVALID_ARG', `refusing archive entry ${JSON.stringify(name)}: it leads outside the volume`);
  }
  return rel || '.';
}

function metaOf(entry: ReadEntry, defaultMode: number): EntryMeta {
  return {
    uid: entry.uid,
    gid: entry.gid,
    mode: entry.mode === undefined ? defaultMode : entry.mode & 0o7777,
    atime: entry.atime,
    mtime: entry.mtime,
  };
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
}

function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}

/** Throws unless `dataDir` is a real directory (not a symlink to one). */
export function assertRealDir(dataDir: string): void {
  // A `_data` replaced by a symlink would carry the import (or export) out of the volume.
  if (!lstatIfAny(dataDir)?.isDirectory()) {
    throw new VolError('IO_FAILED', `${dataDir} is not a directory`);
  }
}

function entryError(name: string, err: unknown): VolError {
  if (isVolError(err)) return err;
  const why = (err as Error).message.replace(/^[A-Z]+: /, '');
  return new VolError('IO_FAILED', `importing archive entry ${JSON.stringify(name)}: ${why}`, { cause: err });
}

