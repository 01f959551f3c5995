import { compileFilters, parseFilterArgs } from './filters.ts';
import { isLive } from './holders.ts';
import type { VolumeHolder, VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** Ready volumes matching every filter key, sorted by name: one query, then the filters in memory. */
export function listVolumes(rt: Runtime, filterArgs: readonly string[]): VolumeRecord[] {
  let holders: Map<string, VolumeHolder[]> | undefined;
  const filter = compileFilters(parseFilterArgs(filterArgs), {
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
  return rt.store.list({ allLabels: filter.allLabels }).filter(filter.matches);
}
