import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations.ts';
import { nativeBindingPath } from './sqlite-store.ts';

/** The schema version this build writes (`PRAGMA user_version` after every migration). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The version of the SQLite library linked into better-sqlite3, asked of an in-memory database. */
export function sqliteLibraryVersion(): string {
  const db = new Database(':memory:', { nativeBinding: nativeBindingPath() });
  try {
    return String(db.prepare('SELECT sqlite_version()').pluck().get());
  } finally {
    db.close();
  }
}
