import type { VolumeCreateOptions, VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';
import { createVolume } from './volume-create.ts';
import { expandVolume } from './volume-expand.ts';
import { mountVolume } from './volume-mount.ts';

/**
 * Makes sure volume `opts.name` exists (creating it if not; an existing one keeps its options) with
 * a limit of at least `size` bytes (raising it: a scheduler expands a volume by asking again) and,
 * when it is a mount (tmpfs and the like), that it is mounted for `holder`, so its path holds the
 * volume. Schedulers that call this again after a restart get the same volume back.
 */
export async function ensureHostVolume(rt: Runtime, opts: VolumeCreateOptions & { name: string }, holder: string, size?: number): Promise<{ volume: VolumeRecord; path: string }> {
  const options = size === undefined ? opts.options : { ...opts.options, size: String(size) };
  let { volume, existed } = await createVolume(rt, { ...opts, options, ignoreIfExists: true });
  if (existed && size !== undefined && (volume.size ?? 0) < size) volume = await expandVolume(rt, volume.name, size);
  const path = rt.drivers.of(volume.driver).needsMount(volume) ? await mountVolume(rt, volume.name, { id: holder }) : volume.mountpoint;
  return { volume, path };
}
