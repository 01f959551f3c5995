import type { CsiContext } from './context.ts';
import { page, toCsiSnapshot } from './convert.ts';
import { CODE, CsiError, invalid, unsupportedAs } from './errors.ts';

/** CreateSnapshot, DeleteSnapshot and ListSnapshots over the engine's btrfs snapshots. */
export function snapshotHandlers(ctx: CsiContext) {
  const { engine, inFlight } = ctx;
  return {
    async CreateSnapshot(req: { source_volume_id: string; name: string }) {
      if (!req.name) throw invalid('name is required');
      if (!req.source_volume_id) throw invalid('source_volume_id is required');
      return inFlight.run([`snapshot:${req.name}`], async () => {
        if (!engine.get(req.source_volume_id)) throw new CsiError(CODE.NOT_FOUND, `no such volume ${req.source_volume_id}`);
        const snap = await engine.snapshot(req.source_volume_id, req.name).catch(unsupportedAs(CODE.UNIMPLEMENTED));
        return { snapshot: toCsiSnapshot(snap) };
      });
    },

    async DeleteSnapshot(req: { snapshot_id: string }) {
      if (!req.snapshot_id) throw invalid('snapshot_id is required');
      return inFlight.run([`snapshot:${req.snapshot_id}`], async () => {
        await engine.deleteSnapshot(req.snapshot_id);
        return {};
      });
    },

    async ListSnapshots(req: { max_entries: number; starting_token: string; source_volume_id: string; snapshot_id: string }) {
      let snaps = engine.snapshots(req.source_volume_id || undefined);
      if (req.snapshot_id) snaps = snaps.filter((s) => s.name === req.snapshot_id);
      const { items, next } = page(snaps, req.max_entries, req.starting_token);
      return { entries: items.map((s) => ({ snapshot: toCsiSnapshot(s) })), next_token: next };
    },
  };
}
