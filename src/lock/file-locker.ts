import { closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VolError, errnoCode } from '../core/errors.ts';
import type { Logger } from '../core/model.ts';
import { RANGE_PROBE, RANGE_TRY_LOCK, RANGE_UNLOCK, rangeLock } from '../sys/volfs.ts';
import { breakLock, ownerAlive, parseOwner, processStartTime, readOwner, readOwnerText, removeDeadLock, type LockOwner } from './lock-owner.ts';
import { LockDirView, type LockDirReading } from './lock-dir-view.ts';
import type { LockState, VolumeLocker } from './volume-lock.ts';

/** Timing of file locks, in milliseconds. */
export interface FileLockTiming {
  /** Age after which a lock that names no owner (a directory left by an older vol) is taken over (min 2000). */
  staleMs: number;
  /** Longest wait for a lock before LOCK_TIMEOUT. */
  waitMs: number;
}

/** Default timing: an ownerless lock is taken over after 10 s; callers wait up to 30 s. */
export const DEFAULT_LOCK_TIMING: FileLockTiming = { staleMs: 10_000, waitMs: 30_000 };

const noLog: Pick<Logger, 'info'> = { info() {} };
/** `<name>.lock.broken-<pid>-<random>`, as breakLock names a lock it set aside. */
const SET_ASIDE = /^(.+)\.lock\.broken-(\d+)-[0-9a-f]+$/;
/** The file under the lock directory whose bytes are the volume locks (its name never ends in `.lock`). */
export const RANGE_FILE = 'volumes.ranges';

/**
 * One lock per volume: an open-file-description lock (fcntl F_OFD_SETLK) on one byte of
 * `<dir>/volumes.ranges`, the byte chosen by a hash of the name. Taking and dropping it are one
 * system call each and write nothing to disk, and the kernel drops it when its holder dies, so a
 * killed vol never leaves a lock behind. Two names may share a byte: they then wait for each
 * other, which is harmless as no caller holds two locks at once. A lock directory or link
 * `<name>.lock` of an earlier vol version is still honoured: waited for while its owner lives,
 * taken over once it is dead.
 */
export class FileLocker implements VolumeLocker {
  private fd: number | undefined;
  private fdIno = 0;
  /** The bytes this locker holds, each with the descriptor it was taken on: one description never conflicts with itself, so callers in one process are kept apart here. */
  private readonly held = new Map<number, number>();
  /** Descriptors of a lock file since replaced, kept open while a byte taken on them is held. */
  private readonly retired = new Set<number>();
  /** Old locks and the lock file's inode, read once while the lock directory does not change. */
  private readonly view: LockDirView;

  constructor(
    private readonly dir: string,
    private readonly timing: FileLockTiming = DEFAULT_LOCK_TIMING,
    private readonly log: Pick<Logger, 'info'> = noLog,
  ) {
    this.view = new LockDirView(dir, RANGE_FILE);
  }

