import { join } from 'node:path';
import { isVolError } from './errors.ts';
import { KNOWN_BACKENDS, quotaTarget } from './quota.ts';
import type { Runtime } from './runtime.ts';

/** What `vol info` reports about this host's vol set-up. */
export interface VolInfo {
  Root: string;
  Database: string;
  VolumePath: string;
  Filesystem: string;
  /** The backend that enforces size limits under VolumePath, or `none`. */
  QuotaBackend: string;
  /** `ready`, or why limits cannot be enforced now (with what to do). */
  QuotaStatus: string;
  Plugins: Record<string, string>;
  /** The config file read (`--config`/`VOL_CONFIG`), or "" when none was. */
  ConfigFile: string;
}

/** Gathers `vol info`; asks the quota backend whether it could enforce a size limit now. */
export async function gatherInfo(rt: Runtime): Promise<VolInfo> {
  const { root, volumesDir, plugins } = rt.config;
  const { filesystem, backend } = quotaTarget(rt, undefined);
  let status = backend ? 'ready' : `size limits are not supported here; vol enforces them with ${KNOWN_BACKENDS}`;
  if (backend) {
    try {
      await backend.check({ size: 1 });
    } catch (err) {
      status = isVolError(err) ? err.message + (err.hint ? ` (${err.hint})` : '') : String(err);
    }
  }
  return {
    Root: root,
    Database: join(root, 'vol.db'),
    VolumePath: volumesDir,
    Filesystem: filesystem,
    QuotaBackend: backend?.name ?? 'none',
    QuotaStatus: status,
    Plugins: { ...plugins },
    ConfigFile: rt.config.configFile ?? '',
  };
}
