import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseLocalOptions } from '../local/options.ts';
import { chownVolumeDirs, makeDataDir, makeVolumeDir, volumeLayout } from '../local/volume-fs.ts';
import { removeVolumeTree } from '../local/volume-teardown.ts';
import type { QuotaBackend, QuotaHandle } from '../quota/backend.ts';
import { VolError } from './errors.ts';
import { nowNs } from './new-event.ts';
import { creationTime, type VolumeRecord, type VolumeSettings } from './model.ts';
import type { NewVolume, NewVolumeOptions, Runtime } from './runtime.ts';
import { contentSource, quotaFor } from './volume-create-source.ts';

/**
 * Checks a new local volume's options, limits and content source; under the lock it becomes a
 * row, then its directories (with their owner and limit). A failure undoes what was made, in
 * reverse order.
 */
export async function prepareLocalVolume(rt: Runtime, opts: NewVolumeOptions): Promise<NewVolume> {
  const settings = parseLocalOptions(opts.options ?? {});
  const quota = await quotaFor(rt, settings, opts, opts.name);
  const source = contentSource(rt, opts, quota);
  return {
    record: () => {
      assertNoOrphanDir(rt, opts.name);
      const rec = newRecord(rt, opts.name, opts.labels, settings);
      if (quota) rec.quota = { backend: quota.name };
      return rec;
    },
    make: (rec) => makeDirs(rt, rec, quota, source),
    unmake: (rec) => undoDirs(rt, rec, quota, rec.quota?.id === undefined ? undefined : { id: rec.quota.id }),
  };
}

async function makeDirs(rt: Runtime, rec: VolumeRecord, quota: QuotaBackend | undefined, source: string | undefined): Promise<void> {
  const layout = volumeLayout(rt.config.volumesDir, rec);
  let madeDir = false;
  let handle: QuotaHandle | undefined;
  try {
    makeVolumeDir(layout);
    madeDir = true;
    if (quota) {
      handle = await quota.makeLimitedDir(rec.mountpoint, rec, rec.quota?.id, source);
      // Stored before anything else can fail, so undo (now or after a crash) knows what to release.
      if (handle.id !== rec.quota?.id) rt.store.setQuotaId(rec.name, handle.id);
      rec.quota = { backend: quota.name, id: handle.id };
    } else {
      makeDataDir(layout);
    }
    chownVolumeDirs(layout, rec.uid, rec.gid);
    await rt.afterDiskWork?.();
  } catch (err) {
    await undoDirs(rt, rec, quota, handle, madeDir);
    throw err;
  }
}

/** Undoes in reverse order: directories, then the limit (the caller deletes the row that reserved the name). */
async function undoDirs(rt: Runtime, rec: VolumeRecord, quota: QuotaBackend | undefined, handle: QuotaHandle | undefined, madeDir = true): Promise<void> {
  if (madeDir) removeVolumeTree(volumeLayout(rt.config.volumesDir, rec));
  if (quota && handle) await quota.release(rec.mountpoint, handle).catch((e: unknown) => rt.log.warn(`releasing the quota of ${rec.name} failed`, { error: (e as Error).message }));
}

function newRecord(rt: Runtime, name: string, labels: Record<string, string>, s: VolumeSettings): VolumeRecord {
  const rec: VolumeRecord = {
    name,
    driver: 'local',
    mountpoint: join(rt.config.volumesDir, name, '_data'),
    ...creationTime(nowNs()),
    labels,
    options: s.options,
    noQuota: s.noQuota,
    status: 'creating',
    mountCount: 0,
  };
  if (s.uid !== undefined) rec.uid = s.uid;
  if (s.gid !== undefined) rec.gid = s.gid;
  if (s.size !== undefined) rec.size = s.size;
  if (s.inodes !== undefined) rec.inodes = s.inodes;
  if (s.pluginTimeout !== undefined) rec.pluginTimeout = s.pluginTimeout;
  if (s.mount !== undefined) rec.mount = s.mount;
  return rec;
}

function assertNoOrphanDir(rt: Runtime, name: string): void {
  // Checked before the row exists, so recovery of a `creating` row only ever deletes what its creator made.
  const volDir = join(rt.config.volumesDir, name);
  if (existsSync(volDir)) {
    throw new VolError('STATE_CONFLICT', `directory ${volDir} already exists but no volume records it`, {
      hint: 'move or remove it by hand, then try again',
    });
  }
}
