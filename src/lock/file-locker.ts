import { mkdirSync, readdirSync, realpathSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VolError, errnoCode } from '../core/errors.ts';
import type { Logger } from '../core/model.ts';
import { breakLock, clearDeadOwner, clearOwner, ownerAlive, processStartTime, readOwner, readOwnerText, writeOwner, type LockOwner } from './lock-owner.ts';
import type { LockState, VolumeLocker } from './volume-lock.ts';

/** Timing of file locks, in milliseconds. */
export interface FileLockTiming {
  /** Age after which a lock that names no owner (left by an older vol) is taken over (min 2000). */
  staleMs: number;
  /** Longest wait for a lock before LOCK_TIMEOUT. */
  waitMs: number;
}

// proper-lockfile spreads the fs object it is given into a new one on every lock and unlock; the
// whole fs module made that a measurable part of rm -a. These are all the calls it makes.
const LOCK_FS = { mkdirSync, realpathSync, statSync, rmdirSync, utimesSync };

// Liveness of the recorded owner is the only test for a lock that names one: proper-lockfile is
// told that locks never go stale (it would take over a live lock whose mtime a long synchronous
// delete kept from being refreshed) and still refreshes the mtime, which older vol versions read.
const NEVER_STALE_MS = 2 ** 40;

/** Default timing: an ownerless lock is taken over after 10 s; callers wait up to 30 s. */
export const DEFAULT_LOCK_TIMING: FileLockTiming = { staleMs: 10_000, waitMs: 30_000 };

const noLog: Pick<Logger, 'info'> = { info() {} };
const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** `<name>.lock.broken-<pid>-<random>`, as breakLock names a lock it set aside. */
const SET_ASIDE = /^(.+)\.lock\.broken-(\d+)-[0-9a-f]+$/;

/** One proper-lockfile lock (a `<name>.lock` directory, holding an owner record) per volume under `dir`. */
export class FileLocker implements VolumeLocker {
  private dirReady = false;
  private readonly held = new Set<string>();
  private readonly onSignal = (signal: NodeJS.Signals) => {
    // proper-lockfile removes its lock directories on a signal, but only empty ones: clear the
    // owner records first, then let the signal take its course (proper-lockfile's handler re-raises it).
    for (const lockDir of this.held) {
      try {
        clearOwner(lockDir);
      } catch {
        // The lock stays, naming this (dying) process: the next waiter takes it over at once.
      }
    }
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
    let compromised: Error | undefined;
    const release = await this.acquire(name, (err) => {
      // The default handler throws from a timer and kills the process; record it and fail the command instead.
      compromised = err;
    });
    try {
      const result = await fn();
      if (compromised) {
        throw new VolError('LOCK_TIMEOUT', `lost the lock of volume ${name} while working on it: ${compromised.message}`, { volume: name, cause: compromised });
      }
      return result;
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
      try {
        clearDeadOwner(lockDir);
        rmdirSync(lockDir);
      } catch (err) {
        if (errnoCode(err) !== 'ENOENT') throw err;
      }
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
      st = statSync(lockDir);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return undefined;
      throw err;
    }
    const ownerText = readOwnerText(lockDir);
    const owner = readOwner(lockDir);
    const ageMs = Date.now() - st.mtimeMs;
    // A lock without an owner record is being made this instant, or was left by an older vol (or a kill in between): its age decides.
    const abandoned = owner ? !ownerAlive(owner) : ageMs > this.timing.staleMs;
    return { owner, ageMs, abandoned, ino: st.ino, ownerText };
  }

  private async acquire(name: string, onCompromised: (err: Error) => void): Promise<() => void> {
    if (!this.dirReady) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.dirReady = true;
    }
    // Loaded on first use: read-only commands never lock and should not pay for it at start-up.
    const lockfile = (await import('proper-lockfile')).default;
    const file = join(this.dir, name);
    const lockDir = `${file}.lock`;
    const deadline = Date.now() + this.timing.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      try {
        // Synchronous attempts: bulk commands lock thousands of volumes one after another, and
        // each asynchronous file call would be a thread-pool round trip. Only the waits are async.
        const release = lockfile.lockSync(file, {
          realpath: false,
          lockfilePath: lockDir,
          stale: NEVER_STALE_MS,
          update: this.timing.staleMs / 2,
          onCompromised,
          fs: LOCK_FS as unknown as typeof import('node:fs'),
        });
        return this.owned(lockDir, release);
      } catch (err) {
        if (errnoCode(err) !== 'ELOCKED') {
          throw new VolError('IO_FAILED', `locking volume ${name}: ${(err as Error).message}`, { volume: name, cause: err });
        }
      }
      if (this.takeOver(name, lockDir)) continue;
      if (Date.now() >= deadline) {
        throw new VolError('LOCK_TIMEOUT', `timed out after ${formatMs(this.timing.waitMs)} waiting for the lock of volume ${name}`, {
          volume: name,
          hint: `another vol process is working on it; a lock whose owner died is taken over at once, one that names no owner after ${formatMs(this.timing.staleMs)}`,
        });
      }
      await sleep(delay + Math.random() * delay);
    }
  }

  /** Records this process in the lock just made; the release clears the record, then the directory. */
  private owned(lockDir: string, release: () => void): () => void {
    try {
      writeOwner(lockDir);
    } catch (err) {
      release();
      throw new VolError('IO_FAILED', `recording the owner of lock ${lockDir}: ${(err as Error).message}`, { cause: err });
    }
    if (this.held.size === 0) this.watchSignals(true);
    this.held.add(lockDir);
    return () => {
      this.held.delete(lockDir);
      if (this.held.size === 0) this.watchSignals(false);
      try {
        clearOwner(lockDir);
        release();
      } catch {
        // Already released (compromised) or gone: nothing of this process is left to undo.
      }
    };
  }

  private watchSignals(on: boolean): void {
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
