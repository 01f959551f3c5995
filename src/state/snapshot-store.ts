import type Database from 'better-sqlite3';
import { VolError, errnoCode } from '../core/errors.ts';
import type { SnapshotRecord, SnapshotStatus } from '../core/model.ts';

/** The persistent record of volume snapshots (the `snapshots` table). */
export interface SnapshotStore {
  /** Reserves `rec.name` with status `creating`; throws SNAPSHOT_EXISTS when the name is taken. */
  insertCreating(rec: SnapshotRecord): void;
  /** Moves a snapshot between statuses, recording its size and qgroup; false when it was not in `from`. */
  transition(name: string, from: SnapshotStatus, to: SnapshotStatus, fields?: { size?: number; quotaId?: string }): boolean;
  /** The row for exactly `name`, in any status. */
  get(name: string): SnapshotRecord | undefined;
  /** Snapshots sorted by name, ready ones unless asked; optionally of one source volume. */
  list(opts?: { source?: string; includeTransient?: boolean }): SnapshotRecord[];
  delete(name: string): void;
}

interface SnapshotRow {
  name: string;
  source_volume: string;
  path: string;
  created_at: number;
  size: number;
  status: SnapshotStatus;
  quota_id: string | null;
}

function rowToSnapshot(row: SnapshotRow): SnapshotRecord {
  const rec: SnapshotRecord = { name: row.name, source: row.source_volume, path: row.path, createdAt: row.created_at, size: row.size, status: row.status };
  if (row.quota_id !== null) rec.quotaId = row.quota_id;
  return rec;
}

/** The SQLite implementation over an open, migrated database. */
export class SqliteSnapshotStore implements SnapshotStore {
  private readonly stmts: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {
    this.stmts = prepare(db);
  }

  insertCreating(rec: SnapshotRecord): void {
    try {
      this.db.transaction(() => this.stmts.insert.run(rec.name, rec.source, rec.path, rec.createdAt, rec.size)).immediate();
    } catch (err) {
      if (errnoCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new VolError('SNAPSHOT_EXISTS', `snapshot with name ${rec.name} already exists`, { cause: err });
      }
      throw err;
    }
  }

  transition(name: string, from: SnapshotStatus, to: SnapshotStatus, fields: { size?: number; quotaId?: string } = {}): boolean {
    return this.db
      .transaction(() => this.stmts.transition.run({ to, size: fields.size ?? null, quota_id: fields.quotaId ?? null, name, from }).changes === 1)
      .immediate();
  }

  get(name: string): SnapshotRecord | undefined {
    const row = this.stmts.get.get(name) as SnapshotRow | undefined;
    return row && rowToSnapshot(row);
  }

  list(opts: { source?: string; includeTransient?: boolean } = {}): SnapshotRecord[] {
    const rows = (opts.source === undefined ? this.stmts.all.all() : this.stmts.bySource.all(opts.source)) as SnapshotRow[];
    return rows.map(rowToSnapshot).filter((s) => opts.includeTransient || s.status === 'ready');
  }

  delete(name: string): void {
    this.db.transaction(() => this.stmts.delete.run(name)).immediate();
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(`INSERT INTO snapshots (name, source_volume, path, created_at, size, status) VALUES (?, ?, ?, ?, ?, 'creating')`),
    transition: db.prepare(`UPDATE snapshots SET status = @to, size = COALESCE(@size, size), quota_id = COALESCE(@quota_id, quota_id)
      WHERE name = @name AND status = @from`),
    get: db.prepare('SELECT * FROM snapshots WHERE name = ?'),
    all: db.prepare('SELECT * FROM snapshots ORDER BY name'),
    bySource: db.prepare('SELECT * FROM snapshots WHERE source_volume = ? ORDER BY name'),
    delete: db.prepare('DELETE FROM snapshots WHERE name = ?'),
  };
}
