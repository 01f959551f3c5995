import { closeSync } from 'node:fs';
import { assertNothingMountedUnder, mountPointsUnder } from '../local/mount-table.ts';
import { holdVolumesDir, type OpenVolumesDir } from '../local/volume-fs.ts';
import { VolumeTrash, type TrashFailure, type TrashOwner } from '../local/volume-trash.ts';
import type { RemovedRow, VolumeStore } from '../state/store.ts';
import type { VolumeEvent, VolumeRecord } from './model.ts';
import { ownerTextDead, selfOwnerText } from '../lock/lock-owner.ts';
import type { VolumeRemovalBatch } from './runtime.ts';

/** Removals of at least this many volumes are bulk ones (trash, rows deleted together); for fewer, that costs more than it saves. */
export const BULK_FROM = 8;
/** Rows of removed volumes deleted in one transaction. */
const ROWS_PER_WRITE = 32;

/**
 * What a removal of many volumes reads once instead of once per volume: the volumes directory
 * (opened, and its mount id read) and the mount points below it. A bulk removal (given the
 * `store`) also has a trash its emptied volume directories are deleted from while it goes on, and
 * deletes the `removing` rows of the volumes it finished ROWS_PER_WRITE at a time, after their
 * locks (a killed removal leaves those rows `removing`, finished by the next touch, as ever).
 */
export class RemovalBatch implements VolumeRemovalBatch {
  private top: OpenVolumesDir | undefined;
  private mounted: string[] | undefined;
  private bin: VolumeTrash | undefined;
  private removed: RemovedRow[] = [];
  private id: string | undefined;

  constructor(private readonly volumesDir: string, private readonly store?: VolumeStore) {}

  /** The volumes directory, opened on first use and kept open until `close`. */
  volumesDirFd(): OpenVolumesDir {
    this.top ??= holdVolumesDir(this.volumesDir);
    return this.top;
  }

  /**
   * Throws when a file system is mounted inside `volDir`. The table is read once per batch: a
   * mount made later is met by the removal itself, which never crosses into another mount (and
   * rmdir fails on a mount point); one the snapshot shows is confirmed against the live table,
   * as the volume's own mount may have been detached since.
   */
  assertNothingMountedUnder(volDir: string, volume: string): void {
    this.mounted ??= mountPointsUnder(this.volumesDir);
    if (this.mounted.some((mp) => mp === volDir || mp.startsWith(volDir + '/'))) assertNothingMountedUnder(volDir, volume);
  }

  /** The trash, when this batch uses one. */
  trash(): VolumeTrash | undefined {
    if (!this.store) return undefined;
    this.bin ??= new VolumeTrash(this.volumesDirFd(), this.volumesDir, trashOwner());
    return this.bin;
  }

  /** Resolves when the trash has room for more deletions. */
  async pace(): Promise<void> {
    await this.bin?.pace();
  }

  /** For a bulk removal, the id it marks the rows it turns `removing` with (undefined: the caller deletes each row itself). */
  removerId(): string | undefined {
    if (!this.store) return undefined;
    this.id ??= selfOwnerText();
    return this.id;
  }

  /** Queues the deletion of the row of `rec`, marked `removing` with `removerId()` and whose files are gone. */
  finishLater(rec: VolumeRecord, event: VolumeEvent): void {
    this.removed.push({ name: rec.name, by: this.removerId()!, event });
    if (this.removed.length >= ROWS_PER_WRITE) this.writeRemoved();
  }

  /** Deletes the queued rows, then waits until the trash is empty; returns what could not be deleted from it. Call before `close`. */
  async finish(): Promise<TrashFailure[]> {
    this.writeRemoved();
    return (await this.bin?.finish()) ?? [];
  }

  private writeRemoved(): void {
    const rows = this.removed;
    this.removed = [];
    if (rows.length > 0) this.store!.deleteRemoved(rows);
  }

  /** Closes what the batch holds open (after `finish`, if the trash was used). */
  close(): void {
    if (this.top) closeSync(this.top.fd);
    this.top = undefined;
  }
}

/** This process's directory in the trash, and how a killed process's is told. */
export function trashOwner(): TrashOwner {
  return { id: selfOwnerText(), abandoned: ownerTextDead };
}
