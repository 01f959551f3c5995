import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { VolError, errnoCode } from '../core/errors.ts';
import type { VolumeEvent, VolumeHolder, VolumeRecord, VolumeStatus } from '../core/model.ts';
import { EventLog } from './event-log.ts';
import { InspectText } from './inspect-text.ts';
import type { EventQuery, InspectTextPage, RemovedRow, VolumeBrief, VolumeListQuery, VolumeStore } from './store.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteSnapshotStore, type SnapshotStore } from './snapshot-store.ts';
import { rowFromValues, rowToHolder, rowToRecord, VOLUME_COLUMNS, type HolderRow, type VolumeRow } from './rows.ts';

/** How long a write waits for another process's transaction before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 30_000;

/**
 * Opens (creating if needed) the SQLite store at `file`. With `file` undefined, an empty
 * in-memory store: read-only commands use it when no database exists yet.
 */
export function openSqliteStore(file: string | undefined, opts: { eventsMax?: number } = {}): VolumeStore {
  let db: Database.Database | undefined;
  try {
    db = new Database(file ?? ':memory:', { nativeBinding: nativeBindingPath() });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Before anything that could write: a newer vol's database is never touched.
    retryWhileBusy(() => refuseNewerSchema(db!, file));
    if (file !== undefined) retryWhileBusy(() => db!.pragma('journal_mode = WAL'));
    // NORMAL in WAL mode keeps the database consistent after a crash; a power loss may drop the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (err) {
    db?.close();
    if (err instanceof VolError) throw err;
    throw new VolError('IO_FAILED', `opening the state database ${file}: ${(err as Error).message}`, { cause: err });
  }
  return new SqliteVolumeStore(db, opts.eventsMax ?? 100_000);
}

/** Where the bundled CLI finds the addon when vol's own node_modules holds it. */
declare const VOL_BUNDLED_ADDON: string | undefined;

