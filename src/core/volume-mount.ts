import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { mountVolumeFs, unmountVolumeFs, type MountSpec } from '../local/mount.ts';
import { mountsAt, readMountTable, type MountInfo } from '../local/mounts.ts';
import { volumeLayout } from '../local/volume-fs.ts';
import { tmpfsLimitOptions } from '../quota/tmpfs.ts';
import { VolError } from './errors.ts';
import { volumeEvent } from './events.ts';
import { dropStaleHolders, pidStartOf } from './holders.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import { volumeDir, type VolumeHolder, type VolumeRecord } from './model.ts';
import { mountPluginVolume, unmountPluginVolume } from './plugin-volume.ts';
import { isLocalDriver } from './plugins.ts';
import type { Runtime } from './runtime.ts';

/** Who mounts: a holder id, optionally tied to a process. */
export interface MountHolder {
  id: string;
  pid?: number;
}

/**
 * True when a local volume is a mount (type, device, or `o` flags other than uid/gid), as
 * Podman's needsMount decides; other volumes are plain directories and mount is a no-op.
 */
export function needsMount(v: VolumeRecord): boolean {
  // Plugin volumes always need a mount, as in Podman.
  if (!isLocalDriver(v.driver)) return true;
  return Object.entries(v.options).some(([key, value]) => {
    const k = key.toLowerCase();
    if (k === 'type' || k === 'device') return true;
    return k === 'o' && value.split(',').some((item) => !/^(uid|gid)=/i.test(item));
  });
}

/** `vol mount`: the first mount runs mount(8); each mount (or new holder) counts. Returns the mountpoint. */
export async function mountVolume(rt: Runtime, typed: string, holder?: MountHolder): Promise<string> {
  const name = resolveVolumeName(rt, typed);
  const pidStart = holder?.pid === undefined ? undefined : pidStartOf(holder.pid);
  return rt.locker.withLock(name, async () => {
    const rec = readyVolume(rt, name, typed);
    const mounts = needsMount(rec);
    const holders = await dropStaleHolders(rt, rec, () => releaseMount(rt, rec));
    // The same holder twice is one holder, holding one mount.
    if (holder && holders.some((h) => h.id === holder.id)) return rec.mountpoint;
    let pluginPath: string | undefined;
    const extra: Record<string, unknown> = {};
    if (mounts && isLocalDriver(rec.driver)) {
      // The kernel's mount table is the truth, the count a cache a killed process may have left stale.
      const layers = kernelLayers(rec);
      if (layers > 1) throw stackedError(rec, layers);
      if (layers === 1 && rec.mountCount === 0) {
        rt.log.info(`adopting the mount of volume ${name} that a killed process made but did not count`, { volume: name });
        extra.adopted = true;
      }
      if (layers === 0) {
        if (rec.mountCount > 0) {
          rt.log.info(`mounting volume ${name} again: its count says ${rec.mountCount} but nothing is mounted`, { volume: name });
          extra.remounted = true;
        }
        await mountVolumeFs(mountSpec(rec), name);
      }
    } else if (mounts && rec.mountCount === 0) {
      // Only the 0 -> 1 transition mounts; a failed mount leaves the count as it was.
      pluginPath = await mountPluginVolume(rt, rec);
    }
    const count = rec.mountCount + (mounts ? 1 : 0);
    const event = volumeEvent(rec, 'mount', { ...holderAttrs(holder?.id, holder?.pid), mountCount: count, ...extra });
    if (holder) rt.store.addHolder(name, { id: holder.id, pid: holder.pid, pidStart, counted: mounts, createdAt: rt.now() }, count, event);
    if (mounts && (!holder || pluginPath !== undefined)) rt.store.setMountCount(name, count, pluginPath, holder ? undefined : event);
    return pluginPath ?? rec.mountpoint;
  });
}

/** `vol unmount`: drops one mount (or the holder's); the real unmount happens when the count reaches 0. */
export async function unmountVolume(rt: Runtime, typed: string, holderId?: string): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const rec = readyVolume(rt, name, typed);
    const mounts = needsMount(rec);
    const holders = await dropStaleHolders(rt, rec, () => releaseMount(rt, rec));
    const holder = holderId === undefined ? undefined : holders.find((h) => h.id === holderId);
    if (holderId !== undefined && !holder) {
      throw new VolError('INVALID_ARG', `volume ${name} has no holder ${holderId}`, { volume: name });
    }
    const local = mounts && isLocalDriver(rec.driver);
    const layers = local ? kernelLayers(rec) : 0;
    if (layers > 1) throw stackedError(rec, layers);
    // A plain unmount never takes back a mount that a holder counted.
    const countedByHolders = holders.filter((h) => h.counted).length;
    const drop = holder ? (holder.counted ? 1 : 0) : mounts && rec.mountCount > countedByHolders ? 1 : 0;
    const count = rec.mountCount - drop;
    // A mount nobody counts (its mounter was killed before it could) goes with a plain unmount.
    const orphan = local && !holder && rec.mountCount === 0 && layers === 1;
    if (orphan) rt.log.info(`unmounting volume ${name}, mounted by a killed process that did not count it`, { volume: name });
    if ((drop === 1 && count === 0) || orphan) await releaseMount(rt, rec);
    const event = volumeEvent(rec, 'unmount', { ...holderAttrs(holder?.id, holder?.pid), mountCount: count, ...(orphan ? { orphan: true } : {}) });
    if (holder) rt.store.removeHolders(name, [holder.id], count, event);
    if (drop === 1 && (!holder || count === 0)) {
      rt.store.setMountCount(name, count, count === 0 && !isLocalDriver(rec.driver) ? null : undefined, holder ? undefined : event);
    } else if (orphan) rt.store.appendEvent(event);
  });
}

