import { statfsSync } from 'node:fs';
import { freemem } from 'node:os';
import { VolError } from './errors.ts';
import { noSuchVolume } from './lookup.ts';
import type { VolumeRecord } from './model.ts';
import { inspectWithQuota } from './quota.ts';
import type { Runtime } from './runtime.ts';

/** Total, used and available amounts of one unit (bytes or inodes). */
export interface UsageFigures {
  total: number;
  used: number;
  available: number;
}

/** What a volume uses: bytes always, inodes where the file system counts them. */
export interface VolumeStats {
  bytes: UsageFigures;
  inodes?: UsageFigures;
}

/**
 * Usage of volume `name` (exact name): with a limit, the limit is the total and quota accounting
 * gives what is used; without one, the figures of the file system that holds it.
 */
export async function volumeStats(rt: Runtime, name: string): Promise<VolumeStats> {
  const rec = rt.store.get(name);
  if (rec?.status !== 'ready') throw noSuchVolume(name);
  const fs = statfsSync(rec.mountpoint);
  const fsBytes = { total: fs.blocks * fs.bsize, used: (fs.blocks - fs.bfree) * fs.bsize, available: fs.bavail * fs.bsize };
  const inodes = fs.files > 0 ? { total: rec.inodes ?? fs.files, used: fs.files - fs.ffree, available: 0 } : undefined;
  if (inodes) inodes.available = Math.max(0, inodes.total - inodes.used);
  if (rec.size === undefined) return inodes ? { bytes: fsBytes, inodes } : { bytes: fsBytes };
  const [shown] = await inspectWithQuota(rt, [rec]);
  const used = shown?.Quota?.UsedBytes ?? 0;
  const bytes = { total: rec.size, used, available: Math.max(0, Math.min(rec.size - used, fsBytes.available)) };
  return inodes ? { bytes, inodes } : { bytes };
}

/** Options of a capacity question. */
export interface CapacityOptions {
  /** `tmpfs` asks about memory-backed volumes; anything else about the volume path. */
  type?: string;
  /** Report free space without taking the limits already promised off it. */
  overcommit: boolean;
}

/**
 * How many bytes new volumes can still be promised: the free space of the volume path (of memory,
 * for tmpfs) minus what existing limits may still claim, so that limits never add up to more
 * than there is; with `overcommit`, just the free space.
 */
export async function availableCapacity(rt: Runtime, opts: CapacityOptions): Promise<number> {
  const tmpfs = opts.type?.toLowerCase() === 'tmpfs';
  if (opts.type !== undefined && opts.type !== '' && !tmpfs) throw new VolError('INVALID_ARG', `capacity of volumes of type ${opts.type} is not known: ask for type=tmpfs or no type`);
  let free: number;
  if (tmpfs) free = freemem();
  else {
    const fs = statfsSync(rt.config.volumesDir);
    free = fs.bavail * fs.bsize;
  }
  if (opts.overcommit) return free;
  const limited = rt.store.list().filter((v) => v.size !== undefined && isTmpfs(v) === tmpfs);
  const shown = tmpfs ? [] : await inspectWithQuota(rt, limited);
  let promised = 0;
  limited.forEach((v, i) => {
    // A limit may still claim what the volume has not written yet; what it wrote is already out of `free`.
    const used = shown[i]?.Quota?.UsedBytes ?? 0;
    promised += Math.max(0, v.size! - used);
  });
  return Math.max(0, free - promised);
}

function isTmpfs(v: VolumeRecord): boolean {
  return v.quota?.backend === 'tmpfs';
}
