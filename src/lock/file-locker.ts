import { lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VolError, errnoCode } from '../core/errors.ts';
import type { Logger } from '../core/model.ts';
import { breakLock, ownerAlive, parseOwner, ownerLinkTarget, processStartTime, readOwner, readOwnerText, removeDeadLock, type LockOwner } from './lock-owner.ts';
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
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** `<name>.lock.broken-<pid>-<random>`, as breakLock names a lock it set aside. */
const SET_ASIDE = /^(.+)\.lock\.broken-(\d+)-[0-9a-f]+$/;

/**
 * One lock per volume under `dir`: the symbolic link `<name>.lock`, made with one symlink(2) that
 * fails when the lock exists, and pointing to its owner (`PID:START:BOOT`), so no lock is ever
 * seen without its owner. A lock directory with an `owner` file (earlier vol versions) is
 * honoured the same way: the two formats share the path, so each excludes the other.
 */
export class FileLocker implements VolumeLocker {
  private dirReady = false;
  private readonly held = new Set<string>();
  private watching = false;
  private unwatch: NodeJS.Immediate | undefined;
  private readonly onSignal = (signal: NodeJS.Signals) => {
    // Release what this process holds, then let the signal take its course.
    for (const lockPath of this.held) unlinkOwn(lockPath);
    this.held.clear();
    this.watchSignals(false);
    process.kill(process.pid, signal);
  };

  constructor(
    private readonly dir: string,
    private readonly timing: FileLockTiming = DEFAULT_LOCK_TIMING,
    private readonly log: Pick<Logger, 'info'> = noLog,
  ) {}

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
    const lockPath = join(this.dir, `${name}.lock`);
    const target = ownerLinkTarget();
    const deadline = Date.now() + this.timing.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      // Synchronous attempts: bulk commands lock thousands of volumes one after another, and
      // each asynchronous file call would be a thread-pool round trip. Only the waits are async.
      if (this.tryLock(name, lockPath, target)) return this.owned(lockPath);
      if (this.takeOver(name, lockPath)) continue;
      if (Date.now() >= deadline) {
        throw new VolError('LOCK_TIMEOUT', `timed out after ${formatMs(this.timing.waitMs)} waiting for the lock of volume ${name}`, {
          hint: `another vol process is working on it; a lock whose owner died is taken over at once, one that names no owner after ${formatMs(this.timing.staleMs)}`,
        });
      }
      await sleep(delay + Math.random() * delay);
    }
  }

  /** Makes the lock link naming this process; false when a lock is there already. */
  private tryLock(name: string, lockPath: string, target: string): boolean {
    for (;;) {
      try {
        if (!this.dirReady) {
          mkdirSync(this.dir, { recursive: true, mode: 0o700 });
          this.dirReady = true;
        }
        symlinkSync(target, lockPath);
        return true;
      } catch (err) {
        const code = errnoCode(err);
        if (code === 'EEXIST') return false;
        // The lock directory was removed under a running process: make it again.
        if (code === 'ENOENT' && this.dirReady) {
          this.dirReady = false;
          continue;
        }
        throw new VolError('IO_FAILED', `locking volume ${name}: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  /** Notes the lock just made as held; the release removes it. */
  private owned(lockPath: string): () => void {
    if (this.held.size === 0) this.watchSignals(true);
    this.held.add(lockPath);
    return () => {
      this.held.delete(lockPath);
      if (this.held.size === 0) this.unwatchSoon();
      unlinkOwn(lockPath);
    };
  }

  /**
   * Stops watching signals once the event loop turns, not at every release: a bulk command takes
   * thousands of locks one after another without the loop turning, and every removed listener
   * leaves a closed signal handle that is freed only then (rm -a of 100,000 volumes peaked at
   * 291 MB of RSS that way, 151 MB without).
   */
  private unwatchSoon(): void {
    this.unwatch = setImmediate(() => {
      if (this.held.size === 0) this.watchSignals(false);
    });
    this.unwatch.unref();
  }

  private watchSignals(on: boolean): void {
    if (this.unwatch) clearImmediate(this.unwatch);
    this.unwatch = undefined;
    if (on === this.watching) return;
    this.watching = on;
    for (const signal of SIGNALS) {
      if (on) process.on(signal, this.onSignal);
      else process.off(signal, this.onSignal);
    }
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

/** Removes the lock link `lockPath` if it still names this process: a lock that is not this process's own is never touched. */
function unlinkOwn(lockPath: string): void {
  try {
    if (readlinkSync(lockPath, 'utf8') === ownerLinkTarget()) unlinkSync(lockPath);
  } catch {
    // Already gone: nothing of this process is left to undo.
  }
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
