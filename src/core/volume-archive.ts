import type { Readable, Writable } from 'node:stream';
import { exportTree, importTree } from '../local/archive.ts';
import { volumeLayout } from '../local/volume-fs.ts';
import { VolError } from './errors.ts';
import { volumeEvent } from './events.ts';
import { noSuchVolume, resolveVolumeName } from './lookup.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** `vol export`: streams a tar of the volume's `_data` to the stream `out()` opens once the volume is found. */
export async function exportVolume(rt: Runtime, typed: string, out: () => Writable): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const rec = archivableVolume(rt, name, typed);
    const skipped = await exportTree(volumeLayout(rt.config.volumesDir, rec), out);
    for (const path of skipped) rt.log.warn(`export of volume ${name} leaves out ${path}: tar here holds files, directories and links only`);
    rt.store.appendEvent(volumeEvent(rec, 'export', skipped.length ? { skipped: skipped.length } : {}));
  });
}

/** `vol import`: extracts the tar stream `input()` opens (once the volume is found) into the volume's `_data`. */
export async function importVolume(rt: Runtime, typed: string, input: () => Readable): Promise<void> {
  const name = resolveVolumeName(rt, typed);
  await rt.locker.withLock(name, async () => {
    const rec = archivableVolume(rt, name, typed);
    const owner = rec.uid === undefined && rec.gid === undefined ? undefined : { uid: rec.uid ?? process.getuid?.() ?? 0, gid: rec.gid ?? process.getgid?.() ?? 0 };
    const skipped = await importTree(volumeLayout(rt.config.volumesDir, rec), input(), owner, rec.quota !== undefined);
    for (const entry of skipped) rt.log.warn(`import into volume ${name} leaves out ${entry}: vol makes files, directories and links only`);
    rt.store.appendEvent(volumeEvent(rec, 'import', skipped.length ? { skipped: skipped.length } : {}));
  });
}

function archivableVolume(rt: Runtime, name: string, typed: string): VolumeRecord {
  const rec = rt.store.get(name);
  if (rec?.status !== 'ready') throw noSuchVolume(typed);
  if (rec.driver !== 'local') {
    throw new VolError('INVALID_ARG', `volume ${name} uses driver ${rec.driver}: export and import work on local volumes only`, { volume: name });
  }
  // A bind (or other file system) volume shows its data only while mounted; podman lets an
  // unmounted tmpfs through (its `_data` is then simply empty), and so does vol.
  const type = Object.entries(rec.options).find(([k]) => k.toLowerCase() === 'type')?.[1];
  if (type && type.toLowerCase() !== 'tmpfs' && rec.mountCount === 0) {
    throw new VolError('STATE_CONFLICT', `volume ${name} is using a driver local and volume is not mounted on ${rec.mountpoint}`, {
      volume: name,
      hint: `run vol mount ${name} first`,
    });
  }
  return rec;
}
