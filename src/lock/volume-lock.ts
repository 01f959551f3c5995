import type { LockOwner } from './lock-owner.ts';

/** What a lock directory says: its owner, if recorded, its age, and whether it was abandoned. */
export interface LockState {
  name: string;
  /** The entry under the lock dir: `<name>.lock`, or a lock set aside while being broken (`<name>.lock.broken-PID-X`). */
  entry: string;
  /** Set aside by a process breaking an abandoned lock (left when that process was killed half-way). */
  setAside: boolean;
  owner?: LockOwner;
  ageMs: number;
  /** The owner is dead (or, naming none, the lock is older than the stale time). */
  abandoned: boolean;
}

/** Serialises work on one volume across processes. */
export interface VolumeLocker {
  /** Runs `fn` while holding the lock of volume `name`; never holds two at once per caller. */
  withLock<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  /** True while a process (this one included) holds the lock of volume `name`. */
  isHeld(name: string): boolean;
  /** Every lock of an earlier vol version's format (a `<name>.lock` link or directory) that exists now, by volume name, sorted. */
  list(): LockState[];
  /** Removes the lock directory `entry` (as `list` names it) if it is abandoned; false when it is live (and left alone). */
  breakAbandoned(entry: string): boolean;
}
