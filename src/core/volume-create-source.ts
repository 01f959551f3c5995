import type { QuotaBackend } from '../quota/backend.ts';
import { VolError } from './errors.ts';
import type { VolumeCreateOptions, VolumeSettings } from './model.ts';
import { noSuchVolume } from './lookup.ts';
import { backendForLimits, quotaTarget, wantsQuota } from './quota.ts';
import type { Runtime } from './runtime.ts';
import { readySnapshot, snapshotPath } from './volume-snapshot.ts';
import { volumeLayout } from '../local/volume-fs.ts';

/**
 * The backend a new local volume's data is made with: the one enforcing its limits, or (for an
 * `accounted` volume or one made from a snapshot or volume) btrfs where it is usable; undefined for a plain directory.
 */
export async function quotaFor(rt: Runtime, settings: VolumeSettings, opts: VolumeCreateOptions, name: string): Promise<QuotaBackend | undefined> {
  if (wantsQuota(settings) || opts.fromSnapshot !== undefined || opts.fromVolume !== undefined) return backendForLimits(rt, settings, settings.mount?.type, name);
  if (!opts.accounted || settings.noQuota) return undefined;
  const { backend } = quotaTarget(rt, settings.mount?.type);
  if (!backend?.snapshots) return undefined;
  try {
    await backend.check({}, name);
    return backend;
  } catch {
    // Quotas disabled there: the volume is a plain directory, as without `accounted`.
    return undefined;
  }
}

/**
 * The directory a new volume's data starts as a copy of (a snapshot, or another volume's data),
 * checked to be usable by `quota`; undefined for an empty volume.
 */
export function contentSource(rt: Runtime, opts: VolumeCreateOptions, quota: QuotaBackend | undefined): string | undefined {
  if (opts.fromSnapshot === undefined && opts.fromVolume === undefined) return undefined;
  let path: string;
  if (opts.fromSnapshot !== undefined) {
    path = snapshotPath(rt, readySnapshot(rt, opts.fromSnapshot).name);
  } else {
    const src = rt.store.get(opts.fromVolume!);
    if (src?.status !== 'ready') throw noSuchVolume(opts.fromVolume!);
    // Only a subvolume can be snapshotted: a plain directory would need a copy, file by file.
    if (src.quota?.backend !== 'btrfs' || src.quota.id === undefined) throw new VolError('QUOTA_UNSUPPORTED', `volume ${src.name} cannot be cloned: its data is not a btrfs subvolume`);
    path = volumeLayout(rt.config.volumesDir, src).dataDir;
  }
  if (!quota?.snapshots) throw new VolError('QUOTA_UNSUPPORTED', 'a volume made as a copy needs the btrfs backend for its data');
  return path;
}
