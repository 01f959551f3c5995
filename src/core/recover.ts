import { assertNothingMountedUnder } from '../local/mounts.ts';
import { volumeLayout, type OpenVolumesDir } from '../local/volume-fs.ts';
import { removeVolumeTree } from '../local/volume-teardown.ts';
import { volumeEvent } from './events.ts';
import { isLocalDriver } from './plugins.ts';
import { backendByName } from './quota.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/**
 * Finishes what a killed process left half-done on `rec`; the caller holds its lock, so no live
 * process is working on it. `creating` is undone and `removing` is finished: either way the
 * directory goes first, then the row, so no directory is ever left without a row.
 * Returns true when the volume was a `removing` one (its removal is now complete).
 */
export async function settleTransient(rt: Runtime, rec: VolumeRecord): Promise<boolean> {
  if (rec.status === 'ready') return false;
  // Info, not a warning: recovering from a kill is routine, and the default log level prints only errors and warnings.
  rt.log.info(`${rec.status === 'creating' ? 'undoing the creation' : 'finishing the removal'} of volume ${rec.name} left by a killed process`, { volume: rec.name });
  // A plugin volume has nothing on vol's disk; what the plugin holds, `vol reload` brings back.
  // Only a finished removal is an event: an undone create never happened.
  const event = rec.status === 'removing' ? volumeEvent(rec, 'remove', { finished: 'left by a killed process' }) : undefined;
  if (!isLocalDriver(rec.driver)) {
    rt.store.delete(rec.name, event);
    return rec.status === 'removing';
  }
  assertNothingMountedUnder(volumeLayout(rt.config.volumesDir, rec).volDir, rec.name);
  await removeVolumeFiles(rt, rec);
  rt.store.delete(rec.name, event);
  return rec.status === 'removing';
}

/**
 * Deletes a volume's directory tree (never following links), then releases its quota. A crash
 * in between leaves the row, so a later call releases the quota (both steps are repeatable).
 * `held` is the volumes directory a bulk removal keeps open.
 */
export async function removeVolumeFiles(rt: Runtime, rec: VolumeRecord, held?: OpenVolumesDir): Promise<void> {
  removeVolumeTree(volumeLayout(rt.config.volumesDir, rec), held);
  // podman: a btrfs qgroup outlives its subvolume there unless destroyed; vol destroys it.
  if (rec.quota?.id !== undefined) await backendByName(rt, rec.quota.backend)?.release(rec.mountpoint, { id: rec.quota.id });
}