/**
 * Releases `holders` (the volume's live holders, as the caller just read them) and detaches a
 * mounted volume whatever its count (rm does this); the caller holds the lock.
 */
export async function detachVolume(rt: Runtime, rec: VolumeRecord, holders: readonly VolumeHolder[]): Promise<void> {
  // A local volume is detached by what the kernel has mounted, a plugin volume by its count.
  if (needsMount(rec) && (isLocalDriver(rec.driver) || rec.mountCount > 0)) await releaseMount(rt, rec);
  if (rec.mountCount > 0 || holders.length > 0) rt.store.removeHolders(rec.name, holders.map((h) => h.id), 0);
  rec.mountCount = 0;
}

/** The real unmount of a volume whose count reaches 0: umount(8) of every layer the kernel has at `_data`, or the plugin's Unmount. */
export async function releaseMount(rt: Runtime, rec: VolumeRecord): Promise<void> {
  if (!isLocalDriver(rec.driver)) return unmountPluginVolume(rt, rec);
  for (let layers = kernelLayers(rec); layers > 0; layers--) await unmountVolumeFs(rec.mountpoint, rec.name);
}

/** MountCount as the kernel has it, read without the lock: a local mount volume counts 0 when nothing is mounted, at least 1 when something is. */
export function reconciledMountCount(rec: VolumeRecord, table: readonly MountInfo[]): number {
  if (!isLocalDriver(rec.driver) || !needsMount(rec)) return rec.mountCount;
  return kernelLayers(rec, table) === 0 ? 0 : Math.max(rec.mountCount, 1);
}

/** How many file systems are mounted on the volume's `_data` now (more than one is a stack). */
export function kernelLayers(rec: VolumeRecord, table: readonly MountInfo[] = readMountTable()): number {
  return mountsAt(dataPath(rec), table).length;
}

/** `_data` as the mount table spells it: the volume directory resolved, `_data` itself not followed. */
function dataPath(rec: VolumeRecord): string {
  const dir = volumeDir(rec);
  try {
    return join(realpathSync(dir), '_data');
  } catch {
    return rec.mountpoint;
  }
}

function stackedError(rec: VolumeRecord, layers: number): VolError {
  return new VolError('STATE_CONFLICT', `volume ${rec.name} has ${layers} file systems stacked on ${rec.mountpoint}: the top one hides the data of those below`, {
    volume: rec.name,
    hint: 'see vol check; unmount the extra layers by hand (umount ' + rec.mountpoint + ') once their data is saved',
  });
}

function holderAttrs(id: string | undefined, pid: number | undefined): Record<string, unknown> {
  if (id === undefined) return {};
  return pid === undefined ? { holder: id } : { holder: id, pid };
}

/** What mount(8) is given for a local volume: its type, device and `o` options, and the tmpfs limits. */
export function mountSpec(rec: VolumeRecord): MountSpec {
  let type: string | undefined;
  let device: string | undefined;
  const options: string[] = [];
  for (const [key, value] of Object.entries(rec.options)) {
    const k = key.toLowerCase();
    if (k === 'type') type = value;
    else if (k === 'device') device = value;
    else if (k === 'o') options.push(...value.split(',').filter((o) => o !== ''));
  }
  // A tmpfs enforces the volume's limits itself, given as plain numbers.
  if (type?.toLowerCase() === 'tmpfs') options.push(...tmpfsLimitOptions(rec));
  return { type, device, options, target: rec.mountpoint };
}

function readyVolume(rt: Runtime, name: string, typed: string): VolumeRecord {
  const rec = rt.store.get(name);
  if (rec?.status !== 'ready') throw noSuchVolume(typed);
  // A local volume is mounted and unmounted only at its layout path, never where an edited row points.
  if (isLocalDriver(rec.driver)) volumeLayout(rt.config.volumesDir, rec);
  return rec;
}
