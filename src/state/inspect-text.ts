// `inspect --all` items printed by SQLite in the listing query itself: the bytes JSON.stringify
// prints for `toInspect`'s object inside the array (key order, indentation, escaping,
// `rfc3339Nano`, numbers), so a plain volume costs no JavaScript object. Whatever this cannot
// print as JavaScript would is left to the engine. test/unit/inspect-text.test.ts ties the two.
import type Database from 'better-sqlite3';
import { rowFromValues, rowToRecord, VOLUME_COLUMNS } from './rows.ts';
import { NOT_PLAIN, type InspectTextPage } from './store.ts';

/** Indentation of an item, its keys, and a map's entries inside the printed array. */
const ITEM = ' '.repeat(5);
const KEY = ' '.repeat(10);
const ENTRY = ' '.repeat(15);
/** The largest integer a JavaScript number holds exactly, and so prints as SQLite does. */
const SAFE = Number.MAX_SAFE_INTEGER;
/** Characters at or above U+E000: UTF-8 (SQLite) and UTF-16 (JavaScript) sort them apart. */
const SORTS_APART = '*[\u{E000}-\u{10FFFF}]*';
/** A `\uD800`–`\uDFFF` escape in stored JSON: a lone surrogate, which SQLite cannot give back. */
const SURROGATE_ESCAPE = '*\\u[dD][89abcdefABCDEF]*';

function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * A key JavaScript enumerates first, in numeric order: an array index, the canonical decimal
 * text (what its integer prints back as) of 0 to 2^32 - 2.
 */
function isIndex(col: string): string {
  return `(CAST(CAST(${col} AS INTEGER) AS TEXT) = ${col} AND CAST(${col} AS INTEGER) BETWEEN 0 AND 4294967294)`;
}

/**
 * A stored JSON object of strings as `toInspect` sorts it and JSON.stringify prints it, or NULL
 * where the JavaScript path must decide: not an object of distinct string keys and values, a
 * key the two languages sort apart, `__proto__` (which an assignment drops), a lone surrogate,
 * a NUL in a key (where GLOB, which the sort order needs, stops reading).
 */
function mapText(col: string): string {
  const entry = `${lit(ENTRY)} || json_quote(e.key) || ': ' || json_quote(e.value)`;
  const order = `${isIndex('e.key')} DESC, CASE WHEN ${isIndex('e.key')} THEN CAST(e.key AS INTEGER) END, e.key`;
  const entries = `(SELECT CASE
      WHEN count(*) = 0 THEN '{}'
      WHEN count(*) = count(DISTINCT e.key) AND min(e.type = 'text') = 1 AND max(e.key GLOB ${lit(SORTS_APART)}) = 0 AND max(e.key = '__proto__') = 0 AND max(instr(e.key, char(0))) = 0
      THEN '{' || char(10) || group_concat(${entry}, ',' || char(10) ORDER BY ${order}) || char(10) || ${lit(KEY + '}')}
    END FROM json_each(${col}) e)`;
  return `CASE WHEN ${col} = '{}' THEN '{}'
    WHEN typeof(${col}) = 'text' AND json_valid(${col}) AND json_type(${col}) = 'object' AND ${col} NOT GLOB ${lit(SURROGATE_ESCAPE)} THEN ${entries} END`;
}

function exactInt(col: string): string {
  return `(typeof(${col}) = 'integer' AND ${col} BETWEEN -${SAFE} AND ${SAFE})`;
}

/**
 * What every row printed here has: a ready local volume with no holder rows and no quota to
 * read, a text name and path (a BLOB sorts after every text), and an integer creation time in
 * years 1970 to 9999.
 */
const PLAIN = `v.driver = 'local' AND v.quota_backend IS NULL AND v.name NOT IN (SELECT volume FROM volume_holders)
  AND v.name < x'' AND v.mountpoint < x''
  AND typeof(v.created_at) = 'integer' AND v.created_at BETWEEN 0 AND 253402300799999
  AND typeof(v.created_ns) = 'integer' AND v.created_ns BETWEEN 0 AND 999999`;

/** The most common row: no label, option, owner or mount count to print. */
const BARE = `v.labels = '{}' AND v.options = '{}' AND v.uid IS NULL AND v.gid IS NULL AND v.mount_count = 0`;

/** Other rows printed here: no mount options (so MountCount is the stored count), numbers JavaScript holds exactly. */
const SETTLED = `(v.options = '{}' OR (json_valid(v.options) AND json_type(v.options, '$.type') IS NULL AND json_type(v.options, '$.device') IS NULL AND json_type(v.options, '$.o') IS NULL))
  AND (v.uid IS NULL OR ${exactInt('v.uid')}) AND (v.gid IS NULL OR ${exactInt('v.gid')}) AND ${exactInt('v.mount_count')}`;

