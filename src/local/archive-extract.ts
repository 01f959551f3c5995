import {
  closeSync, constants, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync,
  readlinkSync, rmdirSync, symlinkSync, unlinkSync, writeSync, type Stats,
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
  /** Drops the file being written, if any (the import failed inside it). */
  private dropPartial?: () => void;

  constructor(private readonly root: string) {}

  /** Handles one entry; a failure goes to `fail` and stops the import. */
  add(entry: ReadEntry, fail: (err: unknown) => void): void {
    try {
      const name = volumePath(entry.path);
      if (name === undefined) throw refused(entry.path, 'it leads outside the volume');
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
          // podman: makes device nodes and FIFOs too; Node cannot (no mknod), so vol leaves them out.
          this.skipped.push(`${entry.path} (${entry.type})`);
          entry.resume();
      }
    } catch (err) {
      entry.resume();
      fail(entryError(entry.path, err));
    }
  }

  /** Gives the directories their modes, owners and times, in reverse archive order. */
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

  /** Removes a file left half-written by a failed import: no file is better than a cut one. */
  abandon(): void {
    this.dropPartial?.();
  }

  private file(name: string, entry: ReadEntry, fail: (err: unknown) => void): void {
    const path = this.place(name);
    this.clear(path);
    // O_EXCL|O_NOFOLLOW: a new file, never one reached through a link planted meanwhile.
    const fd = openSync(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    let open = true;
    let written = 0;
    this.dropPartial = () => {
      if (open) closeSync(fd);
      open = false;
      this.dropPartial = undefined;
      try {
        unlinkSync(path);
      } catch {
        // Already gone: nothing half-written is left.
      }
    };
    const guard = (fn: () => void) => {
      if (!open) return;
      try {
        fn();
      } catch (err) {
        this.dropPartial?.();
        fail(entryError(entry.path, err));
      }
    };
    entry.on('data', (chunk: Buffer) => guard(() => (written += writeAll(fd, chunk))));
    entry.on('end', () =>
      guard(() => {
        // node-tar ends an entry cut short by the end of the input too.
        if (written !== entry.size) throw new Error(`the archive is cut short: ${entry.size - written} of its ${entry.size} bytes are missing`);
        this.applyMeta(fd, metaOf(entry, 0o644));
        closeSync(fd);
        open = false;
        this.dropPartial = undefined;
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
    const target = targetName === undefined ? undefined : this.findFile(targetName);
    if (target === undefined) throw refused(entry.path, `its link target ${JSON.stringify(entry.linkpath)} is not a file in the volume`);
    const path = this.place(name);
    if (path === target) return;
    this.clear(path);
    // link(2) does not follow a symlink target: it links the symlink itself.
    linkSync(target, path);
    this.count++;
  }

  /** The path of the file (or symlink) `name` names inside the root, if there is one. */
  private findFile(name: string): string | undefined {
    const parts = name.split('/');
    const base = parts.pop()!;
    let path: string;
    try {
      path = join(this.resolveDir(parts, false), base);
    } catch {
      return undefined;
    }
    const st = lstatIfAny(path);
    return st && !st.isDirectory() ? path : undefined;
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
   * podman (>= 5.8.2) extracts inside a real chroot; Node has neither chroot nor openat2, so vol
   * resolves each path itself, under the volume lock. Only a process writing into the volume at
   * the same moment could still race it; everything this import makes is checked as it goes.
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

  /** Removes what is at `path`, never following a link; a directory only when empty. */
  private clear(path: string): void {
    // podman: removes a whole directory tree that an archive entry replaces; vol, like GNU tar
    // and node-tar, replaces only an empty one and otherwise fails naming the entry.
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

/** The entry name relative to the volume root (`.` for the root); undefined when it leads out. */
function volumePath(name: string): string | undefined {
  // Absolute names are taken relative to the volume root, as tar does without -P.
  const rel = posix.normalize(name.replace(/^\/+/, '') || '.').replace(/\/+$/, '');
  return rel === '..' || rel.startsWith('../') ? undefined : rel || '.';
}

function refused(name: string, why: string): VolError {
  return new VolError('INVALID_ARG', `refusing archive entry ${JSON.stringify(name)}: ${why}`);
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

function writeAll(fd: number, chunk: Buffer): number {
  for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off);
  return chunk.length;
}

/** lstat, or undefined when nothing is there. */
export function lstatIfAny(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return undefined;
    throw err;
  }
}


function entryError(name: string, err: unknown): VolError {
  if (isVolError(err)) return err;
  const why = (err as Error).message.replace(/^[A-Z]+: /, '');
  return new VolError('IO_FAILED', `importing archive entry ${JSON.stringify(name)}: ${why}`, { cause: err });
}
