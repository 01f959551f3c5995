import { isVolError } from '../../core/errors.ts';
import type { VolumeInspect } from '../../core/model.ts';
import type { CsiContext } from './context.ts';
import { MANAGED_LABEL, TOPOLOGY_KEY, optionsFromParameters, page, sizeFits, sizeFromRange, toCsiVolume, unsupportedCapability } from './convert.ts';
import { CODE, CsiError, invalid, unsupportedAs } from './errors.ts';
import type { CapacityRange, CreateVolumeRequest, Topology, VolumeCapability } from './messages.ts';
import { snapshotHandlers } from './controller-snapshots.ts';

const CAPABILITIES = ['CREATE_DELETE_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME', 'EXPAND_VOLUME'];

/** The Controller service: volumes, capacity and snapshots, each call one or two engine calls. */
export function controllerHandlers(ctx: CsiContext) {
  const { engine, nodeId, inFlight } = ctx;
  return {
    ...snapshotHandlers(ctx),

    async ControllerGetCapabilities() {
      return { capabilities: CAPABILITIES.map((type) => ({ rpc: { type } })) };
    },

    CreateVolume: (req: CreateVolumeRequest) => createVolume(ctx, req),

    async DeleteVolume(req: { volume_id: string }) {
      if (!req.volume_id) throw invalid('volume_id is required');
      return inFlight.run([`volume:${req.volume_id}`], async () => {
        // Exact names only: rm alone would take a unique prefix.
        if (!engine.get(req.volume_id)) return {};
        await engine.releaseLostPublishes(req.volume_id);
        const [report] = await engine.rm({ names: [req.volume_id], all: false, force: false });
        if (report?.error && !isVolError(report.error, 'NO_SUCH_VOLUME')) throw report.error;
        return {};
      });
    },

    async ValidateVolumeCapabilities(req: { volume_id: string; volume_capabilities: VolumeCapability[]; volume_context: Record<string, string>; parameters: Record<string, string> }) {
      if (!req.volume_id) throw invalid('volume_id is required');
      const why = unsupportedCapability(req.volume_capabilities);
      if (!engine.get(req.volume_id)) throw new CsiError(CODE.NOT_FOUND, `no such volume ${req.volume_id}`);
      if (why) return { message: why };
      return { confirmed: { volume_context: req.volume_context, volume_capabilities: req.volume_capabilities, parameters: req.parameters } };
    },

    async ListVolumes(req: { max_entries: number; starting_token: string }) {
      const { volumes } = await engine.ls([`label=${MANAGED_LABEL}=true`], true);
      const { items, next } = page(volumes, req.max_entries, req.starting_token);
      return { entries: items.map((v) => ({ volume: inspectToCsi(v, nodeId) })), next_token: next };
    },

    async GetCapacity(req: { volume_capabilities: VolumeCapability[]; parameters: Record<string, string>; accessible_topology?: Topology | null }) {
      if (req.accessible_topology && !onThisNode(req.accessible_topology, nodeId)) return { available_capacity: 0 };
      if (req.volume_capabilities.length > 0 && unsupportedCapability(req.volume_capabilities)) return { available_capacity: 0 };
      const available = await engine.capacity({ type: typeOption(req.parameters), overcommit: engine.config.csiOvercommit ?? false });
      return { available_capacity: available, maximum_volume_size: { value: available } };
    },

    async ControllerExpandVolume(req: { volume_id: string; capacity_range?: CapacityRange | null }) {
      if (!req.volume_id) throw invalid('volume_id is required');
      const size = sizeFromRange(req.capacity_range);
      if (size === undefined) throw invalid('capacity_range is required');
      return inFlight.run([`volume:${req.volume_id}`], async () => {
        const rec = engine.get(req.volume_id);
        if (!rec) throw new CsiError(CODE.NOT_FOUND, `no such volume ${req.volume_id}`);
        if (rec.size !== undefined && req.capacity_range!.limit_bytes > 0 && rec.size > req.capacity_range!.limit_bytes) {
          throw new CsiError(CODE.OUT_OF_RANGE, `volume ${req.volume_id} already has a limit of ${rec.size} bytes: vol never shrinks a limit`);
        }
        const expanded = await engine.expand(req.volume_id, size).catch(unsupportedAs(CODE.UNIMPLEMENTED));
        return { capacity_bytes: expanded.size ?? 0, node_expansion_required: false };
      });
    },
  };
}