/** The better-sqlite3 addon to load, when its place is known. */
export function nativeBindingPath(): string | undefined {
  // Passing the addon's path skips the `bindings` package's search of the file system at start-up.
  if (typeof VOL_BUNDLED_ADDON === 'string' && existsSync(VOL_BUNDLED_ADDON)) return VOL_BUNDLED_ADDON;
  try {
    const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json');
    const addon = join(dirname(pkg), 'build', 'Release', 'better_sqlite3.node');
    return existsSync(addon) ? addon : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn`, again while SQLite answers SQLITE_BUSY, for up to the busy timeout. Switching a new
 * database to WAL takes an exclusive lock from inside the statement's own shared one, and SQLite
 * answers BUSY at once, without its busy handler, to one of two processes doing that together.
 */
function retryWhileBusy<T>(fn: () => T): T {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return fn();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 5 + Math.floor(Math.random() * 20));
    }
  }
}

function refuseNewerSchema(db: Database.Database, file: string | undefined): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) {
    throw new VolError('STATE_CONFLICT', `the state database ${file} was created by a newer vol (schema ${version}, this vol knows ${MIGRATIONS.length})`, {
      hint: 'use that vol or a newer one; this one does not change the database',
    });
  }
}

function migrate(db: Database.Database): void {
  const version = () => db.pragma('user_version', { simple: true }) as number;
  if (version() >= MIGRATIONS.length) return;
  db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    for (let v = version(); v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v]!.sql);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

class SqliteVolumeStore implements VolumeStore {
  private readonly stmts: ReturnType<typeof prepare>;
  private readonly log: EventLog;
  readonly snapshots: SnapshotStore;
  // Prepared on first use: most commands never list for inspect.
  private inspectText: InspectText | undefined;
  // Made once: better-sqlite3 builds a new wrapper (and its variants) on every db.transaction(), a
  // measurable part of a bulk removal's two writes per volume.
  private readonly writeTx: Database.Transaction<(fn: () => unknown, event: VolumeEvent | undefined) => unknown>;

  constructor(
    private readonly db: Database.Database,
    eventsMax: number,
  ) {
    this.stmts = prepare(db);
    this.log = new EventLog(db, eventsMax);
    this.snapshots = new SqliteSnapshotStore(db);
    this.writeTx = db.transaction((fn: () => unknown, event: VolumeEvent | undefined) => {
      const result = fn();
      if (event) this.log.append(event);
      return result;
    });
  }

  /** Runs `fn` and appends `event` in one immediate transaction. */
  private write<T>(fn: () => T, event: VolumeEvent | undefined): T {
    return this.writeTx.immediate(fn, event) as T;
  }

  appendEvent(event: VolumeEvent): void {
    this.write(() => undefined, event);
  }

  events(q: EventQuery): Iterable<VolumeEvent> {
    return this.log.read(q);
  }

  eventVolumes(prefix: string, limit: number): string[] {
    return this.log.volumesWithPrefix(prefix, limit);
  }

  lastEventId(): number {
    return this.log.lastId();
  }

  insertCreating(rec: VolumeRecord, projectBase = 200_000): void {
    const insert = this.db.transaction(() => {
      if (rec.quota?.backend === 'xfs' && rec.quota.id === undefined) {
        rec.quota.id = String(this.stmts.nextProject.pluck().get(projectBase));
      }
      this.stmts.insert.run({
        name: rec.name,
        driver: rec.driver,
        mountpoint: rec.mountpoint,
        created_at: rec.createdAt,
        created_ns: rec.createdAtNs ?? 0,
        labels: JSON.stringify(rec.labels),
        options: JSON.stringify(rec.options),
        uid: rec.uid ?? null,
        gid: rec.gid ?? null,
        size: rec.size ?? null,
        inodes: rec.inodes ?? null,
        no_quota: rec.noQuota ? 1 : 0,
        plugin_timeout: rec.pluginTimeout ?? null,
        quota_backend: rec.quota?.backend ?? null,
        quota_id: rec.quota?.id ?? null,
      });
      for (const [key, value] of Object.entries(rec.labels)) {
        this.stmts.insertLabel.run(rec.name, key, value);
      }
    });
    try {
      insert.immediate();
    } catch (err) {
      if (errnoCode(err) === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new VolError('VOLUME_EXISTS', `volume with name ${rec.name} already exists: volume already exists`, { cause: err });
      }
      throw err;
    }
  }

  setMountCount(name: string, count: number, pluginMountpoint?: string | null, event?: VolumeEvent): void {
    this.write(() => {
      this.stmts.setMountCount.run(count, name);
      if (pluginMountpoint !== undefined) this.stmts.setPluginMountpoint.run(pluginMountpoint, name);
    }, event);
  }

  addHolder(name: string, h: VolumeHolder, mountCount: number, event?: VolumeEvent): void {
    this.write(() => {
      this.stmts.addHolder.run({ volume: name, holder: h.id, pid: h.pid ?? null, pid_start: h.pidStart ?? null, counted: h.counted ? 1 : 0, created_at: h.createdAt });
      this.stmts.setMountCount.run(mountCount, name);
    }, event);
  }

  removeHolders(name: string, ids: readonly string[], mountCount: number, event?: VolumeEvent): void {
    this.write(() => {
      for (const id of ids) this.stmts.removeHolder.run(name, id);
      this.stmts.setMountCount.run(mountCount, name);
    }, event);
  }

  holdersOf(name: string): VolumeHolder[] {
    return (this.stmts.holdersOf.all(name) as HolderRow[]).map(rowToHolder);
  }

  allHolders(): Map<string, VolumeHolder[]> {
    const out = new Map<string, VolumeHolder[]>();
    for (const row of this.stmts.allHolders.all() as HolderRow[]) {
      const list = out.get(row.volume) ?? [];
      list.push(rowToHolder(row));
      out.set(row.volume, list);
    }
    return out;
  }

  setLimit(name: string, size: number, options: Record<string, string>): void {
    this.db.transaction(() => this.stmts.setLimit.run(size, JSON.stringify(options), name)).immediate();
  }

  setQuotaId(name: string, id: string): void {
    this.db.transaction(() => this.stmts.setQuotaId.run(id, name)).immediate();
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.stmts.get.get(name) as VolumeRow | undefined;
    return row && rowToRecord(row);
  }

  transition(name: string, from: VolumeStatus, to: VolumeStatus, event?: VolumeEvent, by?: string): boolean {
    // The event is written only when the row really moved.
    return this.write(() => {
      const moved = this.stmts.transition.run(to, by ?? null, name, from).changes === 1;
      if (moved && event) this.log.append(event);
      return moved;
    }, undefined);
  }

  delete(name: string, event?: VolumeEvent): void {
    this.write(() => {
      if (this.stmts.delete.run(name).changes === 1 && event) this.log.append(event);
    }, undefined);
  }

  deleteRemoved(rows: readonly RemovedRow[]): void {
    this.write(() => {
      this.log.appendAll(rows.filter((r) => this.stmts.deleteRemoved.run(r.name, r.by).changes === 1).map((r) => r.event));
    }, undefined);
  }

  list(query: VolumeListQuery = {}): VolumeRecord[] {
    return (this.listQuery(VOLUME_COLUMNS, query).raw().all() as unknown[][]).map((a) => rowToRecord(rowFromValues(a)));
  }

  inspectTextPage(after: string | undefined, limit: number): InspectTextPage {
    this.inspectText ??= new InspectText(this.db);
    return this.inspectText.page(after, limit);
  }

  listBrief(query: VolumeListQuery = {}): VolumeBrief[] {
    return this.listQuery('v.name, v.driver', query).all() as VolumeBrief[];
  }

  /** The listing's statement with its parameters bound: the columns asked for, one query, sorted by name. */
  private listQuery(columns: string, query: VolumeListQuery): Database.Statement {
    const where: string[] = [];
    const params: unknown[] = [];
    if (!query.includeTransient) where.push(`v.status = 'ready'`);
    if (query.allLabels && query.allLabels.length > 0) {
      // The conditions travel as one JSON array, joined against the (key, value) index: any number
      // of them is one parameter and one join, never an expression per condition (SQLite caps
      // expression depth at 1000 and parameters at 32766).
      where.push(`v.name IN (SELECT l.volume FROM json_each(?) c
        JOIN volume_labels l ON l.key = json_extract(c.value, '$[0]')
          AND (json_extract(c.value, '$[1]') IS NULL OR l.value = json_extract(c.value, '$[1]'))
        GROUP BY l.volume HAVING COUNT(*) = ?)`);
      // Each condition matches at most one label row of a volume (its key is unique there), so
      // the count of joined rows says whether all of them hold.
      params.push(JSON.stringify(query.allLabels.map((c) => [c.key, c.value ?? null])), query.allLabels.length);
    }
    if (query.after !== undefined) {
      where.push('v.name > ?');
      params.push(query.after);
    }
    const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(query.limit))}`;
    const sql = `SELECT ${columns} FROM volumes v ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY v.name${limit}`;
    return this.db.prepare(sql).bind(...params);
  }

  listNames(): string[] {
    return this.stmts.names.pluck().all() as string[];
  }

  readyNames(): string[] {
    return this.stmts.readyNames.pluck().all() as string[];
  }

  namesWithPrefix(prefix: string, limit: number): string[] {
    return this.stmts.prefix.pluck().all({ prefix, limit }) as string[];
  }

  integrityProblems(): string[] {
    const lines = this.db.pragma('integrity_check', { simple: false }) as { integrity_check: string }[];
    return lines.map((l) => l.integrity_check).filter((l) => l !== 'ok');
  }

  danglingChildren(): { table: string; volume: string }[] {
    const out: { table: string; volume: string }[] = [];
    for (const { table } of this.db.pragma('foreign_key_check') as { table: string }[]) {
      if (table !== 'volume_labels' && table !== 'volume_holders') continue;
      if (out.some((o) => o.table === table)) continue;
      for (const volume of this.stmts.dangling[table].pluck().all() as string[]) out.push({ table, volume });
    }
    return out;
  }

  deleteDanglingChildren(volume: string, event?: VolumeEvent): void {
    this.write(() => {
      this.stmts.deleteDanglingLabels.run({ v: volume });
      this.stmts.deleteDanglingHolders.run({ v: volume });
    }, event);
  }

  setMountpoint(name: string, mountpoint: string, event?: VolumeEvent): void {
    this.write(() => this.stmts.setMountpoint.run(mountpoint, name), event);
  }

  close(): void {
    this.db.close();
  }
}

