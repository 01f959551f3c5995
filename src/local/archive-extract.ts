import {
  closeSync, constants, copyFileSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync, lutimesSync, mkdirSync, openSync, symlinkSync,
  unlinkSync, type Stats,
} from 'node:fs';
import type { ReadEntry } from 'tar';
import { errnoCode } from '../core/errors.ts';
import { clear, entryError, lstatIfAny, metaOf, refused, renameInto, volumePath, writeAll, type EntryMeta } from './archive-entry.ts';
import { SparseSink, type SparseInfo } from './archive-sparse.ts';
import { DirWalker } from './archive-walk.ts';
import { at, closeQuietly } from './volume-fs.ts';

const { O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY } = constants;
const SET_ID_BITS = 0o6000;

/** The owner every imported entry gets in a volume created with `uid=`/`gid=`. */
export interface ImportOwner {
  uid: number;
  gid: number;
}

/** A regular file being written under a temporary name (in `stageFd`) until it is complete. */
interface Partial {
  dirFd: number;
  stageFd: number;
  tmp: string;
  fd: number;
}

/** The prefix of the temporary names imports write files under. */
export const STAGED_PREFIX = '.vol-import-';

/**
 * One import in progress into the directory open as `rootFd`: entries are written synchronously,
 * in archive order, each reached through descriptors below the root (see archive-walk.ts).
 */
export class Extraction {
  readonly skipped: string[] = [];
  /** Entries written so far. */
  count = 0;
  private readonly keepOwners = process.getuid?.() === 0;
  private readonly walker: DirWalker;
  /** Directories get their mode and times last, so that writing into them does not undo either. */
  private readonly dirs: { parts: string[]; meta: EntryMeta }[] = [];
  private partial?: Partial;
  private serial = 0;

  /**
   * `owner`: the volume's owner, given to every entry (set-id bits dropped); else the archive's.
   * `stageFd`: the volume directory, when files can be written there and renamed into `_data`
   * (same mount, no quota): then a killed import leaves no partial file in `_data` at all.
   */
  constructor(rootFd: number, private readonly owner?: ImportOwner, private stageFd?: number) {
    this.walker = new DirWalker(rootFd, owner);
  }

