import { mkdirSync, rmdirSync } from 'node:fs';
import { isAbsolute, normalize } from 'node:path';
import { bindMount, mountOptionsAt, unmountAt } from '../local/bind-mount.ts';
import { VolError, errnoCode, isVolError } from './errors.ts';
import { noSuchVolume } from './lookup.ts';
import { createVolume } from './volume-create.ts';
import { mountVolume, unmountVolume } from './volume-mount.ts';
import { removeOne } from './volume-remove.ts';
import type { Runtime } from './runtime.ts';
import { volumeLayout } from '../local/volume-fs.ts';

/** The label that marks a volume made for one publish (a CSI ephemeral inline volume). */
export const EPHEMERAL_LABEL = 'vol.csi.ephemeral';

/** Mount flags a publish may ask for, applied to the bind mount. */
const PUBLISH_FLAGS = new Set(['ro', 'rw', 'nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime', 'relatime']);

/** How a volume is published. */
export interface PublishOptions {
  readOnly: boolean;
  /** Extra mount flags (from PUBLISH_FLAGS). */
  flags?: string[];
  /** Create the volume with these options if it does not exist, and remove it on unpublish. */
  ephemeral?: { options: Record<string, string>; labels: Record<string, string> };
}

/** The holder id a publish at `target` records, so the volume is in use while published. */
export function publishHolder(target: string): string {
  return `csi:${target}`;
}

/**
 * Bind-mounts the data of volume `name` (exact name) onto `target` (made if missing), read-only
 * when asked, and records the publish as a holder. Publishing again at the same target with the
 * same options changes nothing; with other options it is ALREADY_PUBLISHED.
 */
export async function publishVolume(rt: Runtime, name: string, target: string, opts: PublishOptions): Promise<void> {
  checkTarget(target);
  const flags = publishFlags(opts);
  if (opts.ephemeral && !rt.store.get(name)) {
    const labels = { ...opts.ephemeral.labels, [EPHEMERAL_LABEL]: 'true' };
    await createVolume(rt, { name, options: opts.ephemeral.options, labels, accounted: true, ignoreIfExists: true });
  }
  const rec = rt.store.get(name);
  if (rec?.status !== 'ready') throw noSuchVolume(name);
  const holder = publishHolder(target);
  await releaseLostPublishes(rt, name, holder);
  const holders = rt.store.holdersOf(name);
  const current = mountOptionsAt(target);
  if (current && holders.some((h) => h.id === holder)) {
    if (!flags.every((f) => current.includes(f))) {
      throw new VolError('ALREADY_PUBLISHED', `volume ${name} is already published at ${target} with other options (${current.join(',')})`);
    }
    return;
  }
  if (current) throw new VolError('STATE_CONFLICT', `cannot publish volume ${name} at ${target}: something else is mounted there`);
  // Our own holder without a mount is a publish a killed server left half-done: it is redone.
  const other = holders.find((h) => h.id.startsWith('csi:') && h.id !== holder);
  if (other) throw new VolError('VOLUME_IN_USE', `volume ${name} is already published at ${other.id.slice(4)}: it can be published once`);
  const madeTarget = makeTarget(target);
  await mountVolume(rt, name, { id: holder });
  try {
    await bindMount(volumeLayout(rt.config.volumesDir, rec).dataDir, target, flags.filter((f) => f !== 'rw'), name);
  } catch (err) {
    await unmountVolume(rt, name, holder).catch((e: unknown) => rt.log.warn(`undoing the publish of ${name} failed`, { error: (e as Error).message }));
    if (madeTarget) rmdirSync(target);
    throw err;
  }
}

/**
 * Undoes a publish at `target`: unmounts it, removes the directory, drops the holder, and removes
 * an ephemeral volume no one else holds. Unpublishing what is not published changes nothing, even
 * once the volume is gone (an ephemeral one goes with its first unpublish, a forced rm takes any).
 */
export async function unpublishVolume(rt: Runtime, name: string, target: string): Promise<void> {
  checkTarget(target);
  const rec = rt.store.get(name);
  if (mountOptionsAt(target)) await unmountAt(target, name);
  try {
    rmdirSync(target);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw new VolError('IO_FAILED', `removing ${target} after unpublishing volume ${name}: ${(err as Error).message}`, { cause: err });
  }
  if (rec?.status !== 'ready') return;
  const holder = publishHolder(target);
  if (rt.store.holdersOf(name).some((h) => h.id === holder)) await unmountVolume(rt, name, holder);
  if (rec.labels[EPHEMERAL_LABEL] === 'true' && rt.store.holdersOf(name).length === 0) {
    const report = await removeOne(rt, name, { quietIfGone: true, inUse: 'refuse', eventType: 'remove' });
    // Someone took hold of it meanwhile: it stays, as any volume in use does.
    if (report?.error && !isVolError(report.error, 'VOLUME_IN_USE')) throw report.error;
  }
}

/**
 * Drops the publish holders of `name` whose target is no longer mounted (a reboot, or an unmount
 * by hand, took the bind mount away), so they stop holding the volume; `keep` is left alone.
 * The mount table is the truth, the holder a record of it.
 */
export async function releaseLostPublishes(rt: Runtime, name: string, keep?: string): Promise<void> {
  for (const h of rt.store.holdersOf(name)) {
    if (!h.id.startsWith('csi:') || h.id === keep || mountOptionsAt(h.id.slice(4))) continue;
    rt.log.info(`dropping publish holder ${h.id} of volume ${name}: its target is not mounted`, { volume: name });
    await unmountVolume(rt, name, h.id);
  }
}

function checkTarget(target: string): void {
  if (!isAbsolute(target) || normalize(target) !== target || target === '/') {
    throw new VolError('INVALID_ARG', `invalid target path ${JSON.stringify(target)}: expected an absolute, normalised path`);
  }
}

function publishFlags(opts: PublishOptions): string[] {
  const flags = [opts.readOnly ? 'ro' : 'rw'];
  for (const f of opts.flags ?? []) {
    if (!PUBLISH_FLAGS.has(f)) throw new VolError('INVALID_ARG', `mount flag ${f} is not supported: use ${[...PUBLISH_FLAGS].join(', ')}`);
    if ((f === 'ro' || f === 'rw') && f !== flags[0]) {
      if (f === 'ro') flags[0] = 'ro';
      continue;
    }
    if (!flags.includes(f)) flags.push(f);
  }
  return flags;
}

function makeTarget(target: string): boolean {
  try {
    mkdirSync(target, { mode: 0o750 });
    return true;
  } catch (err) {
    if (errnoCode(err) === 'EEXIST') return false;
    throw new VolError('INVALID_ARG', `cannot make target path ${target}: ${(err as Error).message}`, { cause: err });
  }
}
