import type { VolumeHolder, VolumeMount, VolumeRecord, VolumeStatus } from '../core/model.ts';

/** A `volumes` row as SQLite returns it. */
export interface VolumeRow {
  name: string;
  driver: string;
  mountpoint: string;
  created_at: number;
  created_ns: number;
  status: VolumeStatus;
  labels: string;
  options: string;
  uid: number | null;
  gid: number | null;
  size: number | null;
  inodes: number | null;
  no_quota: number;
  plugin_timeout: number | null;
  mount_count: number;
  quota_backend: string | null;
  quota_id: string | null;
  plugin_mountpoint: string | null;
  removing_by: string | null;
}

/** The columns of a `volumes` row, in the order `rowFromValues` reads them. */
export const VOLUME_COLUMNS = 'name, driver, mountpoint, created_at, created_ns, status, labels, options, uid, gid, size, inodes, no_quota, plugin_timeout, mount_count, quota_backend, quota_id, plugin_mountpoint, removing_by';

/**
 * A row read in SQLite's raw mode (an array in `VOLUME_COLUMNS` order): for listings, since
 * better-sqlite3 builds a row object far more slowly than a literal here does.
 */
export function rowFromValues(a: readonly unknown[]): VolumeRow {
  return {
    name: a[0] as string,
    driver: a[1] as string,
    mountpoint: a[2] as string,
    created_at: a[3] as number,
    created_ns: a[4] as number,
    status: a[5] as VolumeStatus,
    labels: a[6] as string,
    options: a[7] as string,
    uid: a[8] as number | null,
    gid: a[9] as number | null,
    size: a[10] as number | null,
    inodes: a[11] as number | null,
    no_quota: a[12] as number,
    plugin_timeout: a[13] as number | null,
    mount_count: a[14] as number,
    quota_backend: a[15] as string | null,
    quota_id: a[16] as string | null,
    plugin_mountpoint: a[17] as string | null,
    removing_by: a[18] as string | null,
  };
}

/** Maps a row to the record the core works with. */
export function rowToRecord(row: VolumeRow): VolumeRecord {
  const rec: VolumeRecord = {
    name: row.name,
    driver: row.driver,
    // A plugin volume's mountpoint is the path its plugin returned while mounted.
    mountpoint: row.driver === 'local' ? row.mountpoint : (row.plugin_mountpoint ?? ''),
    createdAt: row.created_at,
    labels: JSON.parse(row.labels) as Record<string, string>,
    options: JSON.parse(row.options) as Record<string, string>,
    noQuota: row.no_quota === 1,
    status: row.status,
    mountCount: row.mount_count,
  };
  if (row.created_ns) rec.createdAtNs = row.created_ns;
  if (row.uid !== null) rec.uid = row.uid;
  if (row.gid !== null) rec.gid = row.gid;
  if (row.size !== null) rec.size = row.size;
  if (row.inodes !== null) rec.inodes = row.inodes;
  if (row.plugin_timeout !== null) rec.pluginTimeout = row.plugin_timeout;
  if (row.driver === 'local') {
    const mount = mountOf(rec.options);
    if (mount) rec.mount = mount;
  }
  if (row.removing_by) rec.removingBy = row.removing_by;
  if (row.quota_backend !== null) rec.quota = row.quota_id === null ? { backend: row.quota_backend } : { backend: row.quota_backend, id: row.quota_id };
  return rec;
}

/**
 * The mount settings create parsed, as the row keeps them: in the options, under the keys
 * create stores them with (`type`, `device`, and `o` with only what mount(8) gets).
 */
function mountOf(options: Record<string, string>): VolumeMount | undefined {
  const { type, device, o } = options;
  if (type === undefined && device === undefined && o === undefined) return undefined;
  const mount: VolumeMount = { options: o === undefined ? [] : o.split(',') };
  if (type !== undefined) mount.type = type;
  if (device !== undefined) mount.device = device;
  return mount;
}

/** A `volume_holders` row. */
export interface HolderRow {
  volume: string;
  holder: string;
  pid: number | null;
  pid_start: string | null;
  counted: number;
  created_at: number;
}

/** Maps a holder row to the core's holder. */
export function rowToHolder(row: HolderRow): VolumeHolder {
  const h: VolumeHolder = { id: row.holder, counted: row.counted === 1, createdAt: row.created_at };
  if (row.pid !== null) h.pid = row.pid;
  if (row.pid_start !== null) h.pidStart = row.pid_start;
  return h;
}
