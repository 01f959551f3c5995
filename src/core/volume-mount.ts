import { mountVolumeFs, unmountVolumeFs, type MountSpec } from '../local/mount.ts';
import { tmpfsLimitOptions } from '../quota/tmpfs.ts';
import { VolError } from './errors.ts';
import { volumeEvent } from './events.ts';
import { dropStaleHolders, pidStartOf } from './holders.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import type { VolumeHolder, VolumeRecord } from './model.ts';
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
    // Only the 0 -> 1 transition mounts; a failed mount leaves the count as it was.
    let pluginPath: string | undefined;
    if (mounts && rec.mountCount === 0) {
      if (isLocalDriver(rec.driver)) await mountVolumeFs(mountSpec(rec), name);
      else pluginPath = await mountPluginVolume(rt, rec);
    }
    const count = rec.mountCount + (mounts ? 1 : 0);
    const event = volumeEvent(rec, 'mount', { ...holderAttrs(holder?.id, holder?.pid), mountCount: count });
    if (holder) rt.store.addHolder(name, { id: holder.id, pid: holder.pid, pidStart, counted: mounts, createdAt: Date.now() }, count, event);
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
    // A plain unmount never takes back a mount that a holder counted.
    const countedByHolders = holders.filter((h) => h.counted).length;
    const drop = holder ? (holder.counted ? 1 : 0) : mounts && rec.mountCount > countedByHolders ? 1 : 0;
    const count = rec.mountCount - drop;
    if (drop === 1 && count === 0) await releaseMount(rt, rec);
    const event = volumeEvent(rec, 'unmount', { ...holderAttrs(holder?.id, holder?.pid), mountCount: count });
    if (holder) rt.store.removeHolders(name, [holder.id], count, event);
    if (drop === 1 && (!holder || count === 0)) {
      rt.store.setMountCount(name, count, count === 0 && !isLocalDriver(rec.driver) ? null : undefined, holder ? undefined : event);
    }
  });
}

/**
 * Releases `holders` (the volume's live holders, as the caller just read them) and detaches a
 * mounted volume whatever its count (rm does this); the caller holds the lock.
 */
export async function detachVolume(rt: Runtime, rec: VolumeRecord, holders: readonly VolumeHolder[]): Promise<void> {
  if (rec.mountCount > 0 && needsMount(rec)) {
    await releaseMount(rt, rec).catch((err: unknown) => {
      // Already gone (unmounted by hand): the count is simply stale.
      if (!/not mounted|no mount point/i.test((err as Error).message)) throw err;
    });
  }
  if (rec.mountCount > 0 || holders.length > 0) rt.store.removeHolders(rec.name, holders.map((h) => h.id), 0);
  rec.mountCount = 0;
}

/** The real unmount of a volume whose count reaches 0: umount(8), or the plugin's Unmount. */
export function releaseMount(rt: Runtime, rec: VolumeRecord): Promise<void> {
  return isLocalDriver(rec.driver) ? unmountVolumeFs(rec.mountpoint, rec.name) : unmountPluginVolume(rt, rec);
}

function holderAttrs(id: string | undefined, pid: number | undefined): Record<string, unknown> {
  if (id === undefined) return {};
  return pid === undefined ? { holder: id } : { holder: id, pid };
}

function mountSpec(rec: VolumeRecord): MountSpec {
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
  return rec;
}
