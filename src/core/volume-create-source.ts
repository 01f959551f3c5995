import type { QuotaBackend } from '../quota/backend.ts';
import { VolError } from './errors.ts';
import type { LocalDriverSettings, VolumeCreateOptions } from './model.ts';
import { backendForLimits, quotaTarget, wantsQuota } from './quota.ts';
import type { Runtime } from './runtime.ts';
import { readySnapshot, snapshotPath } from './volume-snapshot.ts';

/**
 * The backend a new local volume's data is made with: the one enforcing its limits, or (for an
 * `accounted` volume or one made from a snapshot) btrfs where it is usable; undefined for a plain directory.
 */
export async function quotaFor(rt: Runtime, settings: LocalDriverSettings, opts: VolumeCreateOptions, name: string): Promise<QuotaBackend | undefined> {
  if (wantsQuota(settings) || opts.fromSnapshot !== undefined) return backendForLimits(rt, settings, settings.type, name);
  if (!opts.accounted || settings.noQuota) return undefined;
  const { backend } = quotaTarget(rt, settings.type);
  if (!backend?.snapshots) return undefined;
  try {
    await backend.check({}, name);
    return backend;
  } catch {
    // Quotas disabled there: the volume is a plain directory, as without `accounted`.
    return undefined;
  }
}

/** The path of snapshot `name` to start a volume from, checked to be usable by `quota`. */
export function snapshotSource(rt: Runtime, name: string, quota: QuotaBackend | undefined): string {
  const snap = readySnapshot(rt, name);
  if (!quota?.snapshots) throw new VolError('QUOTA_UNSUPPORTED', `a volume made from snapshot ${name} needs the btrfs backend for its data`);
  return snapshotPath(rt, snap.name);
}
