/** One schema step; applied in order, each at most once, tracked by `PRAGMA user_version`. */
export interface Migration {
  name: string;
  sql: string;
}

/** The ordered schema history of `vol.db`; append only, never edit a released step. */
export const MIGRATIONS: readonly Migration[] = [
  {
    name: 'volumes-and-labels',
    sql: `
      CREATE TABLE volumes (
        name TEXT PRIMARY KEY NOT NULL,
        driver TEXT NOT NULL,
        mountpoint TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'removing')),
        pinned INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '{}',
        options TEXT NOT NULL DEFAULT '{}',
        uid INTEGER,
        gid INTEGER,
        size INTEGER,
        inodes INTEGER,
        no_quota INTEGER NOT NULL DEFAULT 0,
        plugin_timeout INTEGER,
        mount_count INTEGER NOT NULL DEFAULT 0,
        plugin_mountpoint TEXT,
        quota_id TEXT
      );
      CREATE INDEX volumes_status ON volumes (status);
      CREATE INDEX volumes_driver ON volumes (driver);
      CREATE INDEX volumes_created_at ON volumes (created_at);
      CREATE TABLE volume_labels (
        volume TEXT NOT NULL REFERENCES volumes (name) ON DELETE CASCADE,
        key TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (volume, key)
      ) WITHOUT ROWID;
      CREATE INDEX volume_labels_key_value ON volume_labels (key, value);
    `,
  },
  {
    name: 'quota-backend',
    sql: `
      ALTER TABLE volumes ADD COLUMN quota_backend TEXT;
      -- XFS project ids are handed out from a range and must never be shared.
      CREATE UNIQUE INDEX volumes_xfs_project ON volumes (quota_id) WHERE quota_backend = 'xfs';
    `,
  },
  {
    name: 'volume-holders',
    sql: `
      CREATE TABLE volume_holders (
        volume TEXT NOT NULL REFERENCES volumes (name) ON DELETE CASCADE,
        holder TEXT NOT NULL,
        pid INTEGER,
        pid_start TEXT,
        counted INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (volume, holder)
      ) WITHOUT ROWID;
    `,
  },
  {
    name: 'events',
    sql: `
      CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time_ns INTEGER NOT NULL,
        type TEXT NOT NULL,
        volume TEXT NOT NULL,
        driver TEXT NOT NULL,
        uid INTEGER NOT NULL,
        pid INTEGER NOT NULL,
        attributes TEXT NOT NULL DEFAULT '{}'
      );
      CREATE INDEX events_time ON events (time_ns);
    `,
  },
  {
    // Listing walks the primary key in name order; these indexes only cost every write
    // (rm -a paid for them three times per volume) and made ls sort in a temporary B-tree.
    name: 'drop-unused-volume-indexes',
    sql: `
      DROP INDEX volumes_status;
      DROP INDEX volumes_driver;
      DROP INDEX volumes_created_at;
    `,
  },
  {
    // CSI snapshots: read-only btrfs snapshots of a volume's `_data` under `<root>/snapshots/<name>`.
    name: 'snapshots',
    sql: `
      CREATE TABLE snapshots (
        name TEXT PRIMARY KEY NOT NULL,
        source_volume TEXT NOT NULL,
        path TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        size INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL CHECK (status IN ('creating', 'ready', 'removing')),
        quota_id TEXT
      );
      CREATE INDEX snapshots_source ON snapshots (source_volume);
    `,
  },
  {
    // Nanoseconds past created_at's millisecond, so CreatedAt prints with Podman's precision; older rows read 0.
    name: 'created-at-nanoseconds',
    sql: `
      ALTER TABLE volumes ADD COLUMN created_ns INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    // The bulk removal (`PID:START:BOOT`) that marked a row `removing` and deletes it after the
    // volume's lock: while that process lives, the row is its to finish, not one a killed process left.
    name: 'removing-by',
    sql: `
      ALTER TABLE volumes ADD COLUMN removing_by TEXT;
    `,
  },
];