/** CreateVolume: checks the request, then one engine create (or the volume made before under that name). */
async function createVolume(ctx: CsiContext, req: CreateVolumeRequest) {
  const { engine, nodeId, inFlight } = ctx;
  if (!req.name) throw invalid('name is required');
  const why = unsupportedCapability(req.volume_capabilities);
  if (why) throw invalid(why);
  const requisite = req.accessibility_requirements?.requisite ?? [];
  if (requisite.length > 0 && !requisite.some((t) => onThisNode(t, nodeId))) {
    throw new CsiError(CODE.RESOURCE_EXHAUSTED, `volumes can only be made on node ${nodeId}, which the requisite topology does not include`);
  }
  const size = sizeFromRange(req.capacity_range);
  const { options, labels } = optionsFromParameters(req.parameters);
  const snapshotId = req.volume_content_source?.snapshot?.snapshot_id || undefined;
  const cloneOf = req.volume_content_source?.volume?.volume_id || undefined;
  if (req.volume_content_source && snapshotId === undefined && cloneOf === undefined) throw invalid('volume_content_source names no snapshot or volume');
  return inFlight.run([`volume:${req.name}`], async () => {
    const existing = engine.get(req.name);
    if (existing) {
      if (!sizeFits(existing.size, req.capacity_range)) {
        throw new CsiError(CODE.ALREADY_EXISTS, `volume ${req.name} already exists with ${existing.size === undefined ? 'no size limit' : `a limit of ${existing.size} bytes`}, which the capacity_range asked for does not fit`);
      }
      return { volume: toCsiVolume(existing, nodeId, req.volume_content_source) };
    }
    if (snapshotId !== undefined) {
      const snap = engine.getSnapshot(snapshotId);
      if (size !== undefined && size < snap.size) throw new CsiError(CODE.OUT_OF_RANGE, `snapshot ${snapshotId} holds ${snap.size} bytes, more than the ${size} asked for`);
    }
    if (cloneOf !== undefined) {
      if (!engine.get(cloneOf)) throw new CsiError(CODE.NOT_FOUND, `no such volume ${cloneOf} to clone`);
      const used = (await engine.stats(cloneOf)).bytes.used;
      if (size !== undefined && size < used) throw new CsiError(CODE.OUT_OF_RANGE, `volume ${cloneOf} holds ${used} bytes, more than the ${size} asked for`);
    }
    if (size !== undefined) await checkRoom(ctx, size, typeOption(options));
    const report = await engine.create({
      name: req.name,
      options: size === undefined ? options : { ...options, size: String(size) },
      labels: { ...labels, [MANAGED_LABEL]: 'true' },
      accounted: true,
      fromSnapshot: snapshotId,
      fromVolume: cloneOf,
    });
    return { volume: toCsiVolume(report.volume, nodeId, req.volume_content_source) };
  });
}

/**
 * RESOURCE_EXHAUSTED when a new volume of `bytes` would promise more than there is, unless overcommit
 * is on. Expansion is not checked: orchestrators do not weigh it against GetCapacity either.
 */
async function checkRoom(ctx: CsiContext, bytes: number, type: string | undefined): Promise<void> {
  if (ctx.engine.config.csiOvercommit) return;
  const available = await ctx.engine.capacity({ type, overcommit: false });
  if (bytes > available) throw new CsiError(CODE.RESOURCE_EXHAUSTED, `${bytes} bytes asked for, ${available} left to promise (set [csi] overcommit = true to allow more)`);
}

function onThisNode(t: Topology, nodeId: string): boolean {
  // This node has one segment: a topology naming anything else is somewhere vol cannot place a volume.
  return Object.entries(t.segments ?? {}).every(([k, v]) => k === TOPOLOGY_KEY && v === nodeId);
}

function typeOption(options: Record<string, string>): string | undefined {
  const key = Object.keys(options).find((k) => k.toLowerCase() === 'type');
  return key === undefined ? undefined : options[key];
}

function inspectToCsi(v: VolumeInspect, nodeId: string) {
  return toCsiVolume({ name: v.Name, size: v.Quota?.Size }, nodeId);
}
