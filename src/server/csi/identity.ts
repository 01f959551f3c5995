import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DRIVER_NAME } from './convert.ts';
import { protoPath } from './proto.ts';

/** vol's version, from the package.json next to the shipped proto's directory. */
export function vendorVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(dirname(protoPath()), '..', 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** The Identity service. */
export function identityHandlers() {
  const version = vendorVersion();
  return {
    async GetPluginInfo() {
      return { name: DRIVER_NAME, vendor_version: version, manifest: {} };
    },
    async GetPluginCapabilities() {
      return {
        capabilities: [
          { service: { type: 'CONTROLLER_SERVICE' } },
          { service: { type: 'VOLUME_ACCESSIBILITY_CONSTRAINTS' } },
          { volume_expansion: { type: 'ONLINE' } },
        ],
      };
    },
    async Probe() {
      return { ready: { value: true } };
    },
  };
}
