import { VolError } from './errors.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/**
 * Resolves what a user typed to one volume: the exact name (in any status, so that commands can
 * settle a half-made volume), else the unique prefix of a ready volume.
 */
export function resolveVolume(rt: Runtime, typed: string): VolumeRecord {
  if (typed === '') throw noSuchVolume(typed);
  const exact = rt.store.get(typed);
  if (exact) return exact;
  const names = rt.store.namesWithPrefix(typed, 2);
  const found = names.length === 1 ? rt.store.get(names[0]!) : undefined;
  if (found) return found;
  if (names.length > 1) {
    throw new VolError('AMBIGUOUS_NAME', `more than one result for volume name "${typed}"`);
  }
  throw noSuchVolume(typed);
}

/** The name of the volume `typed` resolves to (commands then re-read it under its lock). */
export function resolveVolumeName(rt: Runtime, typed: string): string {
  return resolveVolume(rt, typed).name;
}

/** The error for a volume that does not exist, worded as Podman's inspect words it. */
export function noSuchVolume(name: string): VolError {
  return new VolError('NO_SUCH_VOLUME', `no such volume ${name}`);
}

/** The same error worded as Podman's rm words it (scripts grep for both phrases). */
export function noVolumeWithName(name: string): VolError {
  return new VolError('NO_SUCH_VOLUME', `no volume with name "${name}" found: no such volume`);
}

/** The error for a row that changed under the volume lock: only a process ignoring the lock can do that. */
export function lostRow(name: string): VolError {
  return new VolError('STATE_CONFLICT', `volume ${name} changed in the database while vol held its lock`);
}
