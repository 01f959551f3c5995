import { closeSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { VolError, errnoCode } from '../core/errors.ts';
import { emptyDirAt, removeEmptyVolumes, renameAt } from '../sys/volfs.ts';
import { at, closeQuietly, mountIdOf, openDirAt, type OpenVolumesDir, type VolumeLayout } from './volume-fs.ts';
import { removeEntry, rmdirIfEmpty } from './volume-teardown.ts';

/**
 * The directory inside the volume path where bulk removals move the volume directories they have
 * taken off the books, to delete them outside their locks: `being+removed/<removal>/<bucket>/<entry>`.
 * '+' is not allowed in a volume name, so it is never taken for a volume.
 */
export const TRASH = 'being+removed';

/** Volume directories deleted by one thread-pool job: one wake-up of the pool each, not one per volume. */
const JOB_SIZE = 16;
/** Jobs on the thread pool at once: as many as its threads, so the disk and the pool stay busy and memory stays bounded. */
const IN_FLIGHT = 4;
/**
 * Directories the entries are spread over, JOB_SIZE consecutive ones in each, so that one job
 * deletes from one directory while the renames go on into another (a rename into a directory
 * waits for an rmdir in it): the pool works on the last IN_FLIGHT buckets, far fewer than these.
 */
const BUCKETS = 64;

/** A trash directory that could not be deleted. */
export interface TrashFailure {
  /** The volume it was, or the removal's directory for what an earlier removal left. */
  volume: string;
  error: VolError;
  /** Left by an earlier removal that was killed, not one of this removal's volumes. */
  leftover: boolean;
}

/** A volume directory moved into the trash: its bucket and its name there. */
interface Moved {
  volume: string;
  bucket: number;
  entry: string;
}

/** What a removal's trash is told by its caller. */
export interface TrashOwner {
  /** This removal's directory name in the trash, unique among live processes. */
  id: string;
  /** True when the removal whose directory is `id` no longer runs, so what it left may be deleted. */
  abandoned(id: string): boolean;
}

/**
 * The trash of one bulk removal. Under a volume's lock, `moveAway` renames its directory into the
 * trash (one rename, where deleting takes two rmdirs) when `_data` is an empty directory on the
 * volumes directory's own mount; the deletions then run on libuv's thread pool while the removal
 * goes on, and `finish` waits for them. What the thread pool cannot delete (something appeared in
 * it, or a mount) is deleted entry by entry as in-place removal does, never following a link and
 * never crossing into another mount; so is what a killed removal left.
 */
export class VolumeTrash {
  private trashFd: number | undefined;
  private ownFd: number | undefined;
  private readonly buckets: number[] = [];
  private unusable = false;
  private seq = 0;
  private readonly inFlight = new Set<Promise<void>>();
  /** Moved, not yet handed to the thread pool. */
  private pending: Moved[] = [];
  private readonly slow: Moved[] = [];
  private readonly leftovers: string[] = [];
  private readonly failures: TrashFailure[] = [];

  constructor(private readonly top: OpenVolumesDir, private readonly volumesDir: string, private readonly owner: TrashOwner) {}

  /**
   * Moves the volume directory of `layout` (open as `volFd`, already checked to be a directory on
   * the volumes directory's mount) into the trash. False, having changed nothing, when its `_data`
   * is not an empty directory on that mount or the rename fails: the caller removes it in place.
   */
  moveAway(volFd: number, layout: VolumeLayout): boolean {
    if (emptyDirAt(volFd, '_data', this.top.mnt) !== undefined || !this.open()) return false;
    const bucket = Math.floor(this.seq / JOB_SIZE) % BUCKETS;
    const entry = `${layout.name}+${++this.seq}`;
    try {
      renameAt(this.top.fd, layout.name, this.bucketFd(bucket), entry);
    } catch {
      return false;
    }
    this.pending.push({ volume: layout.name, bucket, entry });
    if (this.pending.length >= JOB_SIZE) this.submit();
    return true;
  }

  /** Resolves once fewer than IN_FLIGHT jobs are running. */
  async pace(): Promise<void> {
    while (this.inFlight.size >= IN_FLIGHT) await Promise.race(this.inFlight);
  }

  /** Hands what was moved to the thread pool as one job. */
  private submit(): void {
    const moved = this.pending;
    this.pending = [];
    const fds = moved.map((m) => this.buckets[m.bucket]!);
    const job = removeEmptyVolumes(fds, moved.map((m) => m.entry), this.top.mnt).then((codes) => {
      codes.forEach((code, i) => code !== undefined && this.slow.push(moved[i]!));
      this.inFlight.delete(job);
    });
    this.inFlight.add(job);
  }

  /** Waits for every deletion, deletes what the thread pool could not and what killed removals left, and returns what failed. */
  async finish(): Promise<TrashFailure[]> {
    if (this.pending.length > 0) this.submit();
    while (this.inFlight.size > 0) await Promise.race(this.inFlight);
    if (this.trashFd === undefined) return this.sweep();
    const shown = join(this.volumesDir, TRASH, this.owner.id);
    for (const { volume, bucket, entry } of this.slow.splice(0)) {
      this.deleteCarefully(this.buckets[bucket]!, entry, join(shown, String(bucket)), volume, false);
    }
    this.buckets.forEach((fd, bucket) => {
      closeSync(fd);
      rmdirIfEmpty(this.ownFd!, String(bucket));
    });
    this.buckets.length = 0;
    closeSync(this.ownFd!);
    rmdirIfEmpty(this.trashFd, this.owner.id);
    this.deleteLeftovers(this.trashFd, this.leftovers.splice(0));
    closeSync(this.trashFd);
    this.trashFd = this.ownFd = undefined;
    // Another removal may be using it: then it is not empty, and stays.
    rmdirIfEmpty(this.top.fd, TRASH);
    return this.failures.splice(0);
  }

  /** For a removal that moved nothing: deletes what killed removals left in an existing trash. */
  private sweep(): TrashFailure[] {
    let trashFd: number;
    try {
      trashFd = openDirAt(this.top.fd, TRASH);
    } catch {
      return [];
    }
    try {
      if (mountIdOf(trashFd) !== this.top.mnt) return [];
      this.deleteLeftovers(trashFd, this.abandonedIn(trashFd));
    } finally {
      closeSync(trashFd);
    }
    rmdirIfEmpty(this.top.fd, TRASH);
    return this.failures.splice(0);
  }

  /** The directories of killed removals in the trash open as `trashFd`. */
  private abandonedIn(trashFd: number): string[] {
    return readdirSync(at(trashFd)).filter((id) => id !== this.owner.id && this.owner.abandoned(id));
  }

  private deleteLeftovers(trashFd: number, ids: readonly string[]): void {
    for (const id of ids) this.deleteCarefully(trashFd, id, join(this.volumesDir, TRASH), id, true);
  }

  /** Makes (or opens) the trash and this removal's directory in it on first use; false when it cannot be used. */
  private open(): boolean {
    if (this.ownFd !== undefined || this.unusable) return !this.unusable;
    try {
      this.trashFd = openOwnDir(this.top.fd, TRASH, this.top.mnt);
      this.ownFd = openOwnDir(this.trashFd, this.owner.id, this.top.mnt);
    } catch {
      closeQuietly(this.trashFd);
      this.trashFd = undefined;
      this.unusable = true;
      return false;
    }
    this.leftovers.push(...this.abandonedIn(this.trashFd));
    return true;
  }

  private bucketFd(bucket: number): number {
    this.buckets[bucket] ??= openOwnDir(this.ownFd!, String(bucket), this.top.mnt);
    return this.buckets[bucket]!;
  }

  private deleteCarefully(dirFd: number, name: string, shown: string, volume: string, leftover: boolean): void {
    try {
      removeEntry(dirFd, name, this.top.mnt, shown, volume);
    } catch (err) {
      const why = (err as Error).message;
      const what = leftover ? `deleting ${join(shown, name)}, left by a removal that was killed, failed` : `volume ${volume} was removed, but deleting its directory ${join(shown, name)} failed`;
      this.failures.push({ volume, error: new VolError('IO_FAILED', `${what}: ${why}`, { cause: err }), leftover });
    }
  }
}

/** Makes (0700) or opens directory `name` below `dirFd`, refusing a symlink there or a directory on another mount than `mnt`. */
function openOwnDir(dirFd: number, name: string, mnt: number): number {
  try {
    // Through the descriptor: mkdir never follows a last component, so a link put there fails.
    mkdirSync(at(dirFd, name), { mode: 0o700 });
  } catch (err) {
    if (errnoCode(err) !== 'EEXIST') throw err;
  }
  const fd = openDirAt(dirFd, name);
  if (mountIdOf(fd) !== mnt) {
    closeQuietly(fd);
    throw new Error(`${name} is another mount`);
  }
  return fd;
}
