import { VolError } from './errors.ts';
import { noSuchVolume } from './lookup.ts';
import type { VolumeRecord } from './model.ts';
import { backendByName } from './quota.ts';
import type { Runtime } from './runtime.ts';
import { volumeLayout } from '../local/volume-fs.ts';

/**
 * Raises the size limit of volume `name` (exactly that name) to `size` bytes, under its lock; a
 * limit already at or above `size` is left as it is, so the call can be repeated. Returns the
 * volume as it is now.
 */
export async function expandVolume(rt: Runtime, name: string, size: number): Promise<VolumeRecord> {
  if (!Number.isSafeInteger(size) || size <= 0) throw new VolError('INVALID_ARG', `invalid size ${size}: expected a positive number of bytes`);
  return rt.locker.withLock(name, async () => {
    const rec = rt.store.get(name);
    if (rec?.status !== 'ready') throw noSuchVolume(name);
    if (rec.size !== undefined && rec.size >= size) return rec;
    const backend = rec.quota ? backendByName(rt, rec.quota.backend) : undefined;
    if (!backend?.setLimit || rec.quota?.id === undefined) {
      throw new VolError('QUOTA_UNSUPPORTED', `volume ${name} cannot be expanded: ${rec.quota ? `the ${rec.quota.backend} backend cannot change a limit` : 'it has no quota accounting (it was created without a size limit where no quota backend applies)'}`);
    }
    await backend.setLimit(volumeLayout(rt.config.volumesDir, rec).dataDir, { id: rec.quota.id }, { size, inodes: rec.inodes });
    const options = withSizeOption(rec.options, size);
    rt.store.setLimit(name, size, options);
    return { ...rec, size, options };
  });
}

/** The options with a top-level `size` (as create stored it) showing `size` bytes instead. */
function withSizeOption(options: Record<string, string>, size: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) out[key] = key.toLowerCase() === 'size' ? String(size) : value;
  return out;
}
