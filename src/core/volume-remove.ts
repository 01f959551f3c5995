import { assertNothingMountedUnder } from '../local/mounts.ts';
import { isVolError } from './errors.ts';
import { volumeDir, type VolumeRmOptions, type VolumeRmReport } from './model.ts';
import { noVolumeWithName, resolveVolumeName } from './lookup.ts';
import { removeVolumeFiles, settleTransient } from './recover.ts';
import { detachVolume } from './volume-mount.ts';
import type { Runtime } from './runtime.ts';

/**
 * Removes the named volumes (or all), one at a time under each volume's own lock, and reports
 * per volume. Missing volumes are errors unless forced. Never stops at the first failure.
 */
export async function removeVolumes(rt: Runtime, opts: VolumeRmOptions): Promise<VolumeRmReport[]> {
  const reports: VolumeRmReport[] = [];
  if (opts.all) {
    // Listed once; each is re-read under its lock and skipped if it went away meanwhile.
    for (const name of rt.store.listNames()) {
      const report = await removeOne(rt, name, true);
      if (report) reports.push(report);
    }
    return reports;
  }
  for (const typed of opts.names) {
    let name: string;
    try {
      name = resolveVolumeName(rt, typed);
    } catch (err) {
      if (!isVolError(err, 'NO_SUCH_VOLUME')) reports.push({ name: typed, error: err as Error });
      else if (!opts.force) reports.push({ name: typed, error: noVolumeWithName(typed) });
      continue;
    }
    const report = await removeOne(rt, name, opts.force);
    if (report) reports.push(report);
  }
  return reports;
}

/** Removes one volume under its lock; undefined when there is nothing to report. */
async function removeOne(rt: Runtime, name: string, quietIfGone: boolean): Promise<VolumeRmReport | undefined> {
  try {
    return await rt.locker.withLock(name, async () => {
      const rec = rt.store.get(name);
      // Gone meanwhile, or a create a killed process left half-done: nothing the user could see.
      if (!rec || rec.status === 'creating') {
        if (rec) await settleTransient(rt, rec);
        if (quietIfGone) return undefined;
        throw noVolumeWithName(name);
      }
      // podman: rm detaches a volume mounted with a plain `mount` whatever its count, and so does vol.
      await detachVolume(rt, rec);
      // Checked before the row changes or anything is deleted, so a refusal changes nothing.
      assertNothingMountedUnder(volumeDir(rec), name);
      if (rec.status === 'ready' && !rt.store.transition(name, 'ready', 'removing')) {
        throw noVolumeWithName(name);
      }
      // Crash window: from here a killed process leaves a `removing` row that the next touch finishes.
      await removeVolumeFiles(rt, rec);
      rt.store.delete(name);
      return { name };
    });
  } catch (err) {
    return { name, error: err as Error };
  }
}