  /** Handles one entry; a failure goes to `fail` and stops the import. */
  add(entry: ReadEntry, fail: (err: unknown) => void, sparse?: SparseInfo): void {
    const shown = sparse?.name ?? entry.path;
    try {
      if (entry.type === 'SparseFile') throw refused(shown, 'its sparse map is not one vol can read');
      const name = volumePath(shown);
      if (name === undefined) throw refused(shown, 'it leads outside the volume');
      if (sparse && entry.type !== 'File' && entry.type !== 'OldFile') throw refused(shown, `a sparse header on a ${entry.type} entry`);
      switch (entry.type) {
        case 'File':
        case 'OldFile':
        case 'ContiguousFile':
          this.file(name, entry, fail, sparse);
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
      fail(entryError(shown, err));
    }
  }

  /** Gives the directories their modes, owners and times, in reverse archive order. */
  finish(): void {
    for (const { parts, meta } of this.dirs.reverse()) {
      // A later entry may have replaced the directory (with a file or a symlink): leave that alone.
      const fd = this.walker.openExact(parts);
      if (fd === undefined) continue;
      try {
        this.applyMeta(fd, meta);
      } catch (err) {
        throw entryError(parts.join('/'), err);
      } finally {
        closeSync(fd);
      }
    }
    this.walker.close();
  }

  /** Removes a file left half-written by a failed import: no file is better than a cut one. */
  abandon(): void {
    this.dropPartial();
    this.walker.close();
  }

  private file(name: string, entry: ReadEntry, fail: (err: unknown) => void, sparse?: SparseInfo): void {
    const { dirFd, base } = this.place(name);
    const stageFd = this.stageFd ?? dirFd;
    const tmp = `${this.stageFd === undefined ? `.${base.slice(0, 200)}` : ''}${STAGED_PREFIX}${process.pid}-${++this.serial}`;
    let fd: number;
    try {
      // O_EXCL|O_NOFOLLOW: a new file, never one reached through a link planted meanwhile.
      fd = openSync(at(stageFd, tmp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    } catch (err) {
      closeSync(dirFd);
      throw err;
    }
    this.partial = { dirFd, stageFd, tmp, fd };
    let written = 0;
    const guard = (fn: () => void) => {
      if (!this.partial) return;
      try {
        fn();
      } catch (err) {
        this.dropPartial();
        fail(entryError(sparse?.name ?? entry.path, err));
      }
    };
    // A sparse entry's data lands at its offsets; the holes between stay holes.
    const sink = sparse ? new SparseSink(fd, sparse) : { write: (chunk: Buffer) => void writeAll(fd, chunk), finish: () => {} };
    entry.on('data', (chunk: Buffer) =>
      guard(() => {
        sink.write(chunk);
        written += chunk.length;
      }),
    );
    entry.on('end', () =>
      guard(() => {
        // node-tar ends an entry cut short by the end of the input too.
        if (written !== entry.size) throw new Error(`the archive is cut short: ${entry.size - written} of its ${entry.size} bytes are missing`);
        sink.finish();
        const meta = metaOf(entry, 0o644);
        this.applyMeta(fd, meta);
        closeSync(fd);
        this.partial!.fd = -1;
        // The complete file takes its final name in one step: a killed import never leaves a cut one there.
        this.moveIntoPlace(this.partial!, base, meta);
        this.partial = undefined;
        closeSync(dirFd);
        this.count++;
      }),
    );
  }

  /** Renames the finished temporary file to `base`; across file systems (a nested btrfs subvolume) it is copied first. */
  private moveIntoPlace(p: Partial, base: string, meta: EntryMeta): void {
    try {
      renameInto(p.stageFd, p.tmp, p.dirFd, base);
      return;
    } catch (err) {
      if (errnoCode(err) !== 'EXDEV') throw err;
    }
    const local = `.${base.slice(0, 200)}${STAGED_PREFIX}${process.pid}-${++this.serial}`;
    copyFileSync(at(p.stageFd, p.tmp), at(p.dirFd, local), constants.COPYFILE_EXCL);
    unlinkSync(at(p.stageFd, p.tmp));
    p.stageFd = p.dirFd;
    p.tmp = local;
    const fd = openSync(at(p.dirFd, local), O_WRONLY | O_NOFOLLOW);
    try {
      this.applyMeta(fd, meta);
    } finally {
      closeSync(fd);
    }
    renameInto(p.dirFd, local, p.dirFd, base);
  }

  private directory(name: string, entry: ReadEntry): void {
    entry.resume();
    // The volume's root keeps the mode and owner that create gave it.
    if (name === '.') return;
    const { dirFd, base } = this.place(name);
    try {
      if (!lstatIfAny(at(dirFd, base))?.isDirectory()) {
        clear(dirFd, base);
        mkdirSync(at(dirFd, base), 0o755);
      }
    } finally {
      closeSync(dirFd);
    }
    this.dirs.push({ parts: name.split('/'), meta: metaOf(entry, 0o755) });
    this.count++;
  }

  private symlink(name: string, entry: ReadEntry): void {
    entry.resume();
    if (!entry.linkpath) throw new Error('symbolic link without a target');
    const { dirFd, base } = this.place(name);
    try {
      clear(dirFd, base);
      // The target is kept as it is: it is only data until someone follows it, and this import
      // follows links as if the volume were `/`.
      symlinkSync(entry.linkpath, at(dirFd, base));
      const meta = this.ownedMeta(metaOf(entry, 0o777));
      if (meta.uid !== undefined && meta.gid !== undefined) lchownSync(at(dirFd, base), meta.uid, meta.gid);
      if (meta.mtime) lutimesSync(at(dirFd, base), meta.atime ?? meta.mtime, meta.mtime);
    } finally {
      closeSync(dirFd);
    }
    this.count++;
  }

  private hardLink(name: string, entry: ReadEntry): void {
    entry.resume();
    const targetName = volumePath(entry.linkpath ?? '');
    const target = targetName === undefined || targetName === '.' ? undefined : this.findFile(targetName);
    if (target === undefined) throw refused(entry.path, `its link target ${JSON.stringify(entry.linkpath)} is not a file in the volume`);
    try {
      const { dirFd, base } = this.place(name);
      try {
        if (lstatIfAny(at(dirFd, base))?.ino === target.st.ino && lstatIfAny(at(dirFd, base))?.dev === target.st.dev) return;
        clear(dirFd, base);
        // link(2) does not follow a symlink target: it links the symlink itself.
        linkSync(at(target.dirFd, target.base), at(dirFd, base));
      } finally {
        closeSync(dirFd);
      }
    } finally {
      closeSync(target.dirFd);
    }
    this.count++;
  }

  /** The directory (open, the caller closes it) and base name of file `name`, if it is a file in the volume. */
  private findFile(name: string): { dirFd: number; base: string; st: Stats } | undefined {
    const parts = name.split('/');
    const base = parts.pop()!;
    let dirFd: number;
    try {
      dirFd = this.walker.open(parts, false);
    } catch {
      return undefined;
    }
    const st = lstatIfAny(at(dirFd, base));
    if (st && !st.isDirectory()) return { dirFd, base, st };
    closeSync(dirFd);
    return undefined;
  }

  /** The parent directory of entry `name` (open; the caller closes it), made inside the root, and its base name. */
  private place(name: string): { dirFd: number; base: string } {
    if (name === '.') throw new Error("the volume's root can only be a directory");
    const parts = name.split('/');
    const base = parts.pop()!;
    return { dirFd: this.walker.open(parts, true), base };
  }

  private dropPartial(): void {
    const p = this.partial;
    if (!p) return;
    this.partial = undefined;
    if (p.fd >= 0) closeQuietly(p.fd);
    try {
      unlinkSync(at(p.stageFd, p.tmp));
    } catch {
      // Already gone: nothing half-written is left.
    }
    closeQuietly(p.dirFd);
  }

  private ownedMeta(meta: EntryMeta): EntryMeta {
    // podman: keeps the archive's owners and set-id bits; in a volume given to a user, vol makes
    // everything that user's and drops set-id bits, so an import cannot plant a setuid-root file.
    if (this.owner) return { ...meta, uid: this.owner.uid, gid: this.owner.gid, mode: meta.mode & ~SET_ID_BITS };
    return this.keepOwners ? meta : { ...meta, uid: undefined, gid: undefined };
  }

  private applyMeta(fd: number, raw: EntryMeta): void {
    const meta = this.ownedMeta(raw);
    // chown clears set-id bits, so the mode comes after it.
    if (meta.uid !== undefined && meta.gid !== undefined) fchownSync(fd, meta.uid, meta.gid);
    fchmodSync(fd, meta.mode);
    if (meta.mtime) futimesSync(fd, meta.atime ?? meta.mtime, meta.mtime);
  }
}

