import { PSEUDO_MOUNT_ID } from '../plugin/client.ts';
import { parseUint } from '../local/size.ts';
import { nowNs, volumeEvent } from './events.ts';
import { VolError, isVolError } from './errors.ts';
import { creationTime, type VolumeCreateOptions, type VolumeCreateReport, type VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';
import { takeName } from './take-name.ts';

/**
 * Creates a volume held by a plugin: Get first and adopt what the plugin already has, else
 * Create with the options as given (less `o=timeout=N`, which is vol's own). The name is
 * reserved in the database first, as for local volumes.
 */
export async function createPluginVolume(rt: Runtime, opts: VolumeCreateOptions & { name: string; driver: string }): Promise<VolumeCreateReport> {
  const client = rt.plugins.client(opts.driver);
  const { options, timeout } = splitTimeout(opts.options ?? {});
  return rt.locker.withLock(opts.name, async () => {
    const existing = await takeName(rt, opts.name, opts.ignoreIfExists);
    if (existing) return { volume: existing, existed: true };
    const rec: VolumeRecord = {
      name: opts.name,
      driver: opts.driver,
      mountpoint: '',
      ...creationTime(nowNs()),
      labels: opts.labels ?? {},
      options,
      noQuota: false,
      status: 'creating',
      mountCount: 0,
    };
    if (timeout !== undefined) rec.pluginTimeout = timeout;
    rt.store.insertCreating(rec);
    try {
      // podman: any Get failure means "absent" there, so a timed-out Get leads to a Create; vol
      // creates only on a definite "no such volume" and fails on everything else.
      if (!(await client.get(rec.name, timeout))) await client.create(rec.name, options, timeout);
      if (!rt.store.transition(rec.name, 'creating', 'ready', volumeEvent(rec, 'create'))) throw lostRow(rec.name);
    } catch (err) {
      rt.store.delete(rec.name);
      throw err;
    }
    rec.status = 'ready';
    return { volume: rec, existed: false };
  });
}

/**
 * Removes a plugin volume (caller holds its lock and has dealt with holders): Get, then Remove.
 * An unreachable plugin: the volume is dropped from vol's state anyway and the error names the
 * plugin. A plugin that answers with an error keeps the volume.
 */
export async function removePluginVolume(rt: Runtime, rec: VolumeRecord, eventType: 'remove' | 'prune'): Promise<void> {
  let client;
  try {
    client = rt.plugins.client(rec.driver);
    if (rec.mountCount > 0) await client.unmount(rec.name, PSEUDO_MOUNT_ID, rec.pluginTimeout);
    if (await client.get(rec.name, rec.pluginTimeout)) await client.remove(rec.name, rec.pluginTimeout);
  } catch (err) {
    if (isVolError(err, 'PLUGIN_FAILED') || isVolError(err, 'NO_SUCH_VOLUME')) throw err;
    rt.store.delete(rec.name, volumeEvent(rec, eventType, { error: (err as Error).message }));
    throw new VolError('PLUGIN_UNREACHABLE', `volume ${rec.name} was removed from vol, but its plugin could not remove it: ${(err as Error).message}`, {
      volume: rec.name,
      hint: `the plugin may still hold it; \`vol reload\` imports it again once the plugin answers`,
      cause: err,
    });
  }
  rt.store.delete(rec.name, volumeEvent(rec, eventType));
}

/** Mounts a plugin volume through its plugin; returns the path the plugin gave. */
export async function mountPluginVolume(rt: Runtime, rec: VolumeRecord): Promise<string> {
  return rt.plugins.client(rec.driver).mount(rec.name, PSEUDO_MOUNT_ID, rec.pluginTimeout);
}

/** Unmounts a plugin volume through its plugin. */
export async function unmountPluginVolume(rt: Runtime, rec: VolumeRecord): Promise<void> {
  await rt.plugins.client(rec.driver).unmount(rec.name, PSEUDO_MOUNT_ID, rec.pluginTimeout);
}

/** Takes `timeout=N` out of `o=`; it sets the per-volume plugin timeout and is never sent. */
function splitTimeout(raw: Record<string, string>): { options: Record<string, string>; timeout?: number } {
  const options: Record<string, string> = {};
  let timeout: number | undefined;
  for (const [key, value] of Object.entries(raw)) {
    if (key.toLowerCase() !== 'o') {
      options[key] = value;
      continue;
    }
    const kept: string[] = [];
    for (const item of value.split(',')) {
      const m = /^timeout=(.*)$/i.exec(item);
      if (!m) {
        kept.push(item);
        continue;
      }
      timeout = parseUint(m[1]!);
      if (timeout === undefined) throw new VolError('INVALID_ARG', `cannot convert timeout ${m[1]} to integer`);
    }
    if (kept.length > 0) options[key] = kept.join(',');
  }
  return timeout === undefined ? { options } : { options, timeout };
}

/** The error for a row that changed under the volume lock: only a process ignoring the lock can do that. */
export function lostRow(name: string): VolError {
  return new VolError('STATE_CONFLICT', `volume ${name} changed in the database while vol held its lock`, { volume: name });
}
