import { isLive } from './holders.ts';
import type { VolumeRmReport } from './model.ts';
import type { OnProgress } from './progress.ts';
import { RemovalBatch, BULK_FROM } from './removal-batch.ts';
import type { Runtime } from './runtime.ts';
import { finishBatch, removeOne } from './volume-remove.ts';
import { listVolumes } from './volume-list.ts';

/** The volumes prune would remove now: ready, matching every filter, and without live holders. */
export function pruneCandidates(rt: Runtime, filterArgs: readonly string[]): string[] {
  const holders = rt.store.allHolders();
  // Without filters, names are all it needs: 100,000 full records would be most of its memory.
  const names = filterArgs.length === 0 ? rt.store.readyNames() : listVolumes(rt, filterArgs).map((v) => v.name);
  return names.filter((name) => !(holders.get(name) ?? []).some(isLive));
}

/**
 * Removes `names`, one at a time under each one's lock; a volume that gained a holder (or went
 * away) since it was listed is skipped, not reported.
 */
export async function pruneVolumes(rt: Runtime, names: readonly string[], onProgress?: OnProgress): Promise<VolumeRmReport[]> {
  const reports: VolumeRmReport[] = [];
  const batch = new RemovalBatch(rt.config.volumesDir, names.length >= BULK_FROM ? rt.store : undefined);
  try {
    for (const [i, name] of names.entries()) {
      const report = await removeOne(rt, name, { quietIfGone: true, inUse: 'skip', eventType: 'prune', batch });
      if (report) reports.push(report);
      onProgress?.({ done: i + 1, total: names.length });
      await batch.pace();
    }
    await finishBatch(rt, batch, reports);
  } finally {
    batch.close();
  }
  return reports;
}
