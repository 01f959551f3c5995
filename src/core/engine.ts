import { compileFilters, parseFilterArgs } from './filters.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import { toInspect, type VolumeCreateOptions, type VolumeInspect, type VolumeRmOptions, type VolumeRmReport } from './model.ts';
import type { Runtime } from './runtime.ts';
import { createVolume, type VolumeCreateReport } from './volume-create.ts';
import { removeVolumes } from './volume-remove.ts';

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

  /** `vol ls`: ready volumes matching every filter key, sorted by name. */
  ls(filterArgs: readonly string[] = []): VolumeInspect[] {
    const filter = compileFilters(parseFilterArgs(filterArgs), {
      now: Date.now(),
      createdAtOf: (name) => {
        const v = this.rt.store.get(name);
        return v?.status === 'ready' ? v.createdAt : undefined;
      },
    });
    return this.rt.store.list({ anyLabel: filter.anyLabel }).filter(filter.matches).map(toInspect);
  }

  /** `vol inspect`: one report per name, in argument order; `all` lists every ready volume. */
  inspect(names: readonly string[], all: boolean): VolumeInspectReport[] {
    if (all) return this.rt.store.list().map((v) => ({ name: v.name, volume: toInspect(v) }));
    return names.map((typed) => {
      try {
        const rec = this.rt.store.get(resolveVolumeName(this.rt, typed));
        if (rec?.status !== 'ready') throw noSuchVolume(typed);
        return { name: rec.name, volume: toInspect(rec) };
      } catch (err) {
        return { name: typed, error: err as Error };
      }
    });
  }

  /** `vol exists`: whether a ready volume has exactly this name. */
  exists(name: string): boolean {
    return this.rt.store.get(name)?.status === 'ready';
  }
}
