import { VolError } from './errors.ts';
import type { Runtime } from './runtime.ts';

/**
 * Resolves what a user typed to one volume name: the exact name (in any status, so that
 * commands can settle a half-made volume), else the unique prefix of a ready volume.
 */
export function resolveVolumeName(rt: Runtime, typed: string): string {
  if (typed === '') throw noSuchVolume(typed);
  if (rt.store.get(typed)) return typed;
  const names = rt.store.namesWithPrefix(typed, 2);
  if (names.length === 1) return names[0]!;
  if (names.length > 1) {
    throw new VolError('AMBIGUOUS_NAME', `more than one result for volume name "${typed}"`, { volume: typed });
  }
  throw noSuchVolume(typed);
}

/** The error for a volume that does not exist, worded as Podman's inspect words it. */
export function noSuchVolume(name: string): VolError {
  return new VolError('NO_SUCH_VOLUME', `no such volume ${name}`, { volume: name });
}

/** The same error worded as Podman's rm words it (scripts grep for both phrases). */
export function noVolumeWithName(name: string): VolError {
  return new VolError('NO_SUCH_VOLUME', `no volume with name "${name}" found: no such volume`, { volume: name });
}
