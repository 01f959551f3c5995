import type Database from 'better-sqlite3';

/** The part of a database that prepares statements. */
export type Preparer = Pick<Database.Database, 'prepare'>;

/**
 * A stand-in for `db` whose statements are compiled on their first use: a store prepares every
 * statement it might run when it opens, and a command runs two or three of them.
 */
export function preparingOnUse(db: Database.Database): Preparer {
  return {
    prepare(sql: string) {
      let stmt: Database.Statement | undefined;
      return new Proxy({} as Database.Statement, {
        get(_, key) {
          stmt ??= db.prepare(sql);
          const value = Reflect.get(stmt, key, stmt) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(stmt) : value;
        },
      });
    },
  } as Preparer;
}
