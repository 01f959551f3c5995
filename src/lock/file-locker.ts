import { mkdirSync, realpathSync, rmdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { VolError, errnoCode } from '../core/errors.ts';
import type { VolumeLocker } from './volume-lock.ts';

/** Timing of file locks, in milliseconds. */
export interface FileLockTiming {
  /** Age after which a lock whose holder stopped refreshing it is taken over (min 2000). */
  staleMs: number;
  /** Longest wait for a lock before LOCK_TIMEOUT. */
  waitMs: number;
}

// proper-lockfile spreads the fs object it is given into a new one on every lock and unlock; the
// whole fs module made that a measurable part of rm -a. These are all the calls it makes.
const LOCK_FS = { mkdirSync, realpathSync, statSync, rmdirSync, utimesSync };

/** Default timing: a dead holder's lock is taken over after 10 s; callers wait up to 30 s. */
export const DEFAULT_LOCK_TIMING: FileLockTiming = { staleMs: 10_000, waitMs: 30_000 };

/** One proper-lockfile lock (a `<name>.lock` directory) per volume under `dir`. */
export class FileLocker implements VolumeLocker {
  private dirReady = false;

  constructor(
    private readonly dir: string,
    private readonly timing: FileLockTiming = DEFAULT_LOCK_TIMING,
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
      await release().catch(() => undefined);
    }
  }

  private async acquire(name: string, onCompromised: (err: Error) => void): Promise<() => Promise<void>> {
    if (!this.dirReady) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.dirReady = true;
    }
    // Loaded on first use: read-only commands never lock and should not pay for it at start-up.
    const lockfile = (await import('proper-lockfile')).default;
    const file = join(this.dir, name);
    const deadline = Date.now() + this.timing.waitMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      try {
        // Synchronous attempts: bulk commands lock thousands of volumes one after another, and
        // each asynchronous file call would be a thread-pool round trip. Only the waits are async.
        const release = lockfile.lockSync(file, {
          realpath: false,
          lockfilePath: `${file}.lock`,
          stale: this.timing.staleMs,
          onCompromised,
          fs: LOCK_FS as unknown as typeof import('node:fs'),
        });
        return async () => release();
      } catch (err) {
        if (errnoCode(err) !== 'ELOCKED') {
          throw new VolError('IO_FAILED', `locking volume ${name}: ${(err as Error).message}`, { volume: name, cause: err });
        }
        if (Date.now() >= deadline) {
          throw new VolError('LOCK_TIMEOUT', `timed out after ${formatMs(this.timing.waitMs)} waiting for the lock of volume ${name}`, {
            volume: name,
            hint: `another vol process is working on it; a lock left by a killed process is taken over after ${formatMs(this.timing.staleMs)}`,
          });
        }
        await sleep(delay + Math.random() * delay);
      }
    }
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${ms / 1000}s`;
}
