import { closeSync } from 'node:fs';
import { assertNothingMountedUnder, mountPointsUnder } from '../local/mount-table.ts';
import { holdVolumesDir, type OpenVolumesDir } from '../local/volume-fs.ts';
import type { VolumeRemovalBatch } from './runtime.ts';

/**
 * What a removal of many volumes reads once instead of once per volume: the volumes directory
 * (opened, and its mount id read) and the mount points below it.
 */
export class RemovalBatch implements VolumeRemovalBatch {
  private top: OpenVolumesDir | undefined;
  private mounted: string[] | undefined;

  constructor(private readonly volumesDir: string) {}

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

  /** Closes what the batch holds open. */
  close(): void {
    if (this.top) closeSync(this.top.fd);
    this.top = undefined;
  }
}
