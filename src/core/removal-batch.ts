import { closeSync } from 'node:fs';
import { assertNothingMountedUnder, mountPointsUnder } from '../local/mounts.ts';
import { holdVolumesDir, type OpenVolumesDir } from '../local/volume-fs.ts';
import type { VolumeEvent, VolumeRecord, VolumeRmReport } from './model.ts';
import type { Runtime } from './runtime.ts';

// Rows whose files are gone, deleted together: one commit for this many volumes instead of one each.
const ROWS_PER_COMMIT = 64;

/**
 * What a removal of many volumes does once instead of once per volume: it opens the volumes
 * directory (and reads its mount id), reads the mount points below it, and deletes the rows of
 * removed volumes in batches.
 */
export class RemovalBatch {
  private top: OpenVolumesDir | undefined;
  private mounted: string[] | undefined;
  private pending: { row: { name: string; createdAt: number; event?: VolumeEvent }; report: VolumeRmReport }[] = [];

  constructor(private readonly rt: Runtime) {}

  /** The volumes directory, opened on first use and kept open until `close`. */
  volumesDirFd(): OpenVolumesDir {
    this.top ??= holdVolumesDir(this.rt.config.volumesDir);
    return this.top;
  }

  /**
   * Throws when a file system is mounted inside `volDir`. The table is read once per batch: a
   * mount made later is met by the removal itself, which never crosses into another mount (and
   * rmdir fails on a mount point); one the snapshot shows is confirmed against the live table,
   * as the volume's own mount may have been detached since.
   */
  assertNothingMountedUnder(volDir: string, volume: string): void {
    this.mounted ??= mountPointsUnder(this.rt.config.volumesDir);
    if (this.mounted.some((mp) => mp === volDir || mp.startsWith(volDir + '/'))) assertNothingMountedUnder(volDir, volume);
  }

  /**
   * Queues the deletion of the `removing` row of `rec`, whose files are gone, with its event;
   * `report` gets the error if that deletion fails. Until the commit the row stays `removing`
   * (hidden from ls): a kill before it leaves what the next touch or `vol check` finishes.
   */
  deleteLater(rec: VolumeRecord, event: VolumeEvent, report: VolumeRmReport): void {
    this.pending.push({ row: { name: rec.name, createdAt: rec.createdAt, event }, report });
  }

  /** Commits the queued deletions first when `name` is among them, so a name given twice is seen gone the second time. */
  flushIfQueued(name: string): void {
    if (this.pending.some((p) => p.row.name === name)) this.flush(true);
  }

  /** Commits the queued deletions once enough are queued (`all`: whatever is queued). */
  flush(all = false): void {
    if (this.pending.length === 0 || (!all && this.pending.length < ROWS_PER_COMMIT)) return;
    const batch = this.pending;
    this.pending = [];
    try {
      this.rt.store.deleteRemoving(batch.map((p) => p.row));
    } catch (err) {
      for (const p of batch) p.report.error = err as Error;
    }
  }

  /** Commits what is queued and closes what the batch holds open. */
  close(): void {
    try {
      this.flush(true);
    } finally {
      if (this.top) closeSync(this.top.fd);
      this.top = undefined;
    }
  }
}
