import { PluginClient } from '../plugin/client.ts';
import { VolError } from './errors.ts';
import type { Runtime } from './runtime.ts';

const clients = new WeakMap<Runtime, Map<string, PluginClient>>();

/** True when `driver` is vol's own local driver (`local`, or empty as Podman allows). */
export function isLocalDriver(driver: string): boolean {
  return driver === 'local' || driver === '';
}

/** The client of a configured plugin, one per plugin and runtime; throws NO_SUCH_PLUGIN otherwise. */
export function pluginClient(rt: Runtime, driver: string): PluginClient {
  const socket = rt.config.plugins[driver];
  if (socket === undefined) {
    throw new VolError('NO_SUCH_PLUGIN', `no volume plugin with name ${driver} available: required plugin missing`, {
      hint: 'declare it with --volume-plugin NAME=SOCKET or [engine.volume_plugins] in the config file',
    });
  }
  let byName = clients.get(rt);
  if (!byName) clients.set(rt, (byName = new Map()));
  let client = byName.get(driver);
  if (!client) byName.set(driver, (client = new PluginClient(driver, socket, rt.config.pluginTimeout)));
  return client;
}
