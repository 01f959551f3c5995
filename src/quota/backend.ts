import type { Logger } from '../core/model.ts';

/** The limits a volume asks for. */
export interface QuotaLimits {
  /** Bytes. */
  size?: number;
  inodes?: number;
}

/** What quota accounting says a volume uses, read without walking its files. */
export interface QuotaUsage {
  usedBytes?: number;
}

/** What the backend recorded for one volume (stored in the database, handed back on release). */
export interface QuotaHandle {
  /** Backend-specific id: a btrfs qgroup (`0/257`) or an XFS project id (`200000`). */
  id: string;
}

/** Where and how a backend runs its tools. */
export interface QuotaContext {
  /** Mount point of the file system that holds the volumes. */
  mountPoint: string;
  /** Runs a tool; rejects with its stderr on a non-zero exit. */
  exec: Exec;
  log: Logger;
}

/** Runs `file args…` and resolves with its stdout. */
export type Exec = (file: string, args: readonly string[]) => Promise<string>;

/**
 * Enforces size/inode limits on the `_data` directories of one file system. Every method that
 * changes something has an inverse, so a failed create can be undone step by step.
 */
export interface QuotaBackend {
  /** `btrfs`, `xfs`, `tmpfs` or `none`. */
  readonly name: string;
  /**
   * Throws QUOTA_UNSUPPORTED (naming the file system and what to do) when `limits` cannot be
   * enforced; the error names `volume`, the one asking (none: vol info asks about the backend).
   */
  check(limits: QuotaLimits, volume?: string): Promise<void>;
  /**
   * Makes `dataDir` (mode 0755) as a directory the limits apply to (a btrfs subvolume, an XFS
   * project directory). `reserved` is the id the caller reserved in the database, if the backend
   * needs one. With `source` (only for backends that have `snapshots`), `dataDir` starts as a
   * writable snapshot of that directory. On failure, nothing it made is left behind.
   */
  makeLimitedDir(dataDir: string, limits: QuotaLimits, reserved: string | undefined, source?: string): Promise<QuotaHandle>;
  /** Reads usage of the volumes whose handles are given, in one pass where the tool allows it. */
  usage(handles: readonly QuotaHandle[]): Promise<Map<string, QuotaUsage>>;
  /** Drops the limit and accounting of an emptied, removed `dataDir`. Safe to call twice. */
  release(dataDir: string, handle: QuotaHandle): Promise<void>;
  /** Changes the limits of an existing `dataDir` (expansion); left out where the backend cannot. */
  setLimit?(dataDir: string, handle: QuotaHandle, limits: QuotaLimits): Promise<void>;
  /** Copy-on-write snapshots, where the file system has them (btrfs). */
  readonly snapshots?: SnapshotBackend;
}

/** Snapshots of `_data` directories: read-only ones to keep, writable ones to start a volume from. */
export interface SnapshotBackend {
  /**
   * Makes `target` a snapshot of `source` (read-only when asked) and returns the handle of its
   * own accounting; on failure nothing is left at `target`.
   */
  snapshot(source: string, target: string, readOnly: boolean): Promise<QuotaHandle>;
  /** Deletes the snapshot at `path` and its accounting. Safe to call twice. */
  deleteSnapshot(path: string, handle: QuotaHandle | undefined): Promise<void>;
}

/** How an error about `volume` begins (`volume NAME: `); nothing when no volume is asking. */
export function aboutVolume(volume: string | undefined): string {
  return volume === undefined ? '' : `volume ${volume}: `;
}
