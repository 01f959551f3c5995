import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { mountPointOf } from '../local/mount-table.ts';
import type { SnapshotBackend } from '../quota/backend.ts';
import { VolError } from './errors.ts';
import { noSuchVolume } from './lookup.ts';
import type { SnapshotRecord, VolumeRecord } from './model.ts';
import { validateVolumeName } from './names.ts';
import { backendByName } from './quota.ts';
import type { Runtime } from './runtime.ts';
import { volumeLayout } from '../local/volume-fs.ts';

/** Where snapshots live: `<root>/snapshots/<name>`, each a read-only btrfs subvolume. */
export function snapshotsDir(rt: Runtime): string {
  return join(rt.config.root, 'snapshots');
}

/** The path of snapshot `name`, derived from the configuration (a stored path is only compared to it). */
export function snapshotPath(rt: Runtime, name: string): string {
  return join(snapshotsDir(rt), name);
}

/**
 * Takes a read-only snapshot named `name` of volume `source` (exact names). The same name and
 * source again returns the snapshot already taken; the name taken for another source is
 * SNAPSHOT_EXISTS. Only volumes whose data is a btrfs subvolume can be snapshotted.
 */
export async function createSnapshot(rt: Runtime, source: string, name: string): Promise<SnapshotRecord> {
  validateVolumeName(name);
  const found = await settledSnapshot(rt, name);
  if (found) {
    if (found.source !== source) throw new VolError('SNAPSHOT_EXISTS', `snapshot with name ${name} already exists for volume ${found.source}`);
    return found;
  }
  return rt.locker.withLock(source, async () => {
    const rec = rt.store.get(source);
    if (rec?.status !== 'ready') throw noSuchVolume(source);
    const snaps = snapshotBackend(rt, rec);
    const path = snapshotPath(rt, name);
    const snap: SnapshotRecord = { name, source, path, createdAt: rt.now(), size: 0, status: 'creating' };
    rt.store.snapshots.insertCreating(snap);
    try {
      mkdirSync(snapshotsDir(rt), { recursive: true, mode: 0o700 });
      const handle = await snaps.snapshot(volumeLayout(rt.config.volumesDir, rec).dataDir, path, true);
      snap.quotaId = handle.id;
      // What the source holds is what a volume made from the snapshot starts with.
      const sourceId = rec.quota!.id!;
      snap.size = (await backendByName(rt, 'btrfs')?.usage([{ id: sourceId }]))?.get(sourceId)?.usedBytes ?? 0;
      // Only a delete that ignores the source's lock can change the row meanwhile; it removes the files too.
      if (!rt.store.snapshots.transition(name, 'creating', 'ready', { size: snap.size, quotaId: handle.id })) {
        throw new VolError('STATE_CONFLICT', `snapshot ${name} was changed in the database while it was being taken`);
      }
      snap.status = 'ready';
      return snap;
    } catch (err) {
      rt.store.snapshots.delete(name);
      throw err;
    }
  });
}

/** Deletes snapshot `name`; a snapshot that does not exist is not an error (the call can be repeated). */
export async function deleteSnapshot(rt: Runtime, name: string): Promise<void> {
  const snap = rt.store.snapshots.get(name);
  if (!snap) return;
  // A concurrent delete got there first: once its row is gone, there is nothing left to do.
  if (snap.status === 'ready' && !rt.store.snapshots.transition(name, 'ready', 'removing') && !rt.store.snapshots.get(name)) return;
  await removeSnapshotFiles(rt, snap);
  rt.store.snapshots.delete(name);
}

/** Ready snapshots, sorted by name, optionally of one source volume. */
export function listSnapshots(rt: Runtime, source?: string): SnapshotRecord[] {
  return rt.store.snapshots.list({ source });
}

/** The ready snapshot `name`, or NO_SUCH_SNAPSHOT. */
export function readySnapshot(rt: Runtime, name: string): SnapshotRecord {
  const snap = rt.store.snapshots.get(name);
  if (snap?.status !== 'ready') throw new VolError('NO_SUCH_SNAPSHOT', `no such snapshot ${name}`);
  return snap;
}

/** The snapshot backend for `rec`, or QUOTA_UNSUPPORTED saying why there is none. */
function snapshotBackend(rt: Runtime, rec: VolumeRecord): SnapshotBackend {
  const snaps = rec.quota?.id !== undefined ? backendByName(rt, rec.quota.backend)?.snapshots : undefined;
  if (!snaps) {
    throw new VolError('QUOTA_UNSUPPORTED', `volume ${rec.name} cannot be snapshotted: snapshots need a volume whose data is a btrfs subvolume (volumes made on btrfs with quotas enabled)`);
  }
  // btrfs snapshots stay inside one file system: the root must be on the volumes' btrfs.
  mkdirSync(snapshotsDir(rt), { recursive: true, mode: 0o700 });
  if (mountPointOf(realpathSync(snapshotsDir(rt))) !== mountPointOf(realpathSync(rt.config.volumesDir))) {
    throw new VolError('QUOTA_UNSUPPORTED', `volume ${rec.name} cannot be snapshotted: ${snapshotsDir(rt)} is not on the file system of ${rt.config.volumesDir}`, {
      hint: 'keep --root and [engine] volume_path on the same btrfs',
    });
  }
  return snaps;
}

/** The row for `name` once any half-done work a killed process left on it is cleared; undefined if none. */
async function settledSnapshot(rt: Runtime, name: string): Promise<SnapshotRecord | undefined> {
  const snap = rt.store.snapshots.get(name);
  if (!snap || snap.status === 'ready') return snap;
  await removeSnapshotFiles(rt, snap);
  rt.store.snapshots.delete(name);
  return undefined;
}

async function removeSnapshotFiles(rt: Runtime, snap: SnapshotRecord): Promise<void> {
  const path = snapshotPath(rt, snap.name);
  if (snap.path !== path) {
    throw new VolError('STATE_CONFLICT', `snapshot ${snap.name} records the path ${snap.path}, not ${path}: refusing to delete it`, { hint: 'vol check reports such rows' });
  }
  const snaps = backendByName(rt, 'btrfs')?.snapshots;
  if (!snaps) throw new VolError('QUOTA_UNSUPPORTED', `snapshot ${snap.name} cannot be deleted without the btrfs backend`);
  await snaps.deleteSnapshot(path, snap.quotaId === undefined ? undefined : { id: snap.quotaId });
}
