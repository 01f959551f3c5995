/** Lifecycle status of a volume row; only `ready` volumes are visible to users. */
export type VolumeStatus = 'creating' | 'ready' | 'removing';

/** What a volume's options say about it: kept options, owner, limits, plugin timeout. */
export interface VolumeSettings {
  /** Options as stored and shown by inspect. */
  options: Record<string, string>;
  uid?: number;
  gid?: number;
  /** Size limit in bytes. */
  size?: number;
  inodes?: number;
  noQuota: boolean;
  /** Plugin call timeout in seconds (`o=timeout=N`). */
  pluginTimeout?: number;
  /** What mount(8) gets for a local volume with `type`, `device` or `o`, as create parsed it. */
  mount?: VolumeMount;
}

/** A local volume's `type`, `device` and `o` options, parsed once by create and kept in the record. */
export interface VolumeMount {
  type?: string;
  device?: string;
  /** The `o` items in order (uid and gid among them; size, inodes, noquota and timeout taken out). */
  options: string[];
}

/** A volume as the state store records it: config (immutable) and state (mutable). */
export interface VolumeRecord extends VolumeSettings {
  name: string;
  driver: string;
  /** Absolute path of `_data` for local volumes. */
  mountpoint: string;
  /** Creation time in milliseconds since the epoch. */
  createdAt: number;
  /** Nanoseconds past `createdAt`'s millisecond (0 to 999,999; absent in rows older than the column). */
  createdAtNs?: number;
  labels: Record<string, string>;
  status: VolumeStatus;
  mountCount: number;
  /** The quota backend enforcing size/inodes, and its id for this volume once known. */
  quota?: VolumeQuotaRef;
  /** Live holders, when the caller loaded them (inspect shows them). */
  holders?: VolumeHolder[];
  /** For a `removing` row a bulk removal finishes after the volume's lock: that removal's owner record (`PID:START:BOOT`). */
  removingBy?: string;
}

/** Someone who mounted a volume with `--holder`; while live, the volume is in use. */
export interface VolumeHolder {
  id: string;
  /** The process the holder is tied to (`--pid`); once it is gone the holder is stale. */
  pid?: number;
  /** Start time of that process (from /proc), so a reused pid is not mistaken for it. */
  pidStart?: string;
  /** Whether this holder's mount added to MountCount. */
  counted: boolean;
  createdAt: number;
}

/** Which quota backend holds a volume's limit, and under which id. */
export interface VolumeQuotaRef {
  backend: string;
  id?: string;
}

/** The `Quota` object of inspect, for volumes with a limit. */
export interface VolumeQuotaInfo {
  Backend: string;
  Size?: number;
  Inodes?: number;
  UsedBytes?: number;
}

/** What `create` needs once options are parsed and validated. */
export interface VolumeCreateOptions {
  name?: string;
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  /** Return the existing volume unchanged instead of failing when the name is taken. */
  ignoreIfExists?: boolean;
  /** Start the data as a writable copy of this snapshot (btrfs); the CSI server sets it. */
  fromSnapshot?: string;
  /** Start the data as a writable copy of this volume's data (btrfs); the CSI server sets it. */
  fromVolume?: string;
  /** Give the data its own quota accounting even without a limit where the backend allows (btrfs), so it can be expanded and snapshotted later. */
  accounted?: boolean;
}

/** The object `inspect` prints, keys in Podman's order. */
export interface VolumeInspect {
  Name: string;
  Driver: string;
  Mountpoint: string;
  CreatedAt: string;
  Status?: Record<string, unknown>;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  UID?: number;
  GID?: number;
  MountCount: number;
  Holders?: { ID: string; PID?: number }[];
  Quota?: VolumeQuotaInfo;
}

/** Per-volume outcome of a command that acts on several volumes. */
export interface VolumeRmReport {
  name: string;
  error?: Error;
}

/** Options of `rm`. */
export interface VolumeRmOptions {
  names: string[];
  all: boolean;
  force: boolean;
  /** Seconds holders get to release before a forced removal (used once holders exist). */
  timeout?: number;
}

/** The directory that holds a local volume's `_data` (and is deleted with it). */
export function volumeDir(v: VolumeRecord): string {
  return v.mountpoint.slice(0, v.mountpoint.lastIndexOf('/'));
}

/** Converts a record to the inspect shape; `quota` is added for volumes with a limit. */
export function toInspect(v: VolumeRecord, quota?: VolumeQuotaInfo): VolumeInspect {
  // Keys in Podman's order: MountCount after UID/GID; extra keys follow. state/inspect-text.ts
  // prints the same object in SQL for plain rows (its unit test compares the bytes).
  const out = { Name: v.name, Driver: v.driver, Mountpoint: v.mountpoint, CreatedAt: rfc3339Nano(v.createdAt, v.createdAtNs ?? 0), Labels: sortedObject(v.labels), Scope: 'local', Options: sortedObject(v.options) } as VolumeInspect;
  if (v.uid !== undefined) out.UID = v.uid;
  if (v.gid !== undefined) out.GID = v.gid;
  out.MountCount = v.mountCount;
  if (v.holders?.length) out.Holders = v.holders.map((h) => (h.pid === undefined ? { ID: h.id } : { ID: h.id, PID: h.pid }));
  if (quota) out.Quota = quota;
  return out;
}

function sortedObject(o: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k]!;
  return out;
}

/** A creation time from nanoseconds since the epoch, as a record keeps it. */
export function creationTime(ns: bigint): { createdAt: number; createdAtNs: number } {
  return { createdAt: Number(ns / 1_000_000n), createdAtNs: Number(ns % 1_000_000n) };
}

/** Go's RFC 3339 with nanoseconds in UTC (`time.RFC3339Nano`): trailing zeros of the fraction dropped. */
export function rfc3339Nano(ms: number, subMsNs: number): string {
  const iso = new Date(ms).toISOString();
  const frac = subMsNs === 0 ? iso.slice(20, 23) : iso.slice(20, 23) + String(subMsNs).padStart(6, '0');
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 48) end--;
  return iso.slice(0, 19) + (end > 0 ? '.' + frac.slice(0, end) : '') + 'Z';
}

/** Result of create: the volume, and whether `--ignore` found it already there. */
export interface VolumeCreateReport {
  volume: VolumeRecord;
  existed: boolean;
}

/** Kinds of volume events. */
export const EVENT_TYPES = ['create', 'remove', 'mount', 'unmount', 'prune', 'reload', 'import', 'export', 'repair'] as const;
/** One of EVENT_TYPES. */
export type VolumeEventType = (typeof EVENT_TYPES)[number];

/** A durable record of one thing that happened to a volume. */
export interface VolumeEvent {
  /** Store-assigned, increasing; absent before the event is written. */
  id?: number;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  type: VolumeEventType;
  volume: string;
  driver: string;
  uid: number;
  pid: number;
  /** Labels at the time, holder, plugin, and what else explains the event. */
  attributes: Record<string, unknown>;
}

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

/** Diagnostics on stderr (`--log-level`); the record of what happened is not kept here. */
export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** A logger that drops everything (unit tests, embedding). */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
