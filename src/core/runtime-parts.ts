import { realpathSync } from 'node:fs';
import type { VolConfig } from '../config/config.ts';
import { mountPointOf } from '../local/mount-table.ts';
import { PluginClient, type ActivationCache } from '../plugin/client.ts';
import type { QuotaBackend } from '../quota/backend.ts';
import { BtrfsQuota } from '../quota/btrfs.ts';
import { execTool } from '../quota/exec.ts';
import { TmpfsQuota } from '../quota/tmpfs.ts';
import { XfsQuota } from '../quota/xfs.ts';
import { VolError } from './errors.ts';
import { localDriver } from './local-driver.ts';
import type { Logger } from './model.ts';
import { pluginDriver } from './plugin-driver.ts';
import type { PluginClients, QuotaBackends, VolumeDrivers } from './runtime.ts';

/** Builds the real quota backends over the file system of `volumesDir`, each once. */
export function quotaBackends(volumesDir: string, log: Logger): QuotaBackends {
  const built = new Map<string, QuotaBackend>();
  const make = (name: string): QuotaBackend | undefined => {
    if (name === 'tmpfs') return new TmpfsQuota();
    if (name !== 'btrfs' && name !== 'xfs') return undefined;
    // Resolved on first use: a read-only command may run before the volumes directory exists.
    const ctx = { mountPoint: mountPointOf(realpathSync(volumesDir)), exec: execTool, log };
    return name === 'btrfs' ? new BtrfsQuota(ctx) : new XfsQuota(ctx);
  };
  return {
    byName: (name) => {
      let b = built.get(name);
      if (!b) {
        b = make(name);
        if (b) built.set(name, b);
      }
      return b;
    },
  };
}

/** Builds the clients of the plugins `config` declares, each once, activating each plugin at most once. */
export function pluginClients(config: Pick<VolConfig, 'plugins' | 'pluginTimeout'>): PluginClients {
  const activations: ActivationCache = new Map();
  const clients = new Map<string, PluginClient>();
  return {
    client: (driver) => {
      const socket = config.plugins[driver];
      if (socket === undefined) {
        throw new VolError('NO_SUCH_PLUGIN', `no volume plugin with name ${driver} available: required plugin missing`, {
          hint: 'declare it with --volume-plugin NAME=SOCKET or [engine.volume_plugins] in the config file',
        });
      }
      let client = clients.get(driver);
      if (!client) clients.set(driver, (client = new PluginClient(driver, socket, config.pluginTimeout, activations)));
      return client;
    },
  };
}

/** The two drivers: `local` (or empty, as Podman allows) is vol's own, any other name a plugin's. */
export function volumeDrivers(): VolumeDrivers {
  return { of: (name) => (name === 'local' || name === '' ? localDriver : pluginDriver) };
}
