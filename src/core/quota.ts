import type { QuotaBackend, QuotaLimits, QuotaUsage } from '../quota/backend.ts';
import { filesystemName } from '../quota/filesystem.ts';
import { VolError } from './errors.ts';
import { toInspect, type VolumeInspect, type VolumeQuotaInfo, type VolumeRecord } from './model.ts';
import type { Runtime } from './runtime.ts';

/** The backends vol knows, as named in errors and `vol info`. */
export const KNOWN_BACKENDS = 'btrfs (qgroups), xfs (project quota), tmpfs (type=tmpfs volumes)';

/** True when the volume asks for a limit that a backend must enforce. */
export function wantsQuota(limits: QuotaLimits): boolean {
  return limits.size !== undefined || limits.inodes !== undefined;
}

/** The file system of the volume path, and the backend that enforces limits there (`type=tmpfs` volumes: tmpfs). */
export function quotaTarget(rt: Runtime, type: string | undefined): { filesystem: string; backend?: QuotaBackend } {
  const filesystem = filesystemName(rt.config.volumesDir);
  if (type?.toLowerCase() === 'tmpfs') return { filesystem, backend: rt.quota.byName('tmpfs') };
  // A volume path that is itself on tmpfs limits nothing: only a tmpfs mounted per volume does.
  return { filesystem, backend: filesystem === 'btrfs' || filesystem === 'xfs' ? backendByName(rt, filesystem) : undefined };
}

/** The backend a volume was created with, by its recorded name. */
export function backendByName(rt: Runtime, name: string): QuotaBackend | undefined {
  return rt.quota.byName(name);
}

/** Picks and checks the backend for new limits; throws QUOTA_UNSUPPORTED naming the file system. */
export async function backendForLimits(rt: Runtime, limits: QuotaLimits, type: string | undefined, volume: string): Promise<QuotaBackend> {
  const { filesystem, backend } = quotaTarget(rt, type);
  if (!backend) {
    const what = limits.size !== undefined ? 'size' : 'inodes';
    throw new VolError('QUOTA_UNSUPPORTED', `volume ${volume}: ${what} limits are not supported on ${filesystem} (${rt.config.volumesDir}); vol enforces limits with ${KNOWN_BACKENDS}`, {
      hint: 'put the volume path on btrfs or XFS (e.g. [engine] volume_path in --config), or use type=tmpfs',
    });
  }
  await backend.check(limits, volume);
  return backend;
}

/** Inspect objects for `volumes`, with `Quota` (limits and bytes used) read in one call per backend. */
export async function inspectWithQuota(rt: Runtime, volumes: readonly VolumeRecord[]): Promise<VolumeInspect[]> {
  const usage = await readUsage(rt, volumes);
  return volumes.map((v) => {
    if (!v.quota) return toInspect(v);
    const info: VolumeQuotaInfo = { Backend: v.quota.backend };
    if (v.size !== undefined) info.Size = v.size;
    if (v.inodes !== undefined) info.Inodes = v.inodes;
    const used = v.quota.id === undefined ? undefined : usage.get(`${v.quota.backend}:${v.quota.id}`)?.usedBytes;
    if (used !== undefined) info.UsedBytes = used;
    return toInspect(v, info);
  });
}

async function readUsage(rt: Runtime, volumes: readonly VolumeRecord[]): Promise<Map<string, QuotaUsage>> {
  const byBackend = new Map<string, { id: string }[]>();
  for (const v of volumes) {
    if (v.quota?.id === undefined) continue;
    const handles = byBackend.get(v.quota.backend) ?? [];
    handles.push({ id: v.quota.id });
    byBackend.set(v.quota.backend, handles);
  }
  const out = new Map<string, QuotaUsage>();
  for (const [name, handles] of byBackend) {
    try {
      const usage = (await backendByName(rt, name)?.usage(handles)) ?? new Map<string, QuotaUsage>();
      for (const [id, u] of usage) out.set(`${name}:${id}`, u);
    } catch (err) {
      // Usage is informative: a failing tool leaves UsedBytes out rather than failing inspect.
      rt.log.warn(`reading ${name} quota usage failed`, { error: (err as Error).message });
    }
  }
  return out;
}
