import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import { toInspect, type VolumeCreateOptions, type VolumeInspect, type VolumeRmOptions, type VolumeRmReport } from './model.ts';
import { gatherInfo, type VolInfo } from './info.ts';
import { isLive } from './holders.ts';
import { inspectWithQuota } from './quota.ts';
import type { Runtime } from './runtime.ts';
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

/** The engine API: one method per command, options in, values or per-volume reports out. */
export class Engine {
  constructor(private readonly rt: Runtime) {}

  /** `vol create`. */
  create(opts: VolumeCreateOptions): Promise<VolumeCreateReport> {
    return createVolume(this.rt, opts);
  }

  /** `vol rm`. */
  rm(opts: VolumeRmOptions): Promise<VolumeRmReport[]> {
    return removeVolumes(this.rt, opts);
  }

  /** `vol ls`: ready volumes matching every filter key, sorted by name; `withQuota` reads usage too. */
  async ls(filterArgs: readonly string[] = [], withQuota = false): Promise<VolumeInspect[]> {
    const volumes = listVolumes(this.rt, filterArgs);
    return withQuota ? inspectWithQuota(this.rt, volumes) : volumes.map((v) => toInspect(v));
  }

  /** `vol prune`, step one: what would be removed now. */
  pruneCandidates(filterArgs: readonly string[] = []): string[] {
    return pruneCandidates(this.rt, filterArgs);
  }

  /** `vol prune`, step two: remove those still unused, each re-checked under its lock. */
  prune(names: readonly string[]): Promise<VolumeRmReport[]> {
    return pruneVolumes(this.rt, names);
  }

  /** `vol inspect`: one report per name, in argument order; `all` lists every ready volume. */
  async inspect(names: readonly string[], all: boolean): Promise<VolumeInspectReport[]> {
    const found = all ? this.rt.store.list() : [];
    const reports: VolumeInspectReport[] = [];
    for (const typed of all ? [] : names) {
      try {
        const rec = this.rt.store.get(resolveVolumeName(this.rt, typed));
        if (rec?.status !== 'ready') throw noSuchVolume(typed);
        found.push(rec);
        reports.push({ name: rec.name });
      } catch (err) {
        reports.push({ name: typed, error: err as Error });
      }
    }
    const holders = this.rt.store.allHolders();
    for (const v of found) v.holders = (holders.get(v.name) ?? []).filter(isLive);
    const shown = await inspectWithQuota(this.rt, found);
    if (all) return shown.map((v) => ({ name: v.Name, volume: v }));
    let next = 0;
    return reports.map((r) => (r.error ? r : { ...r, volume: shown[next++] }));
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

  /** `vol exists`: whether a ready volume has exactly this name. */
  exists(name: string): boolean {
    return this.rt.store.get(name)?.status === 'ready';
  }
}
