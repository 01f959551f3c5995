import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseLocalOptions } from '../local/options.ts';
import { chownVolumeDirs, makeDataDir, makeVolumeDir, volumeLayout } from '../local/volume-fs.ts';
import { removeVolumeTree } from '../local/volume-teardown.ts';
import type { QuotaBackend, QuotaHandle } from '../quota/backend.ts';
import { createPluginVolume } from './plugin-volume.ts';
import { isLocalDriver } from './plugins.ts';
import { VolError } from './errors.ts';
import { creationTime, type LocalDriverSettings, type VolumeCreateOptions, type VolumeCreateReport, type VolumeRecord } from './model.ts';
import { randomVolumeName, validateVolumeName } from './names.ts';
import { takeName } from './take-name.ts';
import { contentSource, quotaFor } from './volume-create-source.ts';
import { nowNs, volumeEvent } from './events.ts';
import type { Runtime } from './runtime.ts';

/**
 * Creates a local volume: validate everything, then under the volume lock reserve the name in
 * the database (status `creating`), make the directories, and mark it `ready`. Any failure
 * undoes what was made, in reverse order.
 */
export async function createVolume(rt: Runtime, opts: VolumeCreateOptions): Promise<VolumeCreateReport> {
  const name = opts.name || randomVolumeName();
  validateVolumeName(name);
  const labels = validateLabels(opts.labels ?? {});
  const driver = opts.driver || 'local';
  if (!isLocalDriver(driver)) return createPluginVolume(rt, { ...opts, name, labels, driver });
  const settings = parseLocalOptions(opts.options ?? {});
  const quota = await quotaFor(rt, settings, opts, name);
  const source = contentSource(rt, opts, quota);
  return rt.locker.withLock(name, async () => {
    const existing = await takeName(rt, name, opts.ignoreIfExists);
    if (existing) return { volume: existing, existed: true };
    assertNoOrphanDir(rt, name);
    const rec = newRecord(rt, name, labels, settings);
    if (quota) rec.quota = { backend: quota.name };
    rt.store.insertCreating(rec, rt.config.xfsProjectBase);
    await makeDirsOrUndo(rt, rec, quota, source);
    rec.status = 'ready';
    return { volume: rec, existed: false };
  });
}

async function makeDirsOrUndo(rt: Runtime, rec: VolumeRecord, quota: QuotaBackend | undefined, source: string | undefined): Promise<void> {
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
    if (!rt.store.transition(rec.name, 'creating', 'ready', volumeEvent(rec, 'create'))) {
      throw new VolError('STATE_CONFLICT', `volume ${rec.name} changed while it was being created`, { volume: rec.name });
    }
  } catch (err) {
    // Undo in reverse order: directories, then the limit, then the row that reserved the name.
    if (madeDir) removeVolumeTree(layout);
    if (quota && handle) await quota.release(rec.mountpoint, handle).catch((e: unknown) => rt.log.warn(`releasing the quota of ${rec.name} failed`, { error: (e as Error).message }));
    rt.store.delete(rec.name);
    throw err;
  }
}

function newRecord(rt: Runtime, name: string, labels: Record<string, string>, s: LocalDriverSettings): VolumeRecord {
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
  return rec;
}

function assertNoOrphanDir(rt: Runtime, name: string): void {
  // Checked before the row exists, so recovery of a `creating` row only ever deletes what its creator made.
  const volDir = join(rt.config.volumesDir, name);
  if (existsSync(volDir)) {
    throw new VolError('STATE_CONFLICT', `directory ${volDir} already exists but no volume records it`, {
      volume: name,
      hint: 'move or remove it by hand, then try again',
    });
  }
}

function validateLabels(labels: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(labels)) {
    if (key === '') throw new VolError('INVALID_ARG', 'invalid label format: a label key must not be empty');
  }
  return labels;
}
