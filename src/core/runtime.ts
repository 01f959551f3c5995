import type { Readable, Writable } from 'node:stream';
import type { VolConfig } from '../config/config.ts';
import type { MountInfo } from '../local/mount-table.ts';
import type { OpenVolumesDir } from '../local/volume-fs.ts';
import type { VolumeTrash } from '../local/volume-trash.ts';
import type { VolumeLocker } from '../lock/volume-lock.ts';
import type { VolumePluginClient } from '../plugin/client.ts';
import type { QuotaBackend } from '../quota/backend.ts';
import type { VolumeStore } from '../state/store.ts';
import type { Logger, VolumeCreateOptions, VolumeEvent, VolumeHolder, VolumeRecord } from './model.ts';

// Types only: core/open-runtime.ts builds the parts, so that every module can name the runtime
// and its parts (the drivers among them) without importing what builds them.

/** The wired leaves the engine works with; tests may build one with other parts. */
export interface Runtime {
  config: VolConfig;
  store: VolumeStore;
  locker: VolumeLocker;
  log: Logger;
  /** The quota backends, one instance per backend for the life of the runtime. */
  quota: QuotaBackends;
  /** The plugin clients with their activation cache. */
  plugins: PluginClients;
  /** The driver of each volume (local or plugin), picked once per volume by the verbs. */
  drivers: VolumeDrivers;
  /** Per volume name, the tail of the counted mount/unmount calls queued in this process. */
  holderQueues: Map<string, Promise<unknown>>;
  /** The wall clock in milliseconds, for the times vol records. */
  now: () => number;
  /** Called at the one point of create where a crash leaves the most to undo (tests use it). */
  afterDiskWork?: () => Promise<void>;
  close(): void;
}

/** How much of the root a command needs. */
export interface RuntimeMode {
  /** Read-only commands do not create the root or database; a missing database reads as empty. */
  readOnly: boolean;
}

/** Parts a caller may hand in instead of the real ones (tests pass fakes). */
export type RuntimeParts = Partial<Pick<Runtime, 'log' | 'quota' | 'plugins' | 'drivers' | 'now'>>;

/** The quota backends of one process, by the name a volume records (`tmpfs`, `btrfs`, `xfs`). */
export interface QuotaBackends {
  /** The backend called `name`, built on first use and kept; undefined for a name vol does not know. */
  byName(name: string): QuotaBackend | undefined;
}

/** The clients of the configured volume plugins, one per plugin, sharing one activation cache. */
export interface PluginClients {
  /** The client of plugin `driver`; throws NO_SUCH_PLUGIN when it is not configured. */
  client(driver: string): VolumePluginClient;
}

/** What create asks of a driver once the name and labels are checked. */
export type NewVolumeOptions = VolumeCreateOptions & { name: string; labels: Record<string, string>; driver: string };

/** A volume a driver has checked the options of and can make under the volume lock. */
export interface NewVolume {
  /** The `creating` row to reserve the name with; called under the lock, throws when the name cannot be used. */
  record(): VolumeRecord;
  /** Makes what the volume is outside the database; a failure undoes what it made before it is thrown. */
  make(rec: VolumeRecord): Promise<void>;
  /** Undoes a finished `make` (the row could not be marked ready). */
  unmake(rec: VolumeRecord): Promise<void>;
}

/** One volume's removal: the event it records, and what a bulk removal shares between its volumes. */
export interface VolumeRemoval {
  eventType: 'remove' | 'prune';
  batch?: VolumeRemovalBatch;
}

/** What a bulk removal reads once for all its volumes (core/removal-batch.ts). */
export interface VolumeRemovalBatch {
  /** The volumes directory, held open for the whole removal. */
  volumesDirFd(): OpenVolumesDir;
  /** Throws when a file system is mounted inside `volDir` (the mount table read once). */
  assertNothingMountedUnder(volDir: string, volume: string): void;
  /** Where emptied volume directories go to be deleted outside their locks; undefined: removed in place. */
  trash(): VolumeTrash | undefined;
  /** For a bulk removal, the id it marks `removing` rows with, so it can delete them after their locks; undefined: each row is deleted under its lock. */
  removerId(): string | undefined;
  /** Deletes, soon, the row of `rec`, marked `removing` with `removerId()`, whose files are gone. */
  finishLater(rec: VolumeRecord, event: VolumeEvent): void;
}

/** What mounting a volume did, for the count and the event. */
export interface MountOutcome {
  /** Where the plugin mounted it, when a plugin did. */
  path?: string;
  /** What the event says beyond the count (an adopted or repeated mount). */
  attributes: Record<string, unknown>;
}

/**
 * One kind of volume: `local` (directories and mount(8) on this host) or a volume plugin. The
 * engine's verbs pick the driver once per volume and leave every difference between kinds to it;
 * the caller holds the volume's lock for every method but `prepare` and `layers`.
 */
export interface VolumeDriver {
  /** Checks the options (and reaches the plugin or quota backend they need) before the lock is taken. */
  prepare(rt: Runtime, opts: NewVolumeOptions): Promise<NewVolume>;
  /** Refuses a row whose stored paths disagree with where vol keeps the volume, before anything acts on it. */
  verify(rt: Runtime, rec: VolumeRecord): void;
  /** True when mount and unmount do real work (Podman's needsMount); otherwise they only count. */
  needsMount(rec: VolumeRecord): boolean;
  /** Mounts for the count going up from `rec.mountCount`. */
  mount(rt: Runtime, rec: VolumeRecord): Promise<MountOutcome>;
  /** The real unmount once the count reaches 0. */
  release(rt: Runtime, rec: VolumeRecord): Promise<void>;
  /** Unmounts whatever is mounted, whatever the count (rm). */
  detach(rt: Runtime, rec: VolumeRecord): Promise<void>;
  /** File systems mounted on the volume's data now, or undefined where the count is all vol knows. */
  layers(rec: VolumeRecord, table?: readonly MountInfo[]): number | undefined;
  /** What the stored plugin mountpoint becomes when the last mount goes (null: cleared). */
  readonly unmountedPath: null | undefined;
  /**
   * Removes a ready or `removing` volume whose live holders (none, or forced) are `holders`:
   * marks the row `removing`, removes what the volume is, and deletes the row.
   */
  remove(rt: Runtime, rec: VolumeRecord, holders: readonly VolumeHolder[], removal: VolumeRemoval): Promise<void>;
  /** Deletes what a killed process left of a `creating` or `removing` volume outside the database. */
  settle(rt: Runtime, rec: VolumeRecord): Promise<void>;
  /** Streams a tar of the volume's data; returns what tar could not hold. */
  exportData(rt: Runtime, rec: VolumeRecord, out: () => Writable): Promise<string[]>;
  /** Extracts a tar into the volume's data; returns what was left out. */
  importData(rt: Runtime, rec: VolumeRecord, input: () => Readable): Promise<string[]>;
  /** Plugin `Status` of `volumes` (all of this driver) into `status`; warnings for a plugin that could not be asked. */
  status(rt: Runtime, driver: string, volumes: readonly VolumeRecord[], perVolume: boolean, status: Map<string, Record<string, unknown>>): Promise<string[]>;
  /** True when the volume's data lies in vol's volume path on this host (df walks it), false when a plugin keeps it. */
  readonly keepsDataHere: boolean;
}

/** The drivers of one runtime. */
export interface VolumeDrivers {
  /** The driver of volumes recorded with driver `name` (`local`, empty, or a plugin's name). */
  of(name: string): VolumeDriver;
}
