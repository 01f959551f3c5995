import { VolError } from './errors.ts';
import type { VolumeRecord } from './model.ts';
import { settleTransient } from './recover.ts';
import type { Runtime } from './runtime.ts';

/**
 * Under the volume lock: the ready volume of that name when `--ignore` allows it, an error
 * when the name is taken, or undefined when it is free (after settling what a killed process left).
 */
export async function takeName(rt: Runtime, name: string, ignoreIfExists: boolean | undefined): Promise<VolumeRecord | undefined> {
  const existing = rt.store.get(name);
  if (existing?.status === 'ready') {
    if (ignoreIfExists) return existing;
    throw new VolError('VOLUME_EXISTS', `volume with name ${name} already exists: volume already exists`);
  }
  // A row in `creating`/`removing` while we hold its lock was left by a killed process.
  if (existing) await settleTransient(rt, existing);
  return undefined;
}
