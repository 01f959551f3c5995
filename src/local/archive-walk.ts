import { closeSync, constants, fchownSync, mkdirSync, openSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { errnoCode } from '../core/errors.ts';
import { at, closeQuietly, mountIdOf, openDirAt } from './volume-fs.ts';

// As many symlinks as Linux follows in one path lookup before ELOOP.
const MAX_LINK_HOPS = 40;
const { O_DIRECTORY, O_RDONLY } = constants;

/**
 * Walks directories below a root descriptor for an import, one component at a time: each is
 * opened O_NOFOLLOW relative to its parent's descriptor and must be on the root's mount; a
 * symlink met on the way is read and followed as if the root were `/` (`..` and absolute
 * targets never climb above it). podman (>= 5.8.2) extracts inside a real chroot; Node has
 * neither chroot nor openat2, and this gives the same containment.
 */
export class DirWalker {
  private readonly mnt: number;
  /** The directory the last walk ended in, reused by the next entry in it (archives come in directory order). */
  private last?: { key: string; fd: number };

  constructor(
    private readonly rootFd: number,
    private readonly owner?: { uid: number; gid: number },
  ) {
    this.mnt = mountIdOf(rootFd);
  }

  /** A new descriptor of the directory `parts` names (made if missing and `create`); the caller closes it. */
  open(parts: readonly string[], create: boolean): number {
    const key = parts.join('/');
    if (this.last?.key !== key) {
      const fd = this.walk(parts, create);
      this.close();
      this.last = { key, fd };
    }
    // A second open file description of the same directory, whatever happened to its path.
    return openSync(at(this.last.fd), O_RDONLY | O_DIRECTORY);
  }

  /** The directory `parts` names when every component is a real directory (no link followed), else undefined. */
  openExact(parts: readonly string[]): number | undefined {
    let fd = openSync(at(this.rootFd), O_RDONLY | O_DIRECTORY);
    for (const part of parts) {
      if (part === '' || part === '.') continue;
      let next: number;
      try {
        next = openDirAt(fd, part);
      } catch {
        closeSync(fd);
        return undefined;
      }
      closeSync(fd);
      fd = next;
      if (mountIdOf(fd) !== this.mnt) {
        closeSync(fd);
        return undefined;
      }
    }
    return fd;
  }

  /** Closes the cached directory. */
  close(): void {
    if (this.last) closeQuietly(this.last.fd);
    this.last = undefined;
  }

  private walk(parts: readonly string[], create: boolean): number {
    const stack: number[] = [];
    const done: string[] = [];
    const todo = [...parts].reverse();
    let hops = 0;
    const cur = () => stack[stack.length - 1] ?? this.rootFd;
    try {
      while (todo.length > 0) {
        const part = todo.pop()!;
        if (part === '' || part === '.') continue;
        if (part === '..') {
          if (stack.length > 0) closeSync(stack.pop()!);
          done.pop();
          continue;
        }
        const shown = posix.join(...done, part);
        let fd: number;
        try {
          fd = openDirAt(cur(), part);
        } catch (err) {
          const code = errnoCode(err);
          if (code === 'ELOOP') {
            if (++hops > MAX_LINK_HOPS) throw new Error(`too many levels of symbolic links at ${shown}`);
            const target = linkTarget(cur(), part, shown);
            if (target.startsWith('/')) {
              for (const open of stack.splice(0)) closeSync(open);
              done.length = 0;
            }
            todo.push(...target.split('/').reverse());
            continue;
          }
          if (code === 'ENOTDIR') throw new Error(`${shown}: not a directory`);
          if (code !== 'ENOENT') throw err;
          if (!create) throw new Error(`${shown}: no such file or directory`);
          fd = this.makeDir(cur(), part);
        }
        stack.push(fd);
        if (mountIdOf(fd) !== this.mnt) throw new Error(`${shown}: another file system is mounted there`);
        done.push(part);
      }
      const last = stack.pop() ?? openSync(at(this.rootFd), O_RDONLY | O_DIRECTORY);
      for (const open of stack.splice(0)) closeSync(open);
      return last;
    } catch (err) {
      for (const open of stack) closeQuietly(open);
      throw err;
    }
  }

  private makeDir(dirFd: number, name: string): number {
    try {
      mkdirSync(at(dirFd, name), 0o755);
    } catch (err) {
      if (errnoCode(err) !== 'EEXIST') throw err;
    }
    // Opened again, never followed: something swapped in meanwhile fails here.
    const fd = openDirAt(dirFd, name);
    if (this.owner) fchownSync(fd, this.owner.uid, this.owner.gid);
    return fd;
  }
}

function linkTarget(dirFd: number, name: string, shown: string): string {
  try {
    return readlinkSync(at(dirFd, name));
  } catch (err) {
    if (errnoCode(err) === 'EINVAL') throw new Error(`${shown} changed while it was read`);
    throw err;
  }
}
