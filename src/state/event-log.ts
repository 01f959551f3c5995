import type Database from 'better-sqlite3';
import type { VolumeEvent, VolumeEventType } from '../core/model.ts';
import type { EventQuery } from './store.ts';

interface EventRow {
  id: number;
  time_ns: bigint;
  type: string;
  volume: string;
  driver: string;
  uid: number;
  pid: number;
  attributes: string;
}

/** The events table: appends (trimmed to the newest `max`) inside the caller's transaction, and streams reads. */
export class EventLog {
  private readonly insert: Database.Statement;
  private readonly trim: Database.Statement;
  private readonly last: Database.Statement;
  private readonly exact: Database.Statement;
  private readonly prefix: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly max: number,
  ) {
    this.insert = db.prepare(`INSERT INTO events (time_ns, type, volume, driver, uid, pid, attributes)
      VALUES (@time_ns, @type, @volume, @driver, @uid, @pid, @attributes)`);
    // Ids only grow, so the newest `max` events are the last `max` ids: trimming is a range delete.
    this.trim = db.prepare('DELETE FROM events WHERE id <= ?');
    this.last = db.prepare('SELECT COALESCE(MAX(id), 0) FROM events').pluck();
    this.exact = db.prepare('SELECT 1 FROM events WHERE volume = ? LIMIT 1').pluck();
    // substr, not LIKE: an exact, case-sensitive prefix whatever characters it holds.
    this.prefix = db.prepare('SELECT DISTINCT volume FROM events WHERE substr(volume, 1, length(@prefix)) = @prefix LIMIT @limit').pluck();
  }

  /** Appends `ev`; call inside the transaction of the change it records. */
  append(ev: VolumeEvent): void {
    this.appendAll([ev]);
  }

  /** Appends `events` and trims once (the oldest go together, in a few pages); call inside the transaction of the changes they record. */
  appendAll(events: readonly VolumeEvent[]): void {
    let id = 0;
    for (const ev of events) {
      id = Number(
        this.insert.run({ time_ns: ev.timeNs, type: ev.type, volume: ev.volume, driver: ev.driver, uid: ev.uid, pid: ev.pid, attributes: JSON.stringify(ev.attributes) }).lastInsertRowid,
      );
    }
    if (id > this.max) this.trim.run(id - this.max);
  }

  /** The id of the newest event (0 when none). */
  lastId(): number {
    return this.last.get() as number;
  }

  /**
   * Distinct volume names of stored events that start with `prefix`: just `prefix` when events
   * of exactly that name exist, else at most `limit` names.
   */
  volumesWithPrefix(prefix: string, limit: number): string[] {
    if (this.exact.get(prefix) !== undefined) return [prefix];
    return this.prefix.all({ prefix, limit }) as string[];
  }

  /** Matching events, oldest first, read row by row (never all at once). */
  *read(q: EventQuery): Generator<VolumeEvent> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.sinceNs !== undefined) (where.push('time_ns >= ?'), params.push(toInt64(q.sinceNs)));
    if (q.untilNs !== undefined) (where.push('time_ns <= ?'), params.push(toInt64(q.untilNs)));
    if (q.afterId !== undefined) (where.push('id > ?'), params.push(q.afterId));
    // An empty list of types selects nothing (filters that no kind satisfies), not everything.
    if (q.types) (where.push(q.types.length ? `type IN (${q.types.map(() => '?').join(',')})` : '0'), params.push(...q.types));
    if (q.volumes?.length) (where.push(`volume IN (${q.volumes.map(() => '?').join(',')})`), params.push(...q.volumes));
    const sql = `SELECT * FROM events ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY id`;
    const stmt = this.db.prepare(sql).safeIntegers(true);
    for (const row of stmt.iterate(...params) as IterableIterator<EventRow>) {
      yield {
        id: Number(row.id),
        timeNs: row.time_ns,
        type: row.type as VolumeEventType,
        volume: row.volume,
        driver: row.driver,
        uid: Number(row.uid),
        pid: Number(row.pid),
        attributes: JSON.parse(row.attributes) as Record<string, unknown>,
      };
    }
  }
}

const INT64_MAX = 2n ** 63n - 1n;

/** A bound clamped to what the column can hold: every stored time lies within it, so comparisons stay exact. */
function toInt64(ns: bigint): bigint {
  return ns > INT64_MAX ? INT64_MAX : ns < -INT64_MAX ? -INT64_MAX : ns;
}