/**
 * The item up to the Labels value, as concat() arguments: `toInspect`'s keys, and CreatedAt as
 * `rfc3339Nano` prints it (the nine digits of the fraction without their trailing zeros, and
 * without the point when all are zero: only digits follow the point, so rtrim stops at it).
 */
const HEAD = `${lit(`${ITEM}{\n${KEY}"Name": `)}, json_quote(v.name), ${lit(`,\n${KEY}"Driver": "local",\n${KEY}"Mountpoint": `)}, json_quote(v.mountpoint),
    ${lit(`,\n${KEY}"CreatedAt": "`)}, replace(datetime(v.created_at / 1000, 'unixepoch'), ' ', 'T'),
    rtrim('.' || substr(1000000000 + (v.created_at % 1000) * 1000000 + v.created_ns, 2), '.0'),
    ${lit(`Z",\n${KEY}"Labels": `)}`;

/**
 * A plain row's item as JSON.stringify prints it inside the array; NULL when a map needs the
 * JavaScript path. concat() skips NULL pieces, which leaves out an unset UID or GID line; `||`
 * keeps a NULL map's NULL.
 */
const ITEM_TEXT = `CASE WHEN ${BARE} THEN concat(${HEAD}, ${lit(`{},\n${KEY}"Scope": "local",\n${KEY}"Options": {},\n${KEY}"MountCount": 0\n${ITEM}}`)})
  WHEN ${SETTLED} THEN concat(${HEAD})
    || ${mapText('v.labels')} || ${lit(`,\n${KEY}"Scope": "local",\n${KEY}"Options": `)} || ${mapText('v.options')}
    || concat(${lit(',\n')}, ${lit(`${KEY}"UID": `)} || v.uid || ${lit(',\n')}, ${lit(`${KEY}"GID": `)} || v.gid || ${lit(',\n')},
      ${lit(`${KEY}"MountCount": `)}, v.mount_count, ${lit(`\n${ITEM}}`)})
  END`;

/**
 * One page's text, count, last name and the names of the rows left to the caller, from the
 * name `@from` on. As a BLOB the text reaches JavaScript as bytes, never decoded into a string
 * nor encoded back to be written. The aggregate takes the rows in the order the subquery yields
 * them, by name: an ORDER BY in the aggregate itself would sort the texts again and double the
 * query's time. The markers and the names left to the caller follow the same order.
 */
const PAGE = `SELECT CAST(group_concat(coalesce(t, char(${NOT_PLAIN})), ',' || char(10)) AS BLOB), count(*), max(name),
    json_group_array(name) FILTER (WHERE t IS NULL)
  FROM (SELECT v.name AS name, CASE WHEN ${PLAIN} THEN ${ITEM_TEXT} END AS t
    FROM volumes v WHERE v.status = 'ready' AND v.name >= @from ORDER BY v.name LIMIT @limit)`;

/** The statements of `inspect --all`'s pages, prepared on first use. */
export class InspectText {
  private readonly pageStmt: Database.Statement;
  private recordsStmt: Database.Statement | undefined;
  private readonly read: Database.Transaction<(after: string | undefined, limit: number) => InspectTextPage>;

  constructor(private readonly db: Database.Database) {
    this.pageStmt = db.prepare(PAGE).raw();
    // One read transaction: the records of the rows left to the caller are the rows the page saw.
    this.read = db.transaction((after: string | undefined, limit: number) => this.readPage(after, limit));
  }

  /** The next page after `after` (from the first name without it): at most `limit` volumes. */
  page(after: string | undefined, limit: number): InspectTextPage {
    return this.read.deferred(after, Math.max(0, Math.floor(limit)));
  }

  private readPage(after: string | undefined, limit: number): InspectTextPage {
    // The least text sorting after `after` is `after` and a NUL: one statement seeks to either start.
    const row = this.pageStmt.get({ from: after === undefined ? '' : after + '\u0000', limit });
    const [text, count, last, others] = row as [Buffer | null, number, string | null, string];
    if (count === 0 || text === null || last === null) return { text: Buffer.alloc(0), count: 0, last: '', others: [] };
    if (others === '[]') return { text, count, last, others: [] };
    this.recordsStmt ??= this.db.prepare(`SELECT ${VOLUME_COLUMNS} FROM volumes v WHERE v.name IN (SELECT value FROM json_each(?)) ORDER BY v.name`).raw();
    return { text, count, last, others: (this.recordsStmt.all(others) as unknown[][]).map((a) => rowToRecord(rowFromValues(a))) };
  }
}
