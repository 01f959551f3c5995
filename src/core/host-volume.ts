import type { VolumeCreateOptions, VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';
import { createVolume } from './volume-create.ts';
import { mountVolume, needsMount } from './volume-mount.ts';

/**
 * Makes sure volume `opts.name` exists (creating it if not; an existing one is kept as it is) and,
 * when it is a mount (tmpfs and the like), that it is mounted for `holder`, so its path holds the
 * volume. Schedulers that call this again after a restart get the same volume back.
 */
export async function ensureHostVolume(rt: Runtime, opts: VolumeCreateOptions & { name: string }, holder: string): Promise<{ volume: VolumeRecord; path: string }> {
  const { volume } = await createVolume(rt, { ...opts, ignoreIfExists: true });
  const path = needsMount(volume) ? await mountVolume(rt, volume.name, { id: holder }) : volume.mountpoint;
  return { volume, path };
}
