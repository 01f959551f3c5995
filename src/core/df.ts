import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { listMountPoints } from '../local/mount-table.ts';
import { walkUsage } from '../local/usage-walk.ts';
import { isLive } from './holders.ts';
import type { OnProgress } from './progress.ts';
import { inspectWithQuota } from './quota.ts';
import { validateVolumeName } from './names.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';
import { pruneCandidates } from './volume-prune.ts';

/** Where a volume's size came from: quota accounting, a walk of its `_data`, or nowhere. */
export type UsageSource = 'quota' | 'walk' | 'unknown';

/** One volume's line of `vol df -v`. */
export interface VolumeUsage {
  name: string;
  driver: string;
  /** Live holders of the volume. */
  links: number;
  /** Bytes used; undefined when unknown (plugin volumes, a walk that failed). */
  bytes?: number;
  source: UsageSource;
  /** Whether `prune` would remove it now. */
  reclaimable: boolean;
}

/** What `vol df` reports: totals over every ready volume, and each volume. */
export interface DiskUsageReport {
  total: number;
  active: number;
  bytes: number;
  reclaimableBytes: number;
  volumes: VolumeUsage[];
  warnings: string[];
}

/** Options of `vol df`. */
export interface DiskUsageOptions {
  onProgress?: OnProgress;
  /** Volumes walked at once (each walk keeps its own bound of open directories). */
  parallel?: number;
}

/**
 * Disk usage of the volumes: quota accounting where a backend keeps it (one tool run per
 * backend), otherwise a walk of `_data` that never follows a symlink or crosses a mount.
 * Plugin volumes are not walked: their data lives where the plugin keeps it.
 */
export async function diskUsage(rt: Runtime, opts: DiskUsageOptions = {}): Promise<DiskUsageReport> {
  const records = rt.store.list();
  const holders = rt.store.allHolders();
  const prunable = new Set(pruneCandidates(rt, []));
  const shown = await inspectWithQuota(rt, records);
  const warnings: string[] = [];
  const volumes: VolumeUsage[] = records.map((rec, i) => {
    const used = shown[i]?.Quota?.UsedBytes;
    return {
      name: rec.name,
      driver: rec.driver,
      links: (holders.get(rec.name) ?? []).filter(isLive).length,
      bytes: used,
      source: used !== undefined ? 'quota' : 'unknown',
      reclaimable: prunable.has(rec.name),
    };
  });
  const toWalk = volumes.map((v, i) => ({ v, rec: records[i]! })).filter(({ v, rec }) => v.source === 'unknown' && rt.drivers.of(rec.driver).keepsDataHere);
  let done = volumes.length - toWalk.length;
  opts.onProgress?.({ done, total: volumes.length });
  const mountPoints = toWalk.length > 0 ? listMountPoints() : [];
  let next = 0;
  const worker = async () => {
    while (next < toWalk.length) {
      const { v, rec } = toWalk[next++]!;
      try {
        v.bytes = (await walkUsage(dataDirToWalk(rt, rec), { mountPoints })).bytes;
        v.source = 'walk';
      } catch (err) {
        warnings.push(`volume ${v.name}: its size could not be measured: ${(err as Error).message}`);
      }
      opts.onProgress?.({ done: ++done, total: volumes.length });
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.parallel ?? 8, toWalk.length) }, worker));
  const sum = (vs: VolumeUsage[]) => vs.reduce((n, v) => n + (v.bytes ?? 0), 0);
  return {
    total: volumes.length,
    active: volumes.filter((v) => v.links > 0).length,
    bytes: sum(volumes),
    reclaimableBytes: sum(volumes.filter((v) => v.reclaimable)),
    volumes,
    warnings,
  };
}

/** The `_data` of a local volume, derived from the configuration; a row whose stored path disagrees is refused. */
function dataDirToWalk(rt: Runtime, rec: VolumeRecord): string {
  validateVolumeName(rec.name);
  const dir = join(rt.config.volumesDir, rec.name, '_data');
  if (rec.mountpoint !== dir) throw new Error(`its recorded mountpoint ${rec.mountpoint} is not ${dir}; vol check reports such rows`);
  // The walk opens `_data` without following a link; the directory above it must not be one either.
  if (!lstatSync(join(rt.config.volumesDir, rec.name)).isDirectory()) throw new Error(`${join(rt.config.volumesDir, rec.name)} is not a directory`);
  return dir;
}
