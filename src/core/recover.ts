import { ownerTextAlive } from '../lock/lock-owner.ts';
import { volumeEvent } from './new-event.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/**
 * Finishes what a killed process left half-done on `rec`; the caller holds its lock, so no live
 * process is working on it (but for a running bulk removal's row, finished here as it would be). `creating` is undone and `removing` is finished: either way the
 * directory goes first, then the row, so no directory is ever left without a row.
 * Returns true when the volume was a `removing` one (its removal is now complete).
 */
export async function settleTransient(rt: Runtime, rec: VolumeRecord): Promise<boolean> {
  if (rec.status === 'ready') return false;
  // A running bulk removal's row (its files gone, its row about to go): finished here so that the
  // name is free now; whichever deletes the row records the one event.
  const underWay = removalUnderWay(rec);
  // Info, not a warning: recovering from a kill is routine, and the default log level prints only errors and warnings.
  const whose = underWay ? `being removed by process ${rec.removingBy!.split(':')[0]}` : 'left by a killed process';
  rt.log.info(`${rec.status === 'creating' ? 'undoing the creation' : 'finishing the removal'} of volume ${rec.name} ${whose}`, { volume: rec.name });
  // Only a finished removal is an event: an undone create never happened.
  const event = rec.status === 'removing' ? volumeEvent(rec, 'remove', underWay ? {} : { finished: 'left by a killed process' }) : undefined;
  await rt.drivers.of(rec.driver).settle(rt, rec);
  rt.store.delete(rec.name, event);
  return rec.status === 'removing';
}

/** True for a `removing` row that a running bulk removal marked and is about to delete: gone, not left by a killed process. */
export function removalUnderWay(rec: VolumeRecord): boolean {
  return rec.status === 'removing' && rec.removingBy !== undefined && ownerTextAlive(rec.removingBy);
}
