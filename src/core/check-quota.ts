import { realpathSync } from 'node:fs';
import { mountPointOf } from '../local/mount-table.ts';
import { execTool } from '../quota/exec.ts';
import { filesystemName } from '../quota/filesystem.ts';
import type { CheckFinding } from './check-model.ts';
import type { VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** The mount point of the file system holding the volume path, and its type. */
function volumeFs(rt: Runtime): { fs: string; mountPoint: string } {
  return { fs: filesystemName(rt.config.volumesDir), mountPoint: mountPointOf(realpathSync(rt.config.volumesDir)) };
}

/**
 * Quota left behind by no volume: btrfs qgroups of subvolumes that no longer exist, XFS project
 * ids (from vol's base up) that still carry a limit. A backend whose tool fails (quota off) has none.
 */
export async function scanQuota(rt: Runtime, rows: readonly VolumeRecord[]): Promise<CheckFinding[]> {
  const { fs, mountPoint } = volumeFs(rt);
  const used = new Set(rows.filter((r) => r.quota?.id !== undefined).map((r) => `${r.quota!.backend}:${r.quota!.id}`));
  try {
    if (fs === 'btrfs') return (await btrfsLeftovers(mountPoint)).filter((id) => !used.has(`btrfs:${id}`)).map((id) => finding(mountPoint, 'btrfs', id));
    if (fs === 'xfs') return (await xfsLimited(mountPoint, rt.config.xfsProjectBase)).filter((id) => !used.has(`xfs:${id}`)).map((id) => finding(mountPoint, 'xfs', id));
  } catch (err) {
    rt.log.debug(`no ${fs} quota to check`, { error: (err as Error).message });
  }
  return [];
}

function finding(mountPoint: string, backend: 'btrfs' | 'xfs', id: string): CheckFinding {
  return backend === 'btrfs'
    ? { kind: 'quota-leftover', path: mountPoint, quotaId: `btrfs:${id}`, detail: `btrfs qgroup ${id} belongs to no subvolume and no volume`, repair: 'destroy the qgroup' }
    : { kind: 'quota-leftover', path: mountPoint, quotaId: `xfs:${id}`, detail: `XFS project ${id} has a limit but no volume uses it`, repair: 'drop the limit of the project id' };
}

/** Level-0 qgroups whose subvolume is gone (the top level, 5, always exists). */
async function btrfsLeftovers(mountPoint: string): Promise<string[]> {
  const qgroups = (await execTool('btrfs', ['qgroup', 'show', '--raw', mountPoint]))
    .split('\n')
    .map((l) => /^\s*0\/(\d+)\s/.exec(l)?.[1])
    .filter((id): id is string => id !== undefined);
  const subvolumes = new Set(
    (await execTool('btrfs', ['subvolume', 'list', mountPoint])).split('\n').map((l) => /^ID (\d+) /.exec(l)?.[1]).filter((id) => id !== undefined),
  );
  return qgroups.filter((id) => id !== '5' && !subvolumes.has(id)).map((id) => `0/${id}`);
}

/** Project ids from `base` up with any limit set, from one `report` of the file system. */
async function xfsLimited(mountPoint: string, base: number): Promise<string[]> {
  const text = await execTool('xfs_quota', ['-x', '-c', 'report -p -b -i -n -N', mountPoint]);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    // `#id bused bsoft bhard bwarn [grace] iused isoft ihard iwarn [grace]`; grace columns may hold spaces.
    const f = line.replace(/\[[^\]]*\]/g, ' ').trim().split(/\s+/);
    const id = /^#(\d+)$/.exec(f[0] ?? '')?.[1];
    if (id === undefined || Number(id) < base || f.length < 9) continue;
    if ([f[2], f[3], f[6], f[7]].some((n) => n !== undefined && /^\d+$/.test(n) && n !== '0')) out.push(id);
  }
  return out;
}

/** Undoes a quota leftover: destroys the btrfs qgroup, or resets the XFS project's limits. */
export async function releaseQuotaLeftover(rt: Runtime, quotaId: string): Promise<void> {
  const { mountPoint } = volumeFs(rt);
  const [backend, id] = [quotaId.slice(0, quotaId.indexOf(':')), quotaId.slice(quotaId.indexOf(':') + 1)];
  if (backend === 'btrfs') await execTool('btrfs', ['qgroup', 'destroy', id, mountPoint]);
  else await execTool('xfs_quota', ['-x', '-c', `limit -p bhard=0 bsoft=0 ihard=0 isoft=0 ${id}`, mountPoint]);
}
