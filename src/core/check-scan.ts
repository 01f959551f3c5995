import { lstatSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { LockState } from '../lock/volume-lock.ts';
import { isMountVolume, kernelLayers } from '../local/mount-command.ts';
import { readMountTable, type MountInfo } from '../local/mount-table.ts';
import { TRASH } from '../local/volume-trash.ts';
import type { CheckFinding } from './check-model.ts';
import { scanQuota } from './check-quota.ts';
import { errnoCode } from './errors.ts';
import { isLive } from './holders.ts';
import { removalUnderWay } from './recover.ts';
import type { VolumeHolder, VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** A name no volume can have ('+' is not allowed in names), so it is never mistaken for one. */
export const LOST_FOUND = 'lost+found';

/** Where orphans go: `<root>/lost+found`, or `<volume path>/lost+found` when the volume path is on another file system (a rename cannot cross file systems). */
export function lostFoundDir(rt: Runtime): string {
  const { root, volumesDir } = rt.config;
  try {
    return statSync(root).dev === statSync(volumesDir).dev ? join(root, LOST_FOUND) : join(volumesDir, LOST_FOUND);
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return join(root, LOST_FOUND);
    throw err;
  }
}

/** The `_data` path of local volume `name`, derived from the configuration (never from the row). */
export function derivedDataPath(rt: Runtime, name: string): string {
  return join(rt.config.volumesDir, name, '_data');
}

/** Rows read at once by the scan. */
const SCAN_PAGE = 1000;

/** One read-only look at everything; volumes whose lock a live process holds are being worked on and skipped. */
export async function scanAll(rt: Runtime, onProgress?: (phase: string, done: number, total: number) => void): Promise<CheckFinding[]> {
  // Directories before rows: create reserves the row before it makes the directory, so a
  // directory seen now whose row is missing afterwards is an orphan (or was removed meanwhile).
  const entries = volumeDirEntries(rt);
  const out: CheckFinding[] = scanDatabase(rt);
  const locks = rt.locker.list();
  const oldBusy = new Set(locks.filter((l) => !l.abandoned).map((l) => l.name));
  const busy = { has: (name: string) => oldBusy.has(name) || rt.locker.isHeld(name) };
  const all = rt.store.listNames();
  const names = new Set(all);
  out.push(...scanLocks(rt, locks, names));
  const table = readMountTable();
  const holders = rt.store.allHolders();
  // Rows are read a page at a time, so that 100,000 of them never sit in memory as records; only those with a quota are kept, for scanQuota.
  const withQuota: VolumeRecord[] = [];
  let scanned = 0;
  for (let after: string | undefined; ; ) {
    const page = rt.store.list({ includeTransient: true, after, limit: SCAN_PAGE });
    for (const rec of page) {
      // A row a running bulk removal is about to delete is being worked on too.
      if (!busy.has(rec.name) && !removalUnderWay(rec)) out.push(...scanVolume(rt, rec, holders.get(rec.name) ?? [], table));
      if (rec.quota?.id !== undefined) withQuota.push(rec);
      onProgress?.('volumes', ++scanned, Math.max(all.length, scanned));
    }
    if (page.length < SCAN_PAGE) break;
    after = page[page.length - 1]!.name;
  }
  const lostFound = lostFoundDir(rt);
  for (const e of entries) {
    // The trash holds volumes already off the books; the next bulk removal deletes what is left there.
    if (e === LOST_FOUND || e === TRASH || names.has(e) || busy.has(e)) continue;
    const path = join(rt.config.volumesDir, e);
    out.push({ kind: 'orphan-dir', volume: e, path, detail: 'no volume records this directory', repair: `move it to ${lostFound}/ with a note (nothing is deleted)` });
  }
  if (entries.length > 0 || scanned > 0) out.push(...(await scanQuota(rt, withQuota)));
  return out;
}

function volumeDirEntries(rt: Runtime): string[] {
  try {
    return readdirSync(rt.config.volumesDir).sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}

function scanDatabase(rt: Runtime): CheckFinding[] {
  const out: CheckFinding[] = rt.store.integrityProblems().slice(0, 20).map((problem) => ({
    kind: 'db-integrity' as const,
    path: join(rt.config.root, 'vol.db'),
    detail: problem,
    repair: 'none: restore vol.db from a backup, or dump what is readable with sqlite3 .recover',
  }));
  for (const { table, volume } of rt.store.danglingChildren()) {
    out.push({ kind: 'db-dangling-rows', volume, detail: `${table} has rows of volume ${volume}, which has no row`, repair: `delete those ${table} rows` });
  }
  return out;
}

function scanLocks(rt: Runtime, locks: readonly LockState[], names: ReadonlySet<string>): CheckFinding[] {
  const out: CheckFinding[] = [];
  for (const l of locks) {
    if (!l.abandoned) continue;
    const why = l.setAside
      ? 'it was set aside by a process breaking it, which was killed before removing it'
      : l.owner
        ? `its owner (pid ${l.owner.pid}) is gone`
        : `it names no owner and is ${Math.round(l.ageMs / 1000)} s old`;
    const path = join(rt.config.root, 'locks', l.entry);
    if (names.has(l.name)) out.push({ kind: 'lock-dead-owner', volume: l.name, path, detail: `the volume's lock is held by no one: ${why}`, repair: 'remove the lock' });
    else out.push({ kind: 'lock-orphan', volume: l.name, path, detail: `lock of a volume that does not exist: ${why}`, repair: 'remove the lock' });
  }
  return out;
}

/** The findings about one volume row, read without its lock. */
function scanVolume(rt: Runtime, rec: VolumeRecord, holders: readonly VolumeHolder[], table: readonly MountInfo[]): CheckFinding[] {
  const out: CheckFinding[] = [];
  const name = rec.name;
  // Only vol's own volumes have a directory, data and mounts of theirs to check.
  const local = rt.drivers.of(rec.driver).keepsDataHere;
  const derived = derivedDataPath(rt, name);
  if (local && rec.mountpoint !== derived) {
    out.push({ kind: 'path-mismatch', volume: name, path: rec.mountpoint, detail: `the stored mountpoint ${rec.mountpoint} is not ${derived}`, repair: `store ${derived} (nothing on disk is touched)` });
  }
  if (rec.status !== 'ready') {
    const what = local ? ` (its directory ${join(rt.config.volumesDir, name)})` : '';
    if (rec.status === 'creating') out.push({ kind: 'row-creating', volume: name, detail: 'left in status creating by a killed process', repair: `undo the create: delete what it made${what} and the row` });
    else out.push({ kind: 'row-removing', volume: name, detail: 'left in status removing by a killed process', repair: `finish the removal: delete${what} and the row` });
    return out;
  }
  if (local) out.push(...scanData(rec, derived));
  for (const h of holders.filter((x) => !isLive(x))) {
    out.push({ kind: 'holder-stale', volume: name, detail: `holder ${h.id} (pid ${h.pid}) is gone`, repair: h.counted ? 'drop the holder and the mount it counted' : 'drop the holder' });
  }
  if (local) out.push(...scanMount(rec, holders, table, derived));
  return out;
}

function scanData(rec: VolumeRecord, derived: string): CheckFinding[] {
  try {
    if (lstatSync(derived).isDirectory()) return [];
    return [{ kind: 'data-missing', volume: rec.name, path: derived, detail: '_data is not a directory', repair: 'none: move it away by hand, then run vol check --repair again' }];
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    const limit = rec.quota && rec.quota.backend !== 'tmpfs' ? ` with its ${rec.quota.backend} limit` : '';
    return [{ kind: 'data-missing', volume: rec.name, path: derived, detail: '_data is missing', repair: `make an empty _data${limit}, owned as the volume says` }];
  }
}

function scanMount(rec: VolumeRecord, holders: readonly VolumeHolder[], table: readonly MountInfo[], derived: string): CheckFinding[] {
  const name = rec.name;
  if (!isMountVolume(rec)) {
    if (rec.mountCount === 0) return [];
    return [{ kind: 'mount-count', volume: name, path: derived, detail: `MountCount is ${rec.mountCount} but the volume is a plain directory`, repair: 'set MountCount to 0' }];
  }
  const layers = kernelLayers({ ...rec, mountpoint: derived }, table);
  if (layers > 1) {
    return [{ kind: 'mount-stacked', volume: name, path: derived, detail: `${layers} file systems are stacked on _data; the top one hides the others`, repair: `none: save what each layer holds, then unmount the extra ones by hand (umount ${derived})` }];
  }
  if (layers === 1 && rec.mountCount === 0) {
    return [{ kind: 'mount-count', volume: name, path: derived, detail: 'mounted, but MountCount is 0 (its mounter was killed before it counted)', repair: 'adopt the mount: set MountCount to 1' }];
  }
  if (layers === 0 && rec.mountCount > 0) {
    const wanting = holders.filter((h) => h.counted && isLive(h)).length;
    const repair = wanting > 0 ? `mount it again for its ${wanting} holder(s)` : 'set MountCount to 0';
    return [{ kind: 'mount-count', volume: name, path: derived, detail: `MountCount is ${rec.mountCount} but nothing is mounted`, repair }];
  }
  return [];
}
