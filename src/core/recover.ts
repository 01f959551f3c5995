import { volumeEvent } from './new-event.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/**
 * Finishes what a killed process left half-done on `rec`; the caller holds its lock, so no live
 * process is working on it. `creating` is undone and `removing` is finished: either way the
 * directory goes first, then the row, so no directory is ever left without a row.
 * Returns true when the volume was a `removing` one (its removal is now complete).
 */
export async function settleTransient(rt: Runtime, rec: VolumeRecord): Promise<boolean> {
  if (rec.status === 'ready') return false;
  // Info, not a warning: recovering from a kill is routine, and the default log level prints only errors and warnings.
  rt.log.info(`${rec.status === 'creating' ? 'undoing the creation' : 'finishing the removal'} of volume ${rec.name} left by a killed process`, { volume: rec.name });
  // Only a finished removal is an event: an undone create never happened.
  const event = rec.status === 'removing' ? volumeEvent(rec, 'remove', { finished: 'left by a killed process' }) : undefined;
  await rt.drivers.of(rec.driver).settle(rt, rec);
  rt.store.delete(rec.name, event);
  return rec.status === 'removing';
}
