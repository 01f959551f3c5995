import type { Readable, Writable } from 'node:stream';
import { volumeEvent } from './new-event.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** `vol export`: streams a tar of the volume's `_data` to the stream `out()` opens once the volume is found. */
export async function exportVolume(rt: Runtime, typed: string, out: () => Writable): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const rec = readyVolume(rt, name, typed);
    const skipped = await rt.drivers.of(rec.driver).exportData(rt, rec, out);
    for (const path of skipped) rt.log.warn(`export of volume ${name} leaves out ${path}: tar here holds files, directories and links only`);
    rt.store.appendEvent(volumeEvent(rec, 'export', skipped.length ? { skipped: skipped.length } : {}));
  });
}

/** `vol import`: extracts the tar stream `input()` opens (once the volume is found) into the volume's `_data`. */
export async function importVolume(rt: Runtime, typed: string, input: () => Readable): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const rec = readyVolume(rt, name, typed);
    const skipped = await rt.drivers.of(rec.driver).importData(rt, rec, input);
    for (const entry of skipped) rt.log.warn(`import into volume ${name} leaves out ${entry}: vol makes files, directories and links only`);
    rt.store.appendEvent(volumeEvent(rec, 'import', skipped.length ? { skipped: skipped.length } : {}));
  });
}

function readyVolume(rt: Runtime, name: string, typed: string): VolumeRecord {
  const rec = rt.store.get(name);
  if (rec?.status !== 'ready') throw noSuchVolume(typed);
  return rec;
}
