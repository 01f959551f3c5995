import { PSEUDO_MOUNT_ID } from '../plugin/client.ts';
import { parseUint } from '../local/size.ts';
import { VolError, isVolError } from './errors.ts';
import { nowNs, volumeEvent } from './new-event.ts';
import { noVolumeWithName } from './lookup.ts';
import { creationTime, type VolumeRecord } from './model.ts';
import { pluginStatus } from './plugin-status.ts';
import type { NewVolume, NewVolumeOptions, Runtime, VolumeDriver } from './runtime.ts';

/**
 * Volumes a plugin holds, spoken to over the plugin protocol. Create does a Get first and adopts
 * what the plugin already has, else a Create with the options as given (less `o=timeout=N`,
 * which is vol's own); mount and unmount reach the plugin only on the first mount and the last unmount.
 */
export const pluginDriver: VolumeDriver = {
  prepare: async (rt, opts) => preparePluginVolume(rt, opts),
  verify: () => {},
  needsMount: () => true,
  mount: async (rt, rec) => {
    // Only the 0 -> 1 transition mounts; a failed mount leaves the count as it was.
    if (rec.mountCount > 0) return { attributes: {} };
    return { path: await rt.plugins.client(rec.driver).mount(rec.name, PSEUDO_MOUNT_ID, rec.pluginTimeout), attributes: {} };
  },
  release: async (rt, rec) => {
    await rt.plugins.client(rec.driver).unmount(rec.name, PSEUDO_MOUNT_ID, rec.pluginTimeout);
  },
  detach: async (rt, rec) => {
    // A plugin volume is detached by its count: vol cannot see what the plugin has mounted.
    if (rec.mountCount > 0) await pluginDriver.release(rt, rec);
  },
  layers: () => undefined,
  unmountedPath: null,
  remove: async (rt, rec, _holders, { eventType }) => {
    if (rec.status === 'ready' && !rt.store.transition(rec.name, 'ready', 'removing')) throw noVolumeWithName(rec.name);
    try {
      await removeFromPlugin(rt, rec, eventType);
    } catch (err) {
      // A row already gone or changed is left as it is: the plugin's refusal is what the caller hears.
      if (rt.store.get(rec.name) && !rt.store.transition(rec.name, 'removing', 'ready')) rt.log.warn(`volume ${rec.name} could not be put back to ready`, { volume: rec.name });
      throw err;
    }
  },
  // A plugin volume has nothing on vol's disk; what the plugin holds, `vol reload` brings back.
  settle: async () => {},
  exportData: async (_rt, rec) => {
    throw notArchivable(rec);
  },
  importData: async (_rt, rec) => {
    throw notArchivable(rec);
  },
  status: (rt, driver, volumes, perVolume, status) => pluginStatus(rt, driver, volumes, perVolume, status),
  keepsDataHere: false,
};

function preparePluginVolume(rt: Runtime, opts: NewVolumeOptions): NewVolume {
  const client = rt.plugins.client(opts.driver);
  const { options, timeout } = splitTimeout(opts.options ?? {});
  return {
    record: () => {
      const rec: VolumeRecord = {
        name: opts.name,
        driver: opts.driver,
        mountpoint: '',
        ...creationTime(nowNs()),
        labels: opts.labels,
        options,
        noQuota: false,
        status: 'creating',
        mountCount: 0,
      };
      if (timeout !== undefined) rec.pluginTimeout = timeout;
      return rec;
    },
    make: async (rec) => {
      // podman: any Get failure means "absent" there, so a timed-out Get leads to a Create; vol
      // creates only on a definite "no such volume" and fails on everything else.
      if (!(await client.get(rec.name, timeout))) await client.create(rec.name, options, timeout);
    },
    // What the plugin made stays there: `vol reload` imports it again.
    unmake: async () => {},
  };
}

/**
 * Get, then Remove; the row goes at once, never in a batch. An unreachable plugin: the volume is dropped from vol's state anyway and the
 * error names the plugin. A plugin that answers with an error keeps the volume.
 */
async function removeFromPlugin(rt: Runtime, rec: VolumeRecord, eventType: 'remove' | 'prune'): Promise<void> {
  try {
    const client = rt.plugins.client(rec.driver);
    if (rec.mountCount > 0) await client.unmount(rec.name, PSEUDO_MOUNT_ID, rec.pluginTimeout);
    if (await client.get(rec.name, rec.pluginTimeout)) await client.remove(rec.name, rec.pluginTimeout);
  } catch (err) {
    if (isVolError(err, 'PLUGIN_FAILED') || isVolError(err, 'NO_SUCH_VOLUME')) throw err;
    rt.store.delete(rec.name, volumeEvent(rec, eventType, { error: (err as Error).message }));
    throw new VolError('PLUGIN_UNREACHABLE', `volume ${rec.name} was removed from vol, but its plugin could not remove it: ${(err as Error).message}`, {
      hint: `the plugin may still hold it; \`vol reload\` imports it again once the plugin answers`,
      cause: err,
    });
  }
  rt.store.delete(rec.name, volumeEvent(rec, eventType));
}

function notArchivable(rec: VolumeRecord): VolError {
  return new VolError('INVALID_ARG', `volume ${rec.name} uses driver ${rec.driver}: export and import work on local volumes only`);
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
