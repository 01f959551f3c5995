import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import type { Header as TarHeader, HeaderData } from 'tar';
import { errnoCode } from '../core/errors.ts';
import { at, mountIdOf } from './volume-fs.ts';

const { O_NOCTTY, O_NOFOLLOW, O_NONBLOCK, O_RDONLY } = constants;
/** Opens a file without following a symlink and without blocking on a FIFO swapped in. */
const FILE_FLAGS = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY;
const CHUNK = 1 << 20;
const BLOCK = 512;

/** node-tar's header encoders, loaded by the caller (tar is loaded on first use). */
export interface TarCodec {
  Header: typeof TarHeader;
  Pax: new (obj: HeaderData, global?: boolean) => { encode(): Buffer };
}

/**
 * Yields an uncompressed tar of the directory open as `dataFd`, read only through descriptors it
 * opened below it (never a path, never a followed link, never another mount): names relative,
 * symlinks as links, hard links as links, modes, owners and mtimes kept. Sockets, FIFOs and
 * devices go to `skipped`, as do directories on another mount.
 */
export function* packTree(codec: TarCodec, dataFd: number, skipped: string[]): Generator<Buffer> {
  const walk = new Walk(codec, mountIdOf(dataFd), skipped);
  yield* walk.dir(dataFd, '');
  // The end of the archive: two zero blocks.
  yield Buffer.alloc(2 * BLOCK);
}

class Walk {
  private readonly links = new Map<string, string>();

  constructor(
    private readonly codec: TarCodec,
    private readonly mnt: number,
    private readonly skipped: string[],
  ) {}

  *dir(dirFd: number, prefix: string): Generator<Buffer> {
    for (const name of readdirSync(at(dirFd)).sort()) yield* this.entry(dirFd, name, prefix + name);
  }

  private *entry(dirFd: number, name: string, rel: string): Generator<Buffer> {
    let st: Stats;
    try {
      st = lstatSync(at(dirFd, name));
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    // podman: archives FIFOs and devices too; vol leaves them out (with a warning), as before.
    if (!st.isFile() && !st.isDirectory() && !st.isSymbolicLink()) return void this.skipped.push(rel);
    if (st.isSymbolicLink()) return yield* this.symlink(dirFd, name, rel, st);
    let fd: number;
    try {
      fd = openSync(at(dirFd, name), FILE_FLAGS);
    } catch (err) {
      const code = errnoCode(err);
      if (code === 'ENOENT') return;
      // Swapped for a link since the lstat: archive the link, never what it points to.
      if (code === 'ELOOP') return yield* this.symlink(dirFd, name, rel);
      throw err;
    }
    try {
      const fst = fstatSync(fd);
      if (fst.isDirectory()) yield* this.directory(fd, rel, fst);
      else if (fst.isFile()) yield* this.file(fd, rel, fst);
      else this.skipped.push(rel);
    } finally {
      closeSync(fd);
    }
  }

  private *directory(fd: number, rel: string, st: Stats): Generator<Buffer> {
    if (mountIdOf(fd) !== this.mnt) return void this.skipped.push(`${rel} (another file system is mounted there)`);
    yield* this.header({ path: `${rel}/`, type: 'Directory', size: 0 }, st);
    // Read through its own descriptor: its entries are looked up in it, wherever it was moved.
    yield* this.dir(fd, `${rel}/`);
  }

  private *file(fd: number, rel: string, st: Stats): Generator<Buffer> {
    if (st.nlink > 1) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.links.get(key);
      if (first !== undefined) return yield* this.header({ path: rel, type: 'Link', linkpath: first, size: 0 }, st);
      this.links.set(key, rel);
    }
    const size = st.size;
    yield* this.header({ path: rel, type: 'File', size }, st);
    let done = 0;
    while (done < size) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, size - done));
      let n = readSync(fd, buf, 0, buf.length, done);
      // A file cut short while it is read keeps its announced size, padded with zeros.
      if (n === 0) {
        buf.fill(0);
        n = buf.length;
      }
      done += n;
      yield n === buf.length ? buf : buf.subarray(0, n);
    }
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }

  private *symlink(dirFd: number, name: string, rel: string, st?: Stats): Generator<Buffer> {
    let linkpath: string;
    try {
      linkpath = readlinkSync(at(dirFd, name));
      st ??= lstatSync(at(dirFd, name));
    } catch (err) {
      // Replaced again (EINVAL: no longer a link) or gone: leave it out rather than guess.
      if (errnoCode(err) === 'EINVAL' || errnoCode(err) === 'ENOENT') return void this.skipped.push(`${rel} (it changed while it was read)`);
      throw err;
    }
    if (!st.isSymbolicLink()) return void this.skipped.push(`${rel} (it changed while it was read)`);
    yield* this.header({ path: rel, type: 'SymbolicLink', linkpath, size: 0 }, st);
  }

  private *header(data: HeaderData, st: Stats): Generator<Buffer> {
    const full: HeaderData = { ...data, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000) };
    const header = new this.codec.Header(full);
    const block = Buffer.alloc(BLOCK);
    if (header.encode(block, 0)) yield new this.codec.Pax(full).encode();
    yield block;
  }
}
