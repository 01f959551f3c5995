import { setTimeout as sleep } from 'node:timers/promises';
import { isVolError } from './errors.ts';
import { dropStaleHolders, inUseError } from './holders.ts';
import type { VolumeRmOptions, VolumeRmReport } from './model.ts';
import { noVolumeWithName, resolveVolumeName } from './lookup.ts';
import { removalUnderWay, settleTransient } from './recover.ts';
import { RemovalBatch, BULK_FROM } from './removal-batch.ts';
import type { Runtime } from './runtime.ts';
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
  const batch = new RemovalBatch(rt.config.volumesDir, targets.length >= BULK_FROM ? rt.store : undefined);
  try {
    for (const [i, typed] of targets.entries()) {
      onProgress?.({ done: i, total: targets.length });
      const report = await removeTarget(rt, opts, typed, batch);
      if (report) reports.push(report);
      await batch.pace();
    }
    await finishBatch(rt, batch, reports);
  } finally {
    batch.close();
  }
  onProgress?.({ done: targets.length, total: targets.length });
  return reports;
}

/**
 * Waits for the batch's trash to be deleted; a volume whose directory could not be deleted from it
 * is reported as failed (it is off the books, its files are not), and what an earlier removal left
 * there and could not be deleted is logged.
 */
export async function finishBatch(rt: Runtime, batch: RemovalBatch, reports: VolumeRmReport[]): Promise<void> {
  for (const failure of await batch.finish()) {
    if (failure.leftover) {
      rt.log.warn(failure.error.message, { volume: failure.volume });
      continue;
    }
    const at = reports.findIndex((r) => r.name === failure.volume && !r.error);
    if (at >= 0) reports[at] = { name: failure.volume, error: failure.error };
    else reports.push({ name: failure.volume, error: failure.error });
  }
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
      // Gone meanwhile (or being deleted by a running bulk removal), or a create a killed process
      // left half-done: nothing the user could see.
      const underWay = rec !== undefined && removalUnderWay(rec);
      if (!rec || rec.status === 'creating' || underWay) {
        if (rec && !underWay) await settleTransient(rt, rec);
        if (opts.quietIfGone) return undefined;
        throw noVolumeWithName(name);
      }
      const driver = rt.drivers.of(rec.driver);
      // Paths come from the layout; a row that disagrees is refused before anything is unmounted or deleted.
      driver.verify(rt, rec);
      const holders = await dropStaleHolders(rt, rec);
      if (holders.length > 0 && opts.inUse === 'skip') return undefined;
      if (holders.length > 0 && opts.inUse === 'refuse') throw inUseError(name, holders);
      await driver.remove(rt, rec, holders, { eventType: opts.eventType, batch: opts.batch });
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
      return rec ? (await dropStaleHolders(rt, rec)).length > 0 : false;
    });
    if (!held || Date.now() >= deadline) return;
    await sleep(Math.min(200, Math.max(0, deadline - Date.now())));
  }
}
