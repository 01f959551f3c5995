/** Serialises work on one volume across processes. */
export interface VolumeLocker {
  /** Runs `fn` while holding the lock of volume `name`; never holds two at once per caller. */
  withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
}
