import { exportTree, importTree } from '../local/archive.ts';
import { isMountVolume, kernelLayers, mountSpec, mountVolumeFs, stackedError, unmountVolumeFs } from '../local/mount-command.ts';
import { assertNothingMountedUnder } from '../local/mount-table.ts';
import { closeQuietly, openVolumeDirIn, volumeLayout, type OpenVolumesDir, type VolumeLayout } from '../local/volume-fs.ts';
import { removeVolumeTree } from '../local/volume-teardown.ts';
import { VolError } from './errors.ts';
import { volumeEvent } from './new-event.ts';
import { prepareLocalVolume } from './local-create.ts';
import { noVolumeWithName } from './lookup.ts';
import { RemovalBatch } from './removal-batch.ts';
import type { VolumeRecord } from './model.ts';
import type { MountOutcome, Runtime, VolumeDriver } from './runtime.ts';

/**
 * vol's own driver: a volume is `<volume path>/<name>/_data`, made with its owner and limit, and
 * mounted with mount(8) when its options make it a mount (tmpfs, bind, a device). For "is it
 * mounted", the kernel's mount table is the truth and the count a cache.
 */
export const localDriver: VolumeDriver = {
  prepare: prepareLocalVolume,
  // A local volume is acted on only at its layout path, never where an edited row points.
  verify: (rt, rec) => void volumeLayout(rt.config.volumesDir, rec),
  needsMount: isMountVolume,
  mount: mountLocal,
  release: async (_rt, rec) => {
    for (let layers = kernelLayers(rec); layers > 0; layers--) await unmountVolumeFs(rec.mountpoint, rec.name);
  },
  // A local volume is detached by what the kernel has mounted, whatever its count says.
  detach: async (rt, rec) => {
    if (isMountVolume(rec)) await localDriver.release(rt, rec);
  },
  layers: (rec, table) => (isMountVolume(rec) ? kernelLayers(rec, table) : undefined),
  unmountedPath: undefined,
  remove: async (rt, rec, holders, { eventType, batch }) => {
    const layout = volumeLayout(rt.config.volumesDir, rec);
    // podman: rm detaches a volume mounted with a plain `mount` whatever its count; forcing also releases holders.
    await localDriver.detach(rt, rec);
    if (rec.mountCount > 0 || holders.length > 0) rt.store.removeHolders(rec.name, holders.map((h) => h.id), 0);
    rec.mountCount = 0;
    const own = batch ? undefined : new RemovalBatch(rt.config.volumesDir);
    const shared = batch ?? own!;
    let volFd: number | undefined;
    let markedBy: string | undefined;
    try {
      // Checked before the row changes or anything is deleted, so a refusal changes nothing; the
      // directory stays open for the trash to look into `_data` (deleting goes by name, as always).
      shared.assertNothingMountedUnder(layout.volDir, rec.name);
      volFd = openVolumeDirIn(shared.volumesDirFd(), layout);
      // A bulk removal marks the row as its own and deletes it after the lock (a killed one's is finished by the next touch).
      const by = rec.status === 'ready' ? shared.removerId() : undefined;
      if (rec.status === 'ready' && !rt.store.transition(rec.name, 'ready', 'removing', undefined, by)) throw noVolumeWithName(rec.name);
      markedBy = by;
      // Crash window: from here a killed process leaves a `removing` row that the next touch finishes.
      // A size-limited volume is removed in place: its quota is released once its files are gone.
      const trash = rec.quota === undefined ? shared.trash() : undefined;
      if (volFd === undefined || !trash?.moveAway(volFd, layout)) await removeVolumeFiles(rt, rec, layout, shared.volumesDirFd());
    } finally {
      closeQuietly(volFd);
      own?.close();
    }
    const event = volumeEvent(rec, eventType);
    if (markedBy !== undefined) shared.finishLater(rec, event);
    else rt.store.delete(rec.name, event);
  },
  settle: async (rt, rec) => {
    const layout = volumeLayout(rt.config.volumesDir, rec);
    assertNothingMountedUnder(layout.volDir, rec.name);
    await removeVolumeFiles(rt, rec, layout);
  },
  exportData: (rt, rec, out) => exportTree(archivableLayout(rt, rec), out),
  importData: (rt, rec, input) => {
    const owner = rec.uid === undefined && rec.gid === undefined ? undefined : { uid: rec.uid ?? process.getuid?.() ?? 0, gid: rec.gid ?? process.getgid?.() ?? 0 };
    return importTree(archivableLayout(rt, rec), input(), owner, rec.quota !== undefined);
  },
  status: async () => [],
  keepsDataHere: true,
};

async function mountLocal(rt: Runtime, rec: VolumeRecord): Promise<MountOutcome> {
  const attributes: Record<string, unknown> = {};
  // The kernel's mount table is the truth, the count a cache a killed process may have left stale.
  const layers = kernelLayers(rec);
  if (layers > 1) throw stackedError(rec, layers);
  if (layers === 1 && rec.mountCount === 0) {
    rt.log.info(`adopting the mount of volume ${rec.name} that a killed process made but did not count`, { volume: rec.name });
    attributes.adopted = true;
  }
  if (layers === 0) {
    if (rec.mountCount > 0) {
      rt.log.info(`mounting volume ${rec.name} again: its count says ${rec.mountCount} but nothing is mounted`, { volume: rec.name });
      attributes.remounted = true;
    }
    await mountVolumeFs(mountSpec(rec), rec.name);
  }
  return { attributes };
}

/**
 * Deletes a volume's directory tree (never following links), then releases its quota. A crash
 * in between leaves the row, so a later call releases the quota (both steps are repeatable).
 * `layout` is the one the caller checked; `held` is the volumes directory a bulk removal keeps open.
 */
async function removeVolumeFiles(rt: Runtime, rec: VolumeRecord, layout: VolumeLayout, held?: OpenVolumesDir): Promise<void> {
  removeVolumeTree(layout, held);
  // podman: a btrfs qgroup outlives its subvolume there unless destroyed; vol destroys it.
  if (rec.quota?.id !== undefined) await rt.quota.byName(rec.quota.backend)?.release(rec.mountpoint, { id: rec.quota.id });
}

function archivableLayout(rt: Runtime, rec: VolumeRecord) {
  // A bind (or other file system) volume shows its data only while mounted; podman lets an
  // unmounted tmpfs through (its `_data` is then simply empty), and so does vol.
  const type = rec.mount?.type;
  if (type && type.toLowerCase() !== 'tmpfs' && rec.mountCount === 0) {
    throw new VolError('STATE_CONFLICT', `volume ${rec.name} is using a driver local and volume is not mounted on ${rec.mountpoint}`, {
      hint: `run vol mount ${rec.name} first`,
    });
  }
  return volumeLayout(rt.config.volumesDir, rec);
}
