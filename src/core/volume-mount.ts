import { stackedError } from '../local/mount-command.ts';
import type { MountInfo } from '../local/mount-table.ts';
import { VolError } from './errors.ts';
import { volumeEvent } from './new-event.ts';
import { dropStaleHolders, pidStartOf } from './holders.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime, VolumeDriver } from './runtime.ts';


/** Who mounts: a holder id, optionally tied to a process. */
export interface MountHolder {
  id: string;
  pid?: number;
}

/** `vol mount`: the first mount runs mount(8); each mount (or new holder) counts. Returns the mountpoint. */
export async function mountVolume(rt: Runtime, typed: string, holder?: MountHolder): Promise<string> {
  const name = resolveVolumeName(rt, typed);
  const pidStart = holder?.pid === undefined ? undefined : pidStartOf(holder.pid);
  return rt.locker.withLock(name, async () => {
    const { rec, driver } = readyVolume(rt, name, typed);
    const mounts = driver.needsMount(rec);
    const holders = await dropStaleHolders(rt, rec);
    // The same holder twice is one holder, holding one mount.
    if (holder && holders.some((h) => h.id === holder.id)) return rec.mountpoint;
    const { path, attributes } = mounts ? await driver.mount(rt, rec) : { path: undefined, attributes: {} };
    const count = rec.mountCount + (mounts ? 1 : 0);
    const event = volumeEvent(rec, 'mount', { ...holderAttrs(holder?.id, holder?.pid), mountCount: count, ...attributes });
    if (holder) rt.store.addHolder(name, { id: holder.id, pid: holder.pid, pidStart, counted: mounts, createdAt: rt.now() }, count, event);
    if (mounts && (!holder || path !== undefined)) rt.store.setMountCount(name, count, path, holder ? undefined : event);
    return path ?? rec.mountpoint;
  });
}

/** `vol unmount`: drops one mount (or the holder's); the real unmount happens when the count reaches 0. */
export async function unmountVolume(rt: Runtime, typed: string, holderId?: string): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const { rec, driver } = readyVolume(rt, name, typed);
    const mounts = driver.needsMount(rec);
    const holders = await dropStaleHolders(rt, rec);
    const holder = holderId === undefined ? undefined : holders.find((h) => h.id === holderId);
    if (holderId !== undefined && !holder) {
      throw new VolError('INVALID_ARG', `volume ${name} has no holder ${holderId}`);
    }
    const layers = driver.layers(rec) ?? 0;
    if (layers > 1) throw stackedError(rec, layers);
    // A plain unmount never takes back a mount that a holder counted.
    const countedByHolders = holders.filter((h) => h.counted).length;
    const drop = holder ? (holder.counted ? 1 : 0) : mounts && rec.mountCount > countedByHolders ? 1 : 0;
    const count = rec.mountCount - drop;
    // A mount nobody counts (its mounter was killed before it could) goes with a plain unmount.
    const orphan = !holder && rec.mountCount === 0 && layers === 1;
    if (orphan) rt.log.info(`unmounting volume ${name}, mounted by a killed process that did not count it`, { volume: name });
    if ((drop === 1 && count === 0) || orphan) await driver.release(rt, rec);
    const event = volumeEvent(rec, 'unmount', { ...holderAttrs(holder?.id, holder?.pid), mountCount: count, ...(orphan ? { orphan: true } : {}) });
    if (holder) rt.store.removeHolders(name, [holder.id], count, event);
    if (drop === 1 && (!holder || count === 0)) {
      rt.store.setMountCount(name, count, count === 0 ? driver.unmountedPath : undefined, holder ? undefined : event);
    } else if (orphan) rt.store.appendEvent(event);
  });
}

/** MountCount as the kernel has it, read without the lock: a local mount volume counts 0 when nothing is mounted, at least 1 when something is. */
export function reconciledMountCount(rt: Runtime, rec: VolumeRecord, table: readonly MountInfo[]): number {
  const layers = rt.drivers.of(rec.driver).layers(rec, table);
  if (layers === undefined) return rec.mountCount;
  return layers === 0 ? 0 : Math.max(rec.mountCount, 1);
}

function holderAttrs(id: string | undefined, pid: number | undefined): Record<string, unknown> {
  if (id === undefined) return {};
  return pid === undefined ? { holder: id } : { holder: id, pid };
}

function readyVolume(rt: Runtime, name: string, typed: string): { rec: VolumeRecord; driver: VolumeDriver } {
  const rec = rt.store.get(name);
  if (rec?.status !== 'ready') throw noSuchVolume(typed);
  const driver = rt.drivers.of(rec.driver);
  driver.verify(rt, rec);
  return { rec, driver };
}
