import type { Readable, Writable } from 'node:stream';
import { noSuchVolume, resolveVolume } from './lookup.ts';
import { type Logger, type SnapshotRecord, toInspect, type VolumeCreateOptions, type VolumeCreateReport, type VolumeEvent, type VolumeInspect, type VolumeRecord, type VolumeRmOptions, type VolumeRmReport } from './model.ts';
import type { DiskUsageReport } from './df.ts';
import { gatherInfo, type VolInfo } from './info.ts';
import { mountCounted, unmountCounted } from './counted-holders.ts';
import { checkVolumes } from './check.ts';
import type { CheckOptions, CheckReport } from './check-model.ts';
import { isLive } from './holders.ts';
import { pluginStatuses } from './plugin-status.ts';
import type { OnProgress } from './progress.ts';
import { inspectWithQuota } from './quota.ts';
import { readEvents, type EventsOptions } from './volume-events.ts';
import { reloadPlugins, type ReloadReport } from './reload.ts';
import type { Runtime } from './runtime.ts';
import { exportVolume, importVolume } from './volume-archive.ts';
import { createVolume } from './volume-create.ts';
import { mountVolume, unmountVolume, type MountHolder } from './volume-mount.ts';
import { readMountTable } from '../local/mount-table.ts';
import { inspected, inspectTextPages, withStatus } from './volume-inspect.ts';
import { removeVolumes } from './volume-remove.ts';
import { listBriefReport, listVolumes } from './volume-list.ts';
import type { VolumeBrief } from '../state/store.ts';
import { pruneCandidates, pruneVolumes } from './volume-prune.ts';
import { expandVolume } from './volume-expand.ts';
import { ensureHostVolume } from './host-volume.ts';
import { publishVolume, releaseLostPublishes, unpublishVolume, type PublishOptions } from './volume-publish.ts';
import { createSnapshot, deleteSnapshot, listSnapshots, readySnapshot } from './volume-snapshot.ts';
import { availableCapacity, volumeStats, type CapacityOptions, type VolumeStats } from './volume-stats.ts';

/** Per-argument outcome of inspect: the volume, or why it could not be shown. */
export interface VolumeInspectReport {
  name: string;
  volume?: VolumeInspect;
  error?: Error;
}

/** What ls returns: the volumes, and warnings about plugins that could not be asked. */
export interface VolumeListReport {
  volumes: VolumeInspect[];
  warnings: string[];
}

/** What inspect returns: one report per argument, and warnings about plugins. */
export interface VolumeInspectResult {
  reports: VolumeInspectReport[];
  warnings: string[];
}

/** The engine API: one method per command, options in, values or per-volume reports out. */
export class Engine {
  constructor(private readonly rt: Runtime) {}

  /** `vol create`. */
  create(opts: VolumeCreateOptions): Promise<VolumeCreateReport> {
    return createVolume(this.rt, opts);
  }

  /** `vol rm`; `onProgress` hears after each volume. */
  rm(opts: VolumeRmOptions, onProgress?: OnProgress): Promise<VolumeRmReport[]> {
    return removeVolumes(this.rt, opts, onProgress);
  }

  /**
   * `vol ls`: ready volumes matching every filter key, sorted by name. Plugin volumes get their
   * plugin's Status (one List per plugin, all at once); `withQuota` reads quota usage too.
   */
  async ls(filterArgs: readonly string[] = [], withQuota = false): Promise<VolumeListReport> {
    const volumes = listVolumes(this.rt, filterArgs);
    const { status, warnings } = await pluginStatuses(this.rt, volumes, false);
    const shown = withQuota ? await inspectWithQuota(this.rt, volumes) : volumes.map((v) => toInspect(v));
    return { volumes: withStatus(shown, status), warnings };
  }

  /** `vol ls` as a table or as names: name and driver only, the same volumes in the same order, the same plugin warnings. */
  lsBrief(filterArgs: readonly string[] = []): Promise<{ volumes: VolumeBrief[]; warnings: string[] }> {
    return listBriefReport(this.rt, filterArgs);
  }

  /** `vol prune`, step one: what would be removed now. */
  pruneCandidates(filterArgs: readonly string[] = []): string[] {
    return pruneCandidates(this.rt, filterArgs);
  }

  /** `vol prune`, step two: remove those still unused, each re-checked under its lock. */
  prune(names: readonly string[], onProgress?: OnProgress): Promise<VolumeRmReport[]> {
    return pruneVolumes(this.rt, names, onProgress);
  }

  /** `vol df`: volume counts and sizes, from quota accounting or a bounded walk (loaded on first use). */
  async df(onProgress?: OnProgress): Promise<DiskUsageReport> {
    const { diskUsage } = await import('./df.ts');
    return diskUsage(this.rt, { onProgress });
  }

  /** Names of ready volumes starting with `prefix`, sorted (completion); asks no plugin or quota tool. */
  names(prefix: string): string[] {
    return this.rt.store.namesWithPrefix(prefix, 1_000_000);
  }

  /** `vol inspect`: one report per name, in argument order; `all` lists every ready volume. */
  async inspect(names: readonly string[], all: boolean): Promise<VolumeInspectResult> {
    const found = all ? this.rt.store.list() : [];
    const reports: VolumeInspectReport[] = [];
    for (const typed of all ? [] : names) {
      try {
        const rec = resolveVolume(this.rt, typed);
        if (rec.status !== 'ready') throw noSuchVolume(typed);
        found.push(rec);
        reports.push({ name: rec.name });
      } catch (err) {
        reports.push({ name: typed, error: err as Error });
      }
    }
    const { shown, warnings } = await inspected(this.rt, found, this.rt.store.allHolders(), found.length > 0 ? readMountTable() : []);
    if (all) return { reports: shown.map((v) => ({ name: v.Name, volume: v })), warnings };
    let next = 0;
    return { reports: reports.map((r) => (r.error ? r : { ...r, volume: shown[next++] })), warnings };
  }