function prepare(db: Database.Database) {
  return {
    insert: db.prepare(`INSERT INTO volumes (name, driver, mountpoint, created_at, created_ns, status, labels, options,
        uid, gid, size, inodes, no_quota, plugin_timeout, quota_backend, quota_id)
      VALUES (@name, @driver, @mountpoint, @created_at, @created_ns, 'creating', @labels, @options,
        @uid, @gid, @size, @inodes, @no_quota, @plugin_timeout, @quota_backend, @quota_id)`),
    nextProject: db.prepare(`SELECT MAX(?1, COALESCE(MAX(CAST(quota_id AS INTEGER)) + 1, ?1))
      FROM volumes WHERE quota_backend = 'xfs'`),
    setQuotaId: db.prepare('UPDATE volumes SET quota_id = ? WHERE name = ?'),
    setLimit: db.prepare('UPDATE volumes SET size = ?, options = ? WHERE name = ?'),
    setMountCount: db.prepare('UPDATE volumes SET mount_count = ? WHERE name = ?'),
    setMountpoint: db.prepare('UPDATE volumes SET mountpoint = ? WHERE name = ?'),
    dangling: {
      volume_labels: db.prepare('SELECT DISTINCT volume FROM volume_labels WHERE volume NOT IN (SELECT name FROM volumes) ORDER BY volume'),
      volume_holders: db.prepare('SELECT DISTINCT volume FROM volume_holders WHERE volume NOT IN (SELECT name FROM volumes) ORDER BY volume'),
    },
    deleteDanglingLabels: db.prepare('DELETE FROM volume_labels WHERE volume = @v AND NOT EXISTS (SELECT 1 FROM volumes WHERE name = @v)'),
    deleteDanglingHolders: db.prepare('DELETE FROM volume_holders WHERE volume = @v AND NOT EXISTS (SELECT 1 FROM volumes WHERE name = @v)'),
    setPluginMountpoint: db.prepare('UPDATE volumes SET plugin_mountpoint = ? WHERE name = ?'),
    addHolder: db.prepare(`INSERT OR REPLACE INTO volume_holders (volume, holder, pid, pid_start, counted, created_at)
      VALUES (@volume, @holder, @pid, @pid_start, @counted, @created_at)`),
    removeHolder: db.prepare('DELETE FROM volume_holders WHERE volume = ? AND holder = ?'),
    holdersOf: db.prepare('SELECT * FROM volume_holders WHERE volume = ? ORDER BY created_at, holder'),
    allHolders: db.prepare('SELECT * FROM volume_holders ORDER BY volume, created_at, holder'),
    insertLabel: db.prepare('INSERT INTO volume_labels (volume, key, value) VALUES (?, ?, ?)'),
    get: db.prepare('SELECT * FROM volumes WHERE name = ?'),
    transition: db.prepare('UPDATE volumes SET status = ?, removing_by = ? WHERE name = ? AND status = ?'),
    delete: db.prepare('DELETE FROM volumes WHERE name = ?'),
    deleteRemoved: db.prepare("DELETE FROM volumes WHERE name = ? AND status = 'removing' AND removing_by = ?"),
    names: db.prepare('SELECT name FROM volumes ORDER BY name'),
    readyNames: db.prepare("SELECT name FROM volumes WHERE status = 'ready' ORDER BY name"),
    // A range on the primary key, then an exact (case-sensitive, unlike LIKE) prefix comparison.
    prefix: db.prepare(`SELECT name FROM volumes
      WHERE name >= @prefix AND substr(name, 1, length(@prefix)) = @prefix AND status = 'ready'
      ORDER BY name LIMIT @limit`),
  };
}
