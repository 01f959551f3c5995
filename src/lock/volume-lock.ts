/** Serialises work on one volume across processes. */
export interface VolumeLocker {
  /** Runs `fn` while holding the lock of volume `name`; never holds two at once per caller. */
  withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
}

/** An in-process locker for unit tests of the core: one promise chain per name. */
export class MemoryLocker implements VolumeLocker {
  private readonly tails = new Map<string, Promise<unknown>>();

  async withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const prev = this.tails.get(name) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.tails.set(name, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(name) === tail) this.tails.delete(name);
    }
  }
}
