import { processStartTime } from '../lock/lock-owner.ts';
import { VolError } from './errors.ts';
import { volumeEvent } from './new-event.ts';
import type { VolumeHolder, VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** True while a holder counts: it has no process, or its process (the same one, not a reused pid) runs. */
export function isLive(h: VolumeHolder): boolean {
  if (h.pid === undefined) return true;
  const start = processStartTime(h.pid);
  return start !== undefined && (h.pidStart === undefined || start === h.pidStart);
}

/** Validates `--pid` and returns the process's start time, so a later reuse of the pid is told apart. */
export function pidStartOf(pid: number): string {
  if (!Number.isInteger(pid) || pid <= 0) throw new VolError('INVALID_ARG', `invalid --pid ${pid}: expected a process id`);
  const start = processStartTime(pid);
  if (start === undefined) throw new VolError('INVALID_ARG', `invalid --pid ${pid}: no such process`);
  return start;
}

/**
 * Drops the holders of `rec` whose process is gone, giving back the mounts they counted (and
 * unmounting when none is left). The caller holds the volume lock. Returns the live holders.
 */
export async function dropStaleHolders(rt: Runtime, rec: VolumeRecord): Promise<VolumeHolder[]> {
  const holders = rt.store.holdersOf(rec.name);
  const stale = holders.filter((h) => !isLive(h));
  if (stale.length === 0) return holders;
  const count = Math.max(0, rec.mountCount - stale.filter((h) => h.counted).length);
  if (rec.mountCount > 0 && count === 0) await rt.drivers.of(rec.driver).release(rt, rec);
  rt.store.removeHolders(rec.name, stale.map((h) => h.id), count, volumeEvent(rec, 'unmount', { holders: stale.map((h) => h.id), stale: true, mountCount: count }));
  rt.log.info(`dropped stale holders of volume ${rec.name}`, { holders: stale.map((h) => h.id) });
  rec.mountCount = count;
  return holders.filter((h) => !stale.includes(h));
}

/** The error rm gives for a volume with live holders (exit 2). */
export function inUseError(name: string, holders: readonly VolumeHolder[]): VolError {
  return new VolError('VOLUME_IN_USE', `volume ${name} is being used by the following holder(s): ${holders.map((h) => h.id).join(', ')}: volume is being used`, {
    hint: 'unmount it with --holder, or use rm --force',
  });
}
