import { VolError } from './errors.ts';
import { volumeEvent } from './new-event.ts';
import type { VolumeRecord } from './model.ts';
import { isLive } from './holders.ts';
import { validateVolumeName } from './names.ts';
import { lostRow } from './lookup.ts';
import type { PluginVolume } from '../plugin/client.ts';
import type { Runtime } from './runtime.ts';

/** What reload did: volumes added and forgotten, and every error on the way. */
export interface ReloadReport {
  added: string[];
  removed: string[];
  errors: Error[];
}

/**
 * Syncs vol's records with what each configured plugin lists: adds what a plugin has and vol
 * does not, forgets plugin volumes the plugin no longer lists (unless held). A plugin that
 * cannot be listed has nothing forgotten. Never stops at the first error.
 */
export async function reloadPlugins(rt: Runtime): Promise<ReloadReport> {
  const report: ReloadReport = { added: [], removed: [], errors: [] };
  const drivers = Object.keys(rt.config.plugins).sort();
  // All plugins are asked at once: a hung one costs one timeout.
  const listings = await Promise.allSettled(drivers.map((d) => rt.plugins.client(d).list()));
  for (const [i, driver] of drivers.entries()) {
    const listing = listings[i]!;
    if (listing.status === 'rejected') {
      // podman: a plugin that fails Activate or List has ALL its volumes dropped there; vol keeps them.
      report.errors.push(listing.reason as Error);
      continue;
    }
    await addListed(rt, driver, listing.value, report);
    await forgetUnlisted(rt, driver, new Set(listing.value.map((v) => v.Name)), report);
  }
  return report;
}

async function addListed(rt: Runtime, driver: string, listed: PluginVolume[], report: ReloadReport): Promise<void> {
  for (const { Name: name } of listed) {
    try {
      validateVolumeName(name);
      await rt.locker.withLock(name, () => {
        const existing = rt.store.get(name);
        if (existing?.driver === driver) return;
        if (existing) {
          // podman: silently skipped there; a name clash is something the user should hear about.
          throw new VolError('VOLUME_EXISTS', `plugin ${driver} has a volume ${name}, but vol already has a ${existing.driver} volume of that name: not imported`);
        }
        const rec: VolumeRecord = { name, driver, mountpoint: '', createdAt: rt.now(), labels: {}, options: {}, noQuota: false, status: 'creating', mountCount: 0 };
        rt.store.insertCreating(rec);
        if (!rt.store.transition(name, 'creating', 'ready', volumeEvent(rec, 'reload', { action: 'added' }))) throw lostRow(name);
        report.added.push(name);
      });
    } catch (err) {
      report.errors.push(new VolError('PLUGIN_FAILED', `plugin ${driver} lists volume ${JSON.stringify(name)}: ${(err as Error).message}`, { cause: err }));
    }
  }
}

async function forgetUnlisted(rt: Runtime, driver: string, listed: Set<string>, report: ReloadReport): Promise<void> {
  for (const v of rt.store.list({ includeTransient: true })) {
    if (v.driver !== driver || listed.has(v.name)) continue;
    try {
      await rt.locker.withLock(v.name, () => {
        const rec = rt.store.get(v.name);
        if (!rec || rec.driver !== driver) return;
        const holders = rt.store.holdersOf(rec.name).filter(isLive);
        if (holders.length > 0) {
          throw new VolError('VOLUME_IN_USE', `volume ${rec.name} was removed from plugin ${driver} but holders still require it: ${holders.map((h) => h.id).join(', ')}: volume is being used`);
        }
        rt.store.delete(rec.name, volumeEvent(rec, 'reload', { action: 'removed' }));
        report.removed.push(rec.name);
      });
    } catch (err) {
      report.errors.push(err as Error);
    }
  }
}