  /**
   * `vol inspect --all` as JSON text a page at a time, in name order, so that no more than
   * `pageSize` volumes are held at once: `each` hears the items of every page (see
   * `inspectTextPages`) and stops the listing by returning false. Returns the plugin warnings.
   */
  inspectTextPages(each: (items: Buffer) => Promise<boolean>, pageSize = 1000): Promise<string[]> {
    return inspectTextPages(this.rt, each, pageSize);
  }

  /** `vol info`: root, database, volume path, its file system and quota backend, plugins. */
  info(): Promise<VolInfo> {
    return gatherInfo(this.rt);
  }

  /** `vol mount [--holder ID [--pid PID]]`: returns the mountpoint. */
  mount(name: string, holder?: MountHolder): Promise<string> {
    return mountVolume(this.rt, name, holder);
  }

  /** `vol unmount [--holder ID]`. */
  unmount(name: string, holderId?: string): Promise<void> {
    return unmountVolume(this.rt, name, holderId);
  }

  /** Plugin-protocol Mount: caller `id` becomes a holder, counted per call; returns the mountpoint. */
  mountCounted(name: string, id: string): Promise<string> {
    return mountCounted(this.rt, name, id);
  }

  /** Plugin-protocol Unmount: takes back one mount of caller `id`; false when it held none. */
  unmountCounted(name: string, id: string): Promise<boolean> {
    return unmountCounted(this.rt, name, id);
  }

  /** The runtime's logger (servers log through it). */
  get log(): Logger {
    return this.rt.log;
  }

  /** Replaces the runtime's logger, so that the engine's own messages follow a server's log format. */
  useLog(log: Logger): void {
    this.rt.log = log;
  }

  /** `vol export`: a tar of the volume's data to the stream `out()` opens once the volume is found. */
  export(name: string, out: () => Writable): Promise<void> {
    return exportVolume(this.rt, name, out);
  }

  /** `vol import`: extracts the tar stream `input()` opens (once the volume is found) into the volume. */
  import(name: string, input: () => Readable): Promise<void> {
    return importVolume(this.rt, name, input);
  }

  /** `vol reload`: sync with what the configured plugins hold. */
  reload(): Promise<ReloadReport> {
    return reloadPlugins(this.rt);
  }

  /** `vol events`: the stored events that match, oldest first; with `follow`, then new ones until aborted. */
  events(opts: EventsOptions): AsyncGenerator<VolumeEvent> {
    return readEvents(this.rt, opts);
  }

  /** `vol check [--repair]`: inconsistencies left by crashes, full disks or edits, and (with `repair`) what fixing the safe ones left. */
  check(opts: CheckOptions): Promise<CheckReport> {
    return checkVolumes(this.rt, opts);
  }

  /** `vol exists`: whether a ready volume has exactly this name. */
  exists(name: string): boolean {
    return this.rt.store.get(name)?.status === 'ready';
  }

  /** The ready volume with exactly this name (no prefix matching), with its live holders. */
  get(name: string): VolumeRecord | undefined {
    const rec = this.rt.store.get(name);
    if (rec?.status !== 'ready') return undefined;
    rec.holders = this.rt.store.holdersOf(name).filter(isLive);
    return rec;
  }

  /** Raises a volume's size limit to `size` bytes (never lowers it). */
  expand(name: string, size: number): Promise<VolumeRecord> {
    return expandVolume(this.rt, name, size);
  }

  /** Bytes (and inodes) a volume uses, from quota accounting. */
  stats(name: string): Promise<VolumeStats> {
    return volumeStats(this.rt, name);
  }

  /** Bytes new volumes can still be promised on the volume path (or in memory, for tmpfs). */
  capacity(opts: CapacityOptions): Promise<number> {
    return availableCapacity(this.rt, opts);
  }

  /** Bind-mounts a volume onto `target`, recorded as a holder (CSI NodePublishVolume). */
  publish(name: string, target: string, opts: PublishOptions): Promise<void> {
    return publishVolume(this.rt, name, target, opts);
  }

  /** Drops publish holders whose target is no longer mounted (after a reboot, say). */
  releaseLostPublishes(name: string): Promise<void> {
    return releaseLostPublishes(this.rt, name);
  }

  /** Undoes `publish` at `target`. */
  unpublish(name: string, target: string): Promise<void> {
    return unpublishVolume(this.rt, name, target);
  }

  /** Takes a read-only snapshot of a volume (btrfs). */
  snapshot(source: string, name: string): Promise<SnapshotRecord> {
    return createSnapshot(this.rt, source, name);
  }

  /** Deletes a snapshot; a missing one is not an error. */
  deleteSnapshot(name: string): Promise<void> {
    return deleteSnapshot(this.rt, name);
  }

  /** Ready snapshots by name, optionally of one volume. */
  snapshots(source?: string): SnapshotRecord[] {
    return listSnapshots(this.rt, source);
  }

  /** The ready snapshot `name`, or NO_SUCH_SNAPSHOT. */
  getSnapshot(name: string): SnapshotRecord {
    return readySnapshot(this.rt, name);
  }

  /** Creates (or finds, raising its limit to `size`) a volume for a scheduler and mounts it for `holder` where it is a mount. */
  hostVolume(opts: VolumeCreateOptions & { name: string }, holder: string, size?: number): Promise<{ volume: VolumeRecord; path: string }> {
    return ensureHostVolume(this.rt, opts, holder, size);
  }

  /** The configuration this engine runs with. */
  get config(): Runtime['config'] {
    return this.rt.config;
  }
}
