import type { Engine } from '../../core/engine.ts';
import { VolError } from '../../core/errors.ts';
import type { VolumeInspect } from '../../core/model.ts';
import { requireId, requireName, type PluginRequest } from './decode.ts';

/** What an endpoint answers on success, and how to take it back if the caller was already told it failed. */
export interface RouteResult {
  body: object;
  /** Undoes the effect when the answer went out as a timeout before the work finished. */
  undo?: () => Promise<unknown>;
}

/** One endpoint of the protocol: the request in, the engine called once, the answer out. */
export type Route = (engine: Engine, req: PluginRequest) => Promise<RouteResult>;

/** A volume as the protocol describes it. */
interface ProtocolVolume {
  Name: string;
  Mountpoint?: string;
  CreatedAt?: string;
  Status?: Record<string, unknown>;
}

const ok = (body: object): RouteResult => ({ body });

/** The protocol's endpoints by path. */
export const ROUTES: Readonly<Record<string, Route>> = {
  '/Plugin.Activate': async () => ok({ Implements: ['VolumeDriver'] }),
  '/VolumeDriver.Capabilities': async () => ok({ Capabilities: { Scope: 'local' } }),
  '/VolumeDriver.Create': async (engine, req) => {
    const name = requireName(req);
    // Podman and Docker ask Get first and send Create only for a name the plugin lacks; a Create
    // of a taken name is refused rather than silently keeping options other than those asked for.
    await engine.create({ name, driver: 'local', options: req.Opts ?? {} });
    return { body: { Err: '' }, undo: () => engine.rm({ names: [name], all: false, force: false }) };
  },
  '/VolumeDriver.Remove': async (engine, req) => {
    const name = exactName(engine, req);
    const [report] = await engine.rm({ names: [name], all: false, force: false });
    if (report?.error) throw report.error;
    return ok({ Err: '' });
  },
  '/VolumeDriver.Get': async (engine, req) => ok({ Volume: await describe(engine, exactName(engine, req)), Err: '' }),
  '/VolumeDriver.List': async (engine) => {
    const { volumes } = await engine.ls();
    return ok({ Volumes: volumes.map((v) => ({ Name: v.Name, ...mountpointOf(v), CreatedAt: v.CreatedAt })), Err: '' });
  },
  '/VolumeDriver.Path': async (engine, req) => {
    const v = await describe(engine, exactName(engine, req));
    return ok({ Mountpoint: v.Mountpoint ?? '', Err: '' });
  },
  '/VolumeDriver.Mount': async (engine, req) => {
    const name = exactName(engine, req);
    const id = requireId(req);
    const mountpoint = await engine.mountCounted(name, id);
    if (mountpoint === '') throw new VolError('PLUGIN_FAILED', `volume ${name} has no mountpoint`);
    return { body: { Mountpoint: mountpoint, Err: '' }, undo: () => engine.unmountCounted(name, id) };
  },
  '/VolumeDriver.Unmount': async (engine, req) => {
    const name = exactName(engine, req);
    // An Unmount for a mount vol has no record of (a force removal already took it back) changes
    // nothing: the caller's cleanup must not fail over it.
    await engine.unmountCounted(name, requireId(req));
    return ok({ Err: '' });
  },
};

/** The exact name of a ready volume: the protocol never addresses a volume by prefix. */
function exactName(engine: Engine, req: PluginRequest): string {
  const name = requireName(req);
  if (!engine.exists(name)) throw new VolError('NO_SUCH_VOLUME', `no such volume: ${name}`);
  return name;
}

async function describe(engine: Engine, name: string): Promise<ProtocolVolume> {
  const { reports } = await engine.inspect([name], false);
  const report = reports[0];
  if (!report?.volume) throw report?.error ?? new VolError('NO_SUCH_VOLUME', `no such volume: ${name}`);
  const v = report.volume;
  return { Name: v.Name, ...mountpointOf(v), CreatedAt: v.CreatedAt, Status: statusOf(v) };
}

/** The Mountpoint member: shown while the volume is mounted or held, as a plugin reports it. */
function mountpointOf(v: VolumeInspect): { Mountpoint?: string } {
  const mounted = v.MountCount > 0 || (v.Holders?.length ?? 0) > 0;
  return mounted && v.Mountpoint !== '' ? { Mountpoint: v.Mountpoint } : {};
}

/** The Status map (inspect's `.Status` in Podman): limits, usage, mounts and holders. */
function statusOf(v: VolumeInspect): Record<string, unknown> {
  const status: Record<string, unknown> = { Driver: v.Driver, MountCount: v.MountCount };
  if (v.Quota) {
    status.QuotaBackend = v.Quota.Backend;
    if (v.Quota.Size !== undefined) status.Size = v.Quota.Size;
    if (v.Quota.Inodes !== undefined) status.Inodes = v.Quota.Inodes;
    if (v.Quota.UsedBytes !== undefined) status.UsedBytes = v.Quota.UsedBytes;
  }
  if (v.Holders?.length) status.Holders = v.Holders.map((h) => h.ID);
  return status;
}
