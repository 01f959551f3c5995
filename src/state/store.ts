import type { VolumeEvent, VolumeHolder, VolumeRecord, VolumeStatus } from '../core/model.ts';
import type { SnapshotStore } from './snapshot-store.ts';

/** Which events to read: bounds on time (ns) and id, and exact types/volumes (OR within each; no types: none). */
export interface EventQuery {
  sinceNs?: bigint;
  untilNs?: bigint;
  afterId?: number;
  types?: readonly string[];
  volumes?: readonly string[];
}

/** A label condition the store can evaluate with its index: key, and value when given. */
export interface LabelCondition {
  key: string;
  value?: string;
}

/** Every change method takes an optional event, written in the same transaction as the change. */

/** Which volumes `list` returns. */
/** The two columns `ls` prints by default. */
export interface VolumeBrief {
  name: string;
  driver: string;
}

export interface VolumeListQuery {
  /** Volumes that have every one of these labels (AND); any number of conditions, one bound parameter. */
  allLabels?: readonly LabelCondition[];
  /** Include rows that are being created or removed (default: ready only). */
  includeTransient?: boolean;
  /** Only names sorting after this one: with `limit`, the next page of a listing read a page at a time. */
  after?: string;
  /** At most this many rows. */
  limit?: number;
}

/** Stands in a page's text for each volume whose item the engine builds: a byte JSON text (UTF-8) never holds raw. */
export const NOT_PLAIN = 0x01;

/**
 * One page of `inspect --all`: the items of the JSON array, indented as inside it and joined by
 * `,\n`, with a `NOT_PLAIN` marker for each volume whose item only the engine can build.
 */
export interface InspectTextPage {
  /** UTF-8. */
  text: Buffer;
  /** Volumes on the page (0: no more pages). */
  count: number;
  /** The page's last name, where the next page starts after. */
  last: string;
  /** The records of the marked volumes, in the order of their markers. */
  others: VolumeRecord[];
}

/** The persistent record of volumes; every SQL statement of vol lives behind this interface. */
export interface VolumeStore {
  /**
   * Reserves `rec.name` with status `creating`; throws VOLUME_EXISTS when the name is taken.
   * For an `xfs` quota without id, reserves the next free project id from `projectBase` in the
   * same transaction and sets it on `rec.quota`.
   */
  insertCreating(rec: VolumeRecord, projectBase?: number): void;
  /** Sets the number of mounts of a volume (and, for a plugin volume, the path its plugin mounted it at). */
  setMountCount(name: string, count: number, pluginMountpoint?: string | null, event?: VolumeEvent): void;
  /** Adds (or replaces) holder `h` of `name` and sets the mount count, in one transaction. */
  addHolder(name: string, h: VolumeHolder, mountCount: number, event?: VolumeEvent): void;
  /** Drops holders of `name` and sets the mount count, in one transaction. */
  removeHolders(name: string, ids: readonly string[], mountCount: number, event?: VolumeEvent): void;
  /** The holders of one volume. */
  holdersOf(name: string): VolumeHolder[];
  /** Holders of every volume that has any, by volume name (one query). */
  allHolders(): Map<string, VolumeHolder[]>;
  /** Records a new size limit and the options that show it (expansion). */
  setLimit(name: string, size: number, options: Record<string, string>): void;
  /** The snapshots of volumes, in the same database. */
  readonly snapshots: SnapshotStore;
  /** Records the quota id a backend assigned while creating. */
  setQuotaId(name: string, id: string): void;
  /** The row for exactly `name`, in any status. */
  get(name: string): VolumeRecord | undefined;
  /** Moves `name` from status `from` to `to` (`by`: to `removing` for that bulk removal); false when the row was not in `from`. */
  transition(name: string, from: VolumeStatus, to: VolumeStatus, event?: VolumeEvent, by?: string): boolean;
  /** Deletes the row (and its labels); the event is recorded only when there was a row to delete. */
  delete(name: string, event?: VolumeEvent): void;
  /**
   * In one transaction, deletes each row that is still `removing` for bulk removal `by` (not one
   * settled by another command, nor a volume of that name made since), recording its event only
   * when its row went: a bulk removal finishes its volumes so, after their locks.
   */
  deleteRemoved(rows: readonly RemovedRow[]): void;
  /** Records an event that changes no volume row (export, import). */
  appendEvent(event: VolumeEvent): void;
  /** Events matching `q`, oldest first, streamed row by row. */
  events(q: EventQuery): Iterable<VolumeEvent>;
  /** Volume names in stored events: `prefix` itself when it has events, else at most `limit` that start with it. */
  eventVolumes(prefix: string, limit: number): string[];
  /** The id of the newest event (0 when none). */
  lastEventId(): number;
  /** Ready volumes sorted by name (plus transient ones when asked). */
  list(query?: VolumeListQuery): VolumeRecord[];
  /**
   * The next page of at most `limit` ready volumes after the name `after`, in name order: the
   * item text of each plain local volume, and the records of the others, read at one moment.
   */
  inspectTextPage(after: string | undefined, limit: number): InspectTextPage;
  /** Name and driver of the volumes `list` would return, in the same order: what a table of names needs, and no more. */
  listBrief(query?: VolumeListQuery): VolumeBrief[];
  /** Names of rows in any status, sorted. */
  listNames(): string[];
  /** Names of ready volumes, sorted: what a bulk command needs of 100,000 rows, without their records. */
  readyNames(): string[];
  /** Names of ready volumes that start with `prefix`, at most `limit`. */
  namesWithPrefix(prefix: string, limit: number): string[];
  /** What `PRAGMA integrity_check` reports, without its single `ok` line when all is well. */
  integrityProblems(): string[];
  /** Rows of child tables (labels, holders) whose volume row is gone, as `PRAGMA foreign_key_check` finds them. */
  danglingChildren(): { table: string; volume: string }[];
  /** Deletes the child rows of volume `volume` that no volume row owns. */
  deleteDanglingChildren(volume: string, event?: VolumeEvent): void;
  /** Sets the stored mountpoint of a local volume (check --repair rewrites a disagreeing one to the derived path). */
  setMountpoint(name: string, mountpoint: string, event?: VolumeEvent): void;
  close(): void;
}

/** A volume whose files a bulk removal has deleted (or moved to its trash), for `deleteRemoved`. */
export interface RemovedRow {
  name: string;
  by: string;
  event: VolumeEvent;
}
