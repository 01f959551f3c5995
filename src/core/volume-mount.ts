import { mountVolumeFs, unmountVolumeFs, type MountSpec } from '../local/mount.ts';
import { tmpfsLimitOptions } from '../quota/tmpfs.ts';
import { VolError } from './errors.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/**
 * True when a local volume is a mount (type, device, or `o` flags other than uid/gid), as
 * Podman's needsMount decides; other volumes are plain directories and mount is a no-op.
 */
export function needsMount(v: VolumeRecord): boolean {
  return Object.entries(v.options).some(([key, value]) => {
    const k = key.toLowerCase();
    if (k === 'type' || k === 'device') return true;
    return k === 'o' && value.split(',').some((item) => !/^(uid|gid)=/i.test(item));
  });
}

/** `vol mount`: the first mount runs mount(8); each mount counts. Returns the mountpoint. */
export async function mountVolume(rt: Runtime, typed: string): Promise<string> {
  const name = resolveVolumeName(rt, typed);
  return rt.locker.withLock(name, async () => {
    const rec = readyVolume(rt, name, typed);
    if (!needsMount(rec)) return rec.mountpoint;
    // Only the 0 -> 1 transition mounts; a failed mount leaves the count as it was.
    if (rec.mountCount === 0) await mountVolumeFs(mountSpec(rec), name);
    rt.store.setMountCount(name, rec.mountCount + 1);
    return rec.mountpoint;
  });
}

/** `vol unmount`: drops one mount; the real unmount happens when the count reaches 0. */
export async function unmountVolume(rt: Runtime, typed: string): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const rec = readyVolume(rt, name, typed);
    if (!needsMount(rec) || rec.mountCount === 0) return;
    if (rec.mountCount === 1) await unmountVolumeFs(rec.mountpoint, name);
    rt.store.setMountCount(name, rec.mountCount - 1);
  });
}

/** Detaches a mounted volume whatever its count (rm does this, as Podman does); caller holds the lock. */
export async function detachVolume(rt: Runtime, rec: VolumeRecord): Promise<void> {
  if (rec.mountCount === 0 || !needsMount(rec)) return;
  await unmountVolumeFs(rec.mountpoint, rec.name).catch((err: unknown) => {
    // Already gone (unmounted by hand): the count is simply stale.
    if (!/not mounted|no mount point/i.test((err as Error).message)) throw err;
  });
  rt.store.setMountCount(rec.name, 0);
  rec.mountCount = 0;
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
  if (rec.driver !== 'local') throw new VolError('NO_SUCH_PLUGIN', `volume ${name} uses driver ${rec.driver}, which is not available`, { volume: name });
  return rec;
}
