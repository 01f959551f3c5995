import type { VolumeRecord } from './model.ts';
import { isLocalDriver, pluginClient } from './plugins.ts';
import type { Runtime } from './runtime.ts';

/** Plugin `Status` per volume name, and warnings for plugins that could not be asked. */
export interface PluginStatusReport {
  status: Map<string, Record<string, unknown>>;
  warnings: string[];
}

/**
 * Asks every plugin that holds some of `volumes` for their status, all plugins at once, so a
 * hung plugin costs one timeout. `perVolume` uses Get per volume (inspect); otherwise one List
 * per plugin (ls). A plugin that fails gives its volumes a Status saying so, never an error.
 */
export async function pluginStatuses(rt: Runtime, volumes: readonly VolumeRecord[], perVolume: boolean): Promise<PluginStatusReport> {
  const byDriver = new Map<string, VolumeRecord[]>();
  for (const v of volumes) {
    if (isLocalDriver(v.driver)) continue;
    const list = byDriver.get(v.driver) ?? [];
    list.push(v);
    byDriver.set(v.driver, list);
  }
  const report: PluginStatusReport = { status: new Map(), warnings: [] };
  await Promise.all([...byDriver].map(([driver, vols]) => (perVolume ? viaGet(rt, driver, vols, report) : viaList(rt, driver, vols, report))));
  return report;
}

async function viaList(rt: Runtime, driver: string, vols: VolumeRecord[], report: PluginStatusReport): Promise<void> {
  try {
    const listed = new Map((await pluginClient(rt, driver).list()).map((v) => [v.Name, v.Status ?? {}]));
    for (const v of vols) report.status.set(v.name, listed.get(v.name) ?? { Error: `plugin ${driver} does not list this volume` });
  } catch (err) {
    unreachable(vols, err, report);
  }
}

async function viaGet(rt: Runtime, driver: string, vols: VolumeRecord[], report: PluginStatusReport): Promise<void> {
  const failures: unknown[] = [];
  await Promise.all(
    vols.map(async (v) => {
      try {
        const got = await pluginClient(rt, driver).get(v.name, v.pluginTimeout);
        report.status.set(v.name, got ? (got.Status ?? {}) : { Error: `plugin ${driver} does not have this volume` });
      } catch (err) {
        failures.push(err);
        report.status.set(v.name, { Error: (err as Error).message });
      }
    }),
  );
  if (failures.length > 0) report.warnings.push((failures[0] as Error).message);
}

function unreachable(vols: VolumeRecord[], err: unknown, report: PluginStatusReport): void {
  const why = (err as Error).message;
  for (const v of vols) report.status.set(v.name, { Error: why });
  report.warnings.push(`${why}; its ${vols.length} volume(s) are listed from vol's own records`);
}