  async withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const release = await this.acquire(name);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  list(): LockState[] {
    let entries: string[];
    try {
      entries = readdirSync(this.dir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return [];
      throw err;
    }
    const out: LockState[] = [];
    for (const entry of entries.sort()) {
      const aside = SET_ASIDE.exec(entry);
      if (!entry.endsWith('.lock') && !aside) continue;
      const state = this.stateOf(join(this.dir, entry));
      if (!state) continue;
      const { ino: _ino, ownerText: _text, ...rest } = state;
      // A set-aside lock is abandoned once the process that was breaking it is gone.
      if (aside) out.push({ ...rest, name: aside[1]!, entry, setAside: true, abandoned: asideAbandoned(join(this.dir, entry), Number(aside[2])) });
      else out.push({ ...rest, name: entry.slice(0, -'.lock'.length), entry, setAside: false });
    }
    return out;
  }

  breakAbandoned(entry: string): boolean {
    const lockDir = join(this.dir, entry);
    const aside = SET_ASIDE.exec(entry);
    if (aside) {
      if (!asideAbandoned(lockDir, Number(aside[2]))) return false;
      removeDeadLock(lockDir);
      return true;
    }
    const state = this.stateOf(lockDir);
    if (!state) return true;
    if (!state.abandoned) return false;
    return breakLock(lockDir, state.ino, state.ownerText);
  }

  private stateOf(lockDir: string): (Omit<LockState, 'name' | 'entry' | 'setAside'> & { ino: number; ownerText?: string }) | undefined {
    let st;
    try {
      st = lstatSync(lockDir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    const ownerText = readOwnerText(lockDir);
    const owner = parseOwner(ownerText);
    const ageMs = Date.now() - st.mtimeMs;
    // A lock link names its owner; one naming none (a directory an older vol is making this instant or left, or a link vol did not make) is judged by its age.
    const abandoned = owner ? !ownerAlive(owner) : ageMs > this.timing.staleMs;
    return { owner, ageMs, abandoned, ino: st.ino, ownerText };
  }

  private async acquire(name: string): Promise<() => void> {
    const byte = lockByte(name);
    const oldLock = join(this.dir, `${name}.lock`);
    const deadline = Date.now() + this.timing.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      // Synchronous attempts: bulk commands lock thousands of volumes one after another, and
      // each asynchronous file call would be a thread-pool round trip. Only the waits are async.
      const taken = this.tryLock(name, byte);
      if (taken) {
        const reading = taken.reading;
        if (!(reading ? reading.oldLocks.has(name) : lstatSync(oldLock, { throwIfNoEntry: false }) !== undefined)) return () => this.release(byte);
        // An earlier vol's lock of this name: it excludes as before, and goes once its owner is dead.
        this.release(byte);
        if (this.takeOver(name, oldLock)) continue;
      }
      if (Date.now() >= deadline) {
        throw new VolError('LOCK_TIMEOUT', `timed out after ${formatMs(this.timing.waitMs)} waiting for the lock of volume ${name}`, {
          hint: 'another vol process is working on it; the lock of a process that died is free at once',
        });
      }
      await sleep(delay + Math.random() * delay);
    }
  }

  /**
   * Takes the byte of `name`, with the lock directory's reading once it is held (one look serves
   * the caller's question about an old lock too); undefined when another process, or another
   * caller in this one, holds it.
   */
  private tryLock(name: string, byte: number): { reading: LockDirReading | undefined } | undefined {
    if (this.held.has(byte)) return undefined;
    try {
      for (;;) {
        const fd = this.rangeFd(true)!;
        if (!rangeLock(fd, byte, RANGE_TRY_LOCK)) return undefined;
        this.held.set(byte, fd);
        // The file was replaced (the lock directory removed under a running vol): a lock on the
        // old one excludes nobody, so take it again on the file that is there now.
        const reading = this.view.read();
        if (this.fileIsCurrent(reading)) return { reading };
        this.fd = undefined;
        this.retired.add(fd);
        this.release(byte);
      }
    } catch (err) {
      throw err instanceof VolError ? err : new VolError('IO_FAILED', `locking volume ${name}: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Drops the byte this locker holds (and closes a replaced lock file once nothing is held on it). */
  private release(byte: number): void {
    const fd = this.held.get(byte);
    if (fd === undefined) return;
    this.held.delete(byte);
    try {
      rangeLock(fd, byte, RANGE_UNLOCK);
      if (this.retired.has(fd) && ![...this.held.values()].includes(fd)) {
        this.retired.delete(fd);
        closeSync(fd);
      }
    } catch {
      // The descriptor is gone, and its locks with it.
    }
  }

  /** True while a process (this one included) holds the lock of `name`. */
  isHeld(name: string): boolean {
    const byte = lockByte(name);
    if (this.held.has(byte)) return true;
    const fd = this.rangeFd(false);
    return fd !== undefined && rangeLock(fd, byte, RANGE_PROBE);
  }

  /** The lock file, opened once (`create`: made with its directory when missing; else undefined when missing). */
  private rangeFd(create: boolean): number | undefined {
    if (this.fd !== undefined) return this.fd;
    const file = join(this.dir, RANGE_FILE);
    try {
      if (create) mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.fd = openSync(file, create ? constants.O_RDWR | constants.O_CREAT : constants.O_RDWR, 0o600);
    } catch (err) {
      if (!create && errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    this.fdIno = fstatSync(this.fd).ino;
    return this.fd;
  }

  private fileIsCurrent(reading: LockDirReading | undefined): boolean {
    return (reading ? reading.fileIno : statSync(join(this.dir, RANGE_FILE), { throwIfNoEntry: false })?.ino) === this.fdIno;
  }

  /** Breaks the lock of `name` when its owner is dead (or, naming none, it is older than the stale time). */
  private takeOver(name: string, lockDir: string): boolean {
    const state = this.stateOf(lockDir);
    if (!state) return true;
    if (!state.abandoned) return false;
    try {
      if (!breakLock(lockDir, state.ino, state.ownerText)) return false;
    } catch {
      // Another waiter raced this one for the same abandoned lock; look again after the wait.
      return false;
    }
    this.log.info(`took over the lock of volume ${name}`, { volume: name, ...describeOwner(state.owner, state.ageMs) });
    return true;
  }
}

/**
 * The byte of the lock of `name`: two 32-bit FNV-1a hashes of it (different offset bases), as
 * one integer below 2^52, so that two names share a byte about once in 10^10 pairs.
 */
export function lockByte(name: string): number {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  return (b >>> 12) * 2 ** 32 + (a >>> 0);
}

/** A set-aside lock is abandoned once its breaker is gone and no live owner is recorded in it (a live lock whose return failed). */
function asideAbandoned(lockDir: string, breakerPid: number): boolean {
  const owner = readOwner(lockDir);
  return processStartTime(breakerPid) === undefined && !(owner && ownerAlive(owner));
}

function describeOwner(owner: LockOwner | undefined, ageMs: number): Record<string, unknown> {
  return owner ? { deadOwnerPid: owner.pid } : { ownerless: true, ageMs: Math.round(ageMs) };
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}
