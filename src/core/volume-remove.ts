import { setTimeout as sleep } from 'node:timers/promises';
import { checkVolumeDir, volumeLayout } from '../local/volume-fs.ts';
import { isVolError } from './errors.ts';
import { volumeEvent } from './events.ts';
import { dropStaleHolders, inUseError } from './holders.ts';
import { type VolumeRecord, type VolumeRmOptions, type VolumeRmReport } from './model.ts';
import { noVolumeWithName, resolveVolumeName } from './lookup.ts';
import { removeVolumeFiles, settleTransient } from './recover.ts';
import { RemovalBatch } from './removal-batch.ts';
import type { Runtime } from './runtime.ts';
import { detachVolume, releaseMount } from './volume-mount.ts';
import { removePluginVolume } from './plugin-volume.ts';
import { isLocalDriver } from './plugins.ts';
import type { OnProgress } from './progress.ts';

/** How removal treats a volume that has live holders. */
export type InUsePolicy = 'refuse' | 'skip' | 'force';

/**
 * Removes the named volumes (or all), one at a time under each volume's own lock, and reports
 * per volume. Missing volumes are errors unless forced. Never stops at the first failure.
 */
export async function removeVolumes(rt: Runtime, opts: VolumeRmOptions, onProgress?: OnProgress): Promise<VolumeRmReport[]> {
  const reports: VolumeRmReport[] = [];
  // --all lists once; each is re-read under its lock and skipped if it went away meanwhile.
  const targets = opts.all ? rt.store.listNames() : opts.names;
  const batch = new RemovalBatch(rt.config.volumesDir);
  try {
    for (const [i, typed] of targets.entries()) {
      onProgress?.({ done: i, total: targets.length });
      const report = await removeTarget(rt, opts, typed, batch);
      if (report) reports.push(report);
    }
  } finally {
    batch.close();
  }
  onProgress?.({ done: targets.length, total: targets.length });
  return reports;
}

/** Removes the volume the user typed as `typed` (a name or, without --all, a unique prefix). */
async function removeTarget(rt: Runtime, opts: VolumeRmOptions, typed: string, batch: RemovalBatch): Promise<VolumeRmReport | undefined> {
  let name: string;
  try {
    name = opts.all ? typed : resolveVolumeName(rt, typed);
  } catch (err) {
    if (!isVolError(err, 'NO_SUCH_VOLUME')) return { name: typed, error: err as Error };
    return opts.force ? undefined : { name: typed, error: noVolumeWithName(typed) };
  }
  if (opts.force && opts.timeout) await waitForRelease(rt, name, opts.timeout);
  return removeOne(rt, name, { quietIfGone: opts.all || opts.force, inUse: opts.force ? 'force' : 'refuse', eventType: 'remove', batch });
}

/** Options of one removal. */
export interface RemoveOneOptions {
  /** A volume gone meanwhile is not an error. */
  quietIfGone: boolean;
  inUse: InUsePolicy;
  /** The event the removal records: `remove`, or `prune` when prune removes it. */
  eventType: 'remove' | 'prune';
  /** What a bulk removal reads once for all its volumes (the default: read for this one alone). */
  batch?: RemovalBatch;
}

/** Removes one volume under its lock; undefined when there is nothing to report (gone, or skipped). */
export async function removeOne(rt: Runtime, name: string, opts: RemoveOneOptions): Promise<VolumeRmReport | undefined> {
  try {
    return await rt.locker.withLock(name, async () => {
      const rec = rt.store.get(name);
      // Gone meanwhile, or a create a killed process left half-done: nothing the user could see.
      if (!rec || rec.status === 'creating') {
        if (rec) await settleTransient(rt, rec);
        if (opts.quietIfGone) return undefined;
        throw noVolumeWithName(name);
      }
      // Paths come from the layout; a row that disagrees is refused before anything is unmounted or deleted.
      const layout = isLocalDriver(rec.driver) ? volumeLayout(rt.config.volumesDir, rec) : undefined;
      const holders = await dropStaleHolders(rt, rec, () => releaseMount(rt, rec));
      if (holders.length > 0 && opts.inUse === 'skip') return undefined;
      if (holders.length > 0 && opts.inUse === 'refuse') throw inUseError(name, holders);
      if (!layout) {
        if (rec.status === 'ready' && !rt.store.transition(name, 'ready', 'removing')) throw noVolumeWithName(name);
        await removePluginVolumeOrRestore(rt, rec, opts.eventType);
        return { name };
      }
      // podman: rm detaches a volume mounted with a plain `mount` whatever its count; forcing also releases holders.
      await detachVolume(rt, rec, holders);
      // Checked before the row changes or anything is deleted, so a refusal changes nothing.
      const batch = opts.batch ?? new RemovalBatch(rt.config.volumesDir);
      try {
        batch.assertNothingMountedUnder(layout.volDir, name);
        checkVolumeDir(layout, batch.volumesDirFd());
        if (rec.status === 'ready' && !rt.store.transition(name, 'ready', 'removing')) throw noVolumeWithName(name);
        // Crash window: from here a killed process leaves a `removing` row that the next touch finishes.
        await removeVolumeFiles(rt, rec, batch.volumesDirFd());
      } finally {
        if (!opts.batch) batch.close();
      }
      rt.store.delete(name, volumeEvent(rec, opts.eventType));
      return { name };
    });
  } catch (err) {
    return { name, error: err as Error };
  }
}

/** Gives the holders of `name` up to `seconds` to release it, checking under its lock, never holding it while waiting. */
async function waitForRelease(rt: Runtime, name: string, seconds: number): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const held = await rt.locker.withLock(name, async () => {
      const rec = rt.store.get(name);
      return rec ? (await dropStaleHolders(rt, rec, () => releaseMount(rt, rec))).length > 0 : false;
    });
    if (!held || Date.now() >= deadline) return;
    await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
  }
}

/** Removes a plugin volume; when the plugin refuses, the volume goes back to ready, unchanged. */
async function removePluginVolumeOrRestore(rt: Runtime, rec: VolumeRecord, eventType: 'remove' | 'prune'): Promise<void> {
  try {
    await removePluginVolume(rt, rec, eventType);
  } catch (err) {
    // A row already gone or changed is left as it is: the plugin's refusal is what the caller hears.
    if (rt.store.get(rec.name) && !rt.store.transition(rec.name, 'removing', 'ready')) rt.log.warn(`volume ${rec.name} could not be put back to ready`, { volume: rec.name });
    throw err;
  }
}
