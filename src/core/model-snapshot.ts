/** Lifecycle status of a snapshot row; only `ready` snapshots are listed. */
export type SnapshotStatus = 'creating' | 'ready' | 'removing';

/** A read-only snapshot of a volume's data, as the state store records it. */
export interface SnapshotRecord {
  /** The CSI snapshot name, also its id. */
  name: string;
  /** The volume it was taken of (which may have been removed since). */
  source: string;
  /** Absolute path of the read-only subvolume. */
  path: string;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Bytes the source held when the snapshot was taken. */
  size: number;
  status: SnapshotStatus;
  /** The btrfs qgroup of the snapshot subvolume, destroyed with it. */
  quotaId?: string;
}
