import type { LockOwner } from './lock-owner.ts';

/** What a lock directory says: its owner, if recorded, its age, and whether it was abandoned. */
export interface LockState {
  name: string;
  owner?: LockOwner;
  ageMs: number;
  /** The owner is dead (or, naming none, the lock is older than the stale time). */
  abandoned: boolean;
}

/** Serialises work on one volume across processes. */
export interface VolumeLocker {
  /** Runs `fn` while holding the lock of volume `name`; never holds two at once per caller. */
  withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  /** Every lock that exists now, by volume name, sorted. */
  list(): LockState[];
  /** Removes the lock of `name` if it is abandoned; false when it is live (and left alone). */
  breakAbandoned(name: string): boolean;
}
