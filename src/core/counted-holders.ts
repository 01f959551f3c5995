import { VolError } from './errors.ts';
import type { VolumeHolder } from './model.ts';
import type { Runtime } from './runtime.ts';
import { mountVolume, unmountVolume } from './volume-mount.ts';

// Each further mount by the same caller is one more holder row, `ID#2`, `ID#3`...
const REF_SEP = '#';

/** True when `id` may name a caller of the plugin protocol (no separator, no control characters, at most 256 characters). */
export function isCallerId(id: string): boolean {
  return id.length > 0 && id.length <= 256 && !id.includes(REF_SEP) && !/[\x00-\x1f\x7f]/.test(id);
}

/**
 * Mounts `name` for caller `id`, counting every call: two Mounts with one id need two Unmounts
 * (Podman sends one fixed id for every container; Docker one per container and mount point).
 * Returns the mountpoint.
 */
export async function mountCounted(rt: Runtime, name: string, id: string): Promise<string> {
  checkId(id);
  return serialized(rt, name, () => {
    const taken = new Set(rt.store.holdersOf(name).map((h) => h.id));
    let ref = id;
    for (let n = 2; taken.has(ref); n++) ref = `${id}${REF_SEP}${n}`;
    return mountVolume(rt, name, { id: ref });
  });
}

/** Takes back one mount of caller `id`; false when that caller holds no mount of `name`. */
export async function unmountCounted(rt: Runtime, name: string, id: string): Promise<boolean> {
  checkId(id);
  return serialized(rt, name, async () => {
    const refs = refsOf(rt.store.holdersOf(name), id);
    if (refs.length === 0) return false;
    await unmountVolume(rt, name, refs[refs.length - 1]);
    return true;
  });
}

/** The holder rows of caller `id`, in the order they were added (`ID`, `ID#2`, ...). */
function refsOf(holders: readonly VolumeHolder[], id: string): string[] {
  const ordinal = (ref: string) => (ref === id ? 1 : Number(ref.slice(id.length + 1)));
  return holders
    .map((h) => h.id)
    .filter((ref) => ref === id || (ref.startsWith(id + REF_SEP) && /^\d+$/.test(ref.slice(id.length + 1))))
    .sort((a, b) => ordinal(a) - ordinal(b));
}

function checkId(id: string): void {
  if (!isCallerId(id)) throw new VolError('INVALID_ARG', `invalid mount ID ${JSON.stringify(id.slice(0, 80))}: expected 1 to 256 characters without "${REF_SEP}" or control characters`);
}

/**
 * Runs `fn` after the calls before it for the same volume in this process: the free ordinal is
 * read before the volume lock is taken, so two calls must not pick the same one.
 */
function serialized<T>(rt: Runtime, name: string, fn: () => Promise<T>): Promise<T> {
  const byName = rt.holderQueues;
  const prev = byName.get(name) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const settled = run.catch(() => undefined);
  byName.set(name, settled);
  void settled.then(() => {
    if (byName.get(name) === settled) byName.delete(name);
  });
  return run;
}
