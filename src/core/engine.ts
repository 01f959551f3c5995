import type { Readable, Writable } from 'node:stream';
import { noSuchVolume, resolveVolume } from './lookup.ts';
import { toInspect, type VolumeCreateOptions, type VolumeInspect, type VolumeRmOptions, type VolumeRmReport } from './model.ts';
import type { DiskUsageReport } from './df.ts';
import { gatherInfo, type VolInfo } from './info.ts';
import { isLive } from './holders.ts';
import { pluginStatuses } from './plugin-status.ts';
import type { OnProgress } from './progress.ts';
import { inspectWithQuota } from './quota.ts';
import type { VolumeEvent } from './events.ts';
import { readEvents, type EventsOptions } from './volume-events.ts';
import { reloadPlugins, type ReloadReport } from './reload.ts';
import type { Runtime } from './runtime.ts';
import { exportVolume, importVolume } from './volume-archive.ts';
import { createVolume, type VolumeCreateReport } from './volume-create.ts';
import { mountVolume, unmountVolume, type MountHolder } from './volume-mount.ts';
import { removeVolumes } from './volume-remove.ts';
import { listVolumes } from './volume-list.ts';
import { pruneCandidates, pruneVolumes } from './volume-prune.ts';

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

/** Adds each plugin volume's Status, placed after CreatedAt as Podman orders the keys. */
function withStatus(volumes: VolumeInspect[], status: Map<string, Record<string, unknown>>): VolumeInspect[] {
  if (status.size === 0) return volumes;
  return volumes.map((v) => {
    const st = status.get(v.Name);
    if (st === undefined) return v;
    const { Name, Driver, Mountpoint, CreatedAt, ...rest } = v;
    return { Name, Driver, Mountpoint, CreatedAt, Status: st, ...rest };
  });
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
    const holders = this.rt.store.allHolders();
    for (const v of found) v.holders = (holders.get(v.name) ?? []).filter(isLive);
    const { status, warnings } = await pluginStatuses(this.rt, found, true);
    const shown = withStatus(await inspectWithQuota(this.rt, found), status);
    if (all) return { reports: shown.map((v) => ({ name: v.Name, volume: v })), warnings };
    let next = 0;
    return { reports: reports.map((r) => (r.error ? r : { ...r, volume: shown[next++] })), warnings };
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

  /** `vol exists`: whether a ready volume has exactly this name. */
  exists(name: string): boolean {
    return this.rt.store.get(name)?.status === 'ready';
  }
}
