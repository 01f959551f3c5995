import { lstatSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chownVolumeDirs, makeDataDir, makeVolumeDir, volumeLayout } from '../local/volume-fs.ts';
import { isMountVolume, kernelLayers, mountSpec, mountVolumeFs } from '../local/mount-command.ts';
import { mountPointsUnder } from '../local/mount-table.ts';
import type { CheckFinding } from './check-model.ts';
import { releaseQuotaLeftover } from './check-quota.ts';
import { derivedDataPath, lostFoundDir } from './check-scan.ts';
import { VolError, errnoCode } from './errors.ts';
import { nowNs, volumeEvent } from './new-event.ts';
import type { VolumeEvent, VolumeRecord } from './model.ts';
import { dropStaleHolders, isLive } from './holders.ts';
import { MAX_NAME_LENGTH } from './names.ts';
import { backendByName } from './quota.ts';
import { settleTransient } from './recover.ts';
import type { Runtime } from './runtime.ts';

const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Repairs one finding, re-checking it under the volume's lock first (a finding that went away
 * meanwhile is left alone). Throws when it cannot; each repair records a `repair` event.
 */
export async function repairFinding(rt: Runtime, f: CheckFinding): Promise<void> {
  switch (f.kind) {
    case 'db-integrity':
    case 'mount-stacked':
      throw new VolError('STATE_CONFLICT', `left alone: ${f.repair.replace(/^none:\s*/, '')}`);
    case 'db-dangling-rows':
      return rt.store.deleteDanglingChildren(f.volume!, repairEvent(f));
    case 'lock-orphan':
    case 'lock-dead-owner':
      if (!rt.locker.breakAbandoned(basename(f.path!))) throw new VolError('STATE_CONFLICT', `the lock of ${f.volume} is held by a live process now`);
      return rt.store.appendEvent(repairEvent(f));
    case 'orphan-dir':
      return moveOrphan(rt, f);
    case 'quota-leftover':
      await releaseQuotaLeftover(rt, f.quotaId!);
      return rt.store.appendEvent(repairEvent(f, { quotaId: f.quotaId }));
    default:
      return rt.locker.withLock(f.volume!, () => repairVolume(rt, f));
  }
}

/** Repairs of one volume's row; the caller holds its lock. */
async function repairVolume(rt: Runtime, f: CheckFinding): Promise<void> {
  const stored = rt.store.get(f.volume!);
  if (!stored) return;
  // Work on the derived path whatever the row says: a stored path is a record, never an instruction.
  const rec: VolumeRecord = rt.drivers.of(stored.driver).keepsDataHere ? { ...stored, mountpoint: derivedDataPath(rt, stored.name) } : stored;
  const event = repairEvent(f, {}, rec);
  switch (f.kind) {
    case 'path-mismatch':
      if (stored.mountpoint !== rec.mountpoint) rt.store.setMountpoint(rec.name, rec.mountpoint, event);
      return;
    case 'row-creating':
    case 'row-removing':
      if (rec.status === 'ready') return;
      await settleTransient(rt, rec);
      return rt.store.appendEvent(event);
    case 'data-missing':
      if (rec.status === 'ready') await remakeData(rt, rec);
      return rt.store.appendEvent(event);
    case 'holder-stale':
      await dropStaleHolders(rt, rec);
      return rt.store.appendEvent(event);
    case 'mount-count':
      return reconcileCount(rt, rec, event);
    default:
      throw new Error(`no repair for ${f.kind}`);
  }
}

async function reconcileCount(rt: Runtime, rec: VolumeRecord, event: VolumeEvent): Promise<void> {
  // Only local volumes have mount-count findings: for them the kernel's mount table is the truth.
  if (!isMountVolume(rec)) {
    if (rec.mountCount !== 0) rt.store.setMountCount(rec.name, 0, undefined, event);
    return;
  }
  const layers = kernelLayers(rec);
  if (layers === 1 && rec.mountCount === 0) return rt.store.setMountCount(rec.name, 1, undefined, event);
  if (layers !== 0 || rec.mountCount === 0) return;
  const wanting = rt.store.holdersOf(rec.name).filter((h) => h.counted && isLive(h)).length;
  if (wanting === 0) return rt.store.setMountCount(rec.name, 0, undefined, event);
  await mountVolumeFs(mountSpec(rec), rec.name);
  rt.store.appendEvent(event);
}

/** Makes the missing `_data` (and volume directory) of a ready volume again, empty, with its owner and limit. */
async function remakeData(rt: Runtime, rec: VolumeRecord): Promise<void> {
  // Paths from the layout: a row whose stored mountpoint disagrees is refused here.
  const layout = volumeLayout(rt.config.volumesDir, rec);
  try {
    lstatSync(layout.dataDir);
    return;
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  try {
    lstatSync(layout.volDir);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    makeVolumeDir(layout);
  }
  const backend = rec.quota && rec.quota.backend !== 'tmpfs' ? backendByName(rt, rec.quota.backend) : undefined;
  if (backend) {
    const handle = await backend.makeLimitedDir(layout.dataDir, { size: rec.size, inodes: rec.inodes }, rec.quota?.id);
    rt.store.setQuotaId(rec.name, handle.id);
  } else makeDataDir(layout);
  chownVolumeDirs(layout, rec.uid, rec.gid);
}

/** Moves an orphan directory (the top level only, never looking inside) to lost+found, beside a note saying where it came from. */
async function moveOrphan(rt: Runtime, f: CheckFinding): Promise<void> {
  const name = f.volume!;
  const move = () => {
    // Re-checked under the name's lock: a create may have claimed the name since the scan.
    if (rt.store.get(name)) return;
    const from = f.path!;
    try {
      lstatSync(from);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') return;
      throw err;
    }
    const mounted = mountPointsUnder(from);
    if (mounted.length > 0) throw new VolError('STATE_CONFLICT', `a file system is mounted at ${mounted[0]}: unmount it, then run vol check --repair again`);
    const lostFound = lostFoundDir(rt);
    mkdirSync(lostFound, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.(\d+)Z$/, '.$1Z');
    let to = join(lostFound, `${name}-${stamp}`);
    for (let n = 1; exists(to); n++) to = join(lostFound, `${name}-${stamp}-${n}`);
    renameSync(from, to);
    writeFileSync(`${to}.note`, `Moved here from ${from} by vol check --repair at ${new Date().toISOString()}: no volume recorded it.\nvol deletes nothing it did not make: look inside, then keep it or remove it by hand.\n`, { mode: 0o600 });
    rt.store.appendEvent(repairEvent(f, { movedTo: to }));
  };
  // Names no volume can have need no lock: no create can race for them.
  if (VOLUME_NAME.test(name) && name.length <= MAX_NAME_LENGTH) await rt.locker.withLock(name, move);
  else move();
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function repairEvent(f: CheckFinding, extra: Record<string, unknown> = {}, rec?: VolumeRecord): VolumeEvent {
  const attributes = { finding: f.kind, repair: f.repair, ...(f.path ? { path: f.path } : {}), ...extra };
  if (rec) return volumeEvent(rec, 'repair', attributes);
  return { timeNs: nowNs(), type: 'repair', volume: f.volume ?? '', driver: 'local', uid: process.getuid?.() ?? -1, pid: process.pid, attributes };
}
