import { SCHEMA_VERSION, sqliteLibraryVersion } from '../state/sqlite-version.ts';

/** What the engine reports about its storage for `vol version`. */
export interface EngineVersion {
  SQLiteVersion: string;
  SchemaVersion: number;
}

/** The SQLite library and database schema versions of this build; needs no root. */
export function engineVersion(): EngineVersion {
  return { SQLiteVersion: sqliteLibraryVersion(), SchemaVersion: SCHEMA_VERSION };
}
