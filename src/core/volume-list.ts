import { compileFilters, parseFilterArgs, type CompiledFilter } from './filters.ts';
import { isLive } from './holders.ts';
import { pluginStatuses } from './plugin-status.ts';
import type { VolumeHolder, VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';
import type { VolumeBrief } from '../state/store.ts';

/** Ready volumes matching every filter key, sorted by name: one query, then the filters in memory. */
export function listVolumes(rt: Runtime, filterArgs: readonly string[]): VolumeRecord[] {
  const filter = compile(rt, filterArgs);
  return rt.store.list({ allLabels: filter.allLabels }).filter(filter.matches);
}

/**
 * Name and driver of the volumes `listVolumes` returns, in its order. When the filters read no
 * other field, only those two columns are read: no row is parsed into a record.
 */
export function listBrief(rt: Runtime, filterArgs: readonly string[]): VolumeBrief[] {
  const filter = compile(rt, filterArgs);
  const { matchesBrief } = filter;
  if (!matchesBrief) return rt.store.list({ allLabels: filter.allLabels }).filter(filter.matches).map(({ name, driver }) => ({ name, driver }));
  const rows = rt.store.listBrief({ allLabels: filter.allLabels });
  return filterArgs.length === 0 ? rows : rows.filter(matchesBrief);
}

/** `vol ls` as a table or as names: `listBrief`, and the warnings of the plugins `ls` asks (one List each). */
export async function listBriefReport(rt: Runtime, filterArgs: readonly string[]): Promise<{ volumes: VolumeBrief[]; warnings: string[] }> {
  const volumes = listBrief(rt, filterArgs);
  const plugged = volumes.flatMap((v) => (rt.drivers.of(v.driver).keepsDataHere ? [] : [rt.store.get(v.name)].filter((r) => r !== undefined)));
  if (plugged.length === 0) return { volumes, warnings: [] };
  return { volumes, warnings: (await pluginStatuses(rt, plugged, false)).warnings };
}

function compile(rt: Runtime, filterArgs: readonly string[]): CompiledFilter {
  let holders: Map<string, VolumeHolder[]> | undefined;
  return compileFilters(parseFilterArgs(filterArgs), {
    now: Date.now(),
    createdAtOf: (name) => {
      const v = rt.store.get(name);
      return v?.status === 'ready' ? v.createdAt : undefined;
    },
    // Read once, and only when a filter asks (dangling).
    inUse: (name) => {
      holders ??= rt.store.allHolders();
      return (holders.get(name) ?? []).some(isLive);
    },
  });
}
