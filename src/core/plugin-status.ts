import type { VolumeRecord } from './model.ts';
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
    const list = byDriver.get(v.driver) ?? [];
    list.push(v);
    byDriver.set(v.driver, list);
  }
  const report: PluginStatusReport = { status: new Map(), warnings: [] };
  await Promise.all([...byDriver].map(async ([driver, vols]) => report.warnings.push(...(await rt.drivers.of(driver).status(rt, driver, vols, perVolume, report.status)))));
  return report;
}

/** The Status of one plugin's volumes into `status`, by one List (or a Get per volume); returns the warnings. */
export async function pluginStatus(rt: Runtime, driver: string, vols: readonly VolumeRecord[], perVolume: boolean, status: Map<string, Record<string, unknown>>): Promise<string[]> {
  const report: PluginStatusReport = { status, warnings: [] };
  await (perVolume ? viaGet(rt, driver, vols, report) : viaList(rt, driver, vols, report));
  return report.warnings;
}

/** How many Gets one command keeps in flight to one plugin. */
const GET_CONCURRENCY = 16;

/** One List tells whether the plugin answers and what it holds; Get fills in the Status List left out. */
async function viaList(rt: Runtime, driver: string, vols: readonly VolumeRecord[], report: PluginStatusReport): Promise<void> {
  let listed: Map<string, Record<string, unknown> | undefined>;
  try {
    listed = new Map((await rt.plugins.client(driver).list()).map((v) => [v.Name, v.Status]));
  } catch (err) {
    return unreachable(vols, err, report);
  }
  const missing: VolumeRecord[] = [];
  for (const v of vols) {
    if (!listed.has(v.name)) report.status.set(v.name, { Error: `plugin ${driver} does not list this volume` });
    else if (listed.get(v.name) !== undefined) report.status.set(v.name, listed.get(v.name)!);
    else missing.push(v);
  }
  await viaGet(rt, driver, missing, report);
}

/** Get per volume, a bounded number at a time; after the first plugin that does not answer, the rest are not asked. */
async function viaGet(rt: Runtime, driver: string, vols: readonly VolumeRecord[], report: PluginStatusReport): Promise<void> {
  let failure: Error | undefined;
  let next = 0;
  const worker = async () => {
    while (next < vols.length) {
      const v = vols[next++]!;
      if (failure) {
        report.status.set(v.name, { Error: failure.message });
        continue;
      }
      try {
        const got = await rt.plugins.client(driver).get(v.name, v.pluginTimeout);
        report.status.set(v.name, got ? (got.Status ?? {}) : { Error: `plugin ${driver} does not have this volume` });
      } catch (err) {
        failure ??= err as Error;
        report.status.set(v.name, { Error: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(GET_CONCURRENCY, vols.length) }, worker));
  if (failure) report.warnings.push(failure.message);
}

function unreachable(vols: readonly VolumeRecord[], err: unknown, report: PluginStatusReport): void {
  const why = (err as Error).message;
  for (const v of vols) report.status.set(v.name, { Error: why });
  report.warnings.push(`${why}; its ${vols.length} volume(s) are listed from vol's own records`);
}
