import type { SnapshotRecord, VolumeRecord } from '../../core/model.ts';
import { CODE, CsiError, invalid } from './errors.ts';
import type { CapacityRange, CsiSnapshot, CsiVolume, Topology, VolumeCapability, VolumeContentSource } from './messages.ts';

/** The plugin name vol reports in GetPluginInfo (and Kubernetes' CSIDriver object names). */
export const DRIVER_NAME = 'vol.csi.vol.dev';
/** The topology key of the node a volume lives on. */
export const TOPOLOGY_KEY = 'topology.vol.csi.vol.dev/node';
/** The label on volumes this driver created, which ListVolumes lists. */
export const MANAGED_LABEL = 'vol.csi.managed';
/** Parameter and context keys the orchestrator adds about itself; kept as labels, never as options. */
const CO_PREFIX = 'csi.storage.k8s.io/';

/** Access modes a volume on one node can serve. */
const MODES = new Set(['SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY']);

/** The size limit a capacity range asks for (undefined: no limit); OUT_OF_RANGE or INVALID_ARGUMENT when it cannot be met. */
export function sizeFromRange(range: CapacityRange | null | undefined): number | undefined {
  if (!range) return undefined;
  const { required_bytes: req, limit_bytes: limit } = range;
  if (req < 0 || limit < 0) throw invalid('capacity_range must not be negative');
  if (limit > 0 && req > limit) throw invalid(`capacity_range required_bytes ${req} is more than limit_bytes ${limit}`);
  const size = req > 0 ? req : limit > 0 ? limit : undefined;
  if (size !== undefined && !Number.isSafeInteger(size)) throw new CsiError(CODE.OUT_OF_RANGE, `capacity ${size} is too large`);
  return size;
}

/** Whether a volume of `size` bytes (undefined: unlimited) satisfies `range`. */
export function sizeFits(size: number | undefined, range: CapacityRange | null | undefined): boolean {
  if (!range) return true;
  if (size === undefined) return range.required_bytes <= 0 && range.limit_bytes <= 0;
  return (range.required_bytes <= 0 || size >= range.required_bytes) && (range.limit_bytes <= 0 || size <= range.limit_bytes);
}

/** Why vol cannot serve `caps`, or undefined when it can; an empty list is INVALID_ARGUMENT. */
export function unsupportedCapability(caps: readonly VolumeCapability[] | undefined): string | undefined {
  if (!caps || caps.length === 0) throw invalid('volume_capabilities must not be empty');
  for (const cap of caps) {
    if (!cap.access_mode) throw invalid('a volume capability needs an access_mode');
    if (cap.block) return 'block access is not supported: vol volumes are directories';
    if (!cap.mount) throw invalid('a volume capability needs an access type (mount)');
    if (!MODES.has(cap.access_mode.mode)) return `access mode ${cap.access_mode.mode} is not supported: a vol volume lives on one node (use SINGLE_NODE_WRITER or SINGLE_NODE_READER_ONLY)`;
  }
  return undefined;
}

/** Splits CreateVolume parameters into vol options and the orchestrator's own keys (kept as labels). */
export function optionsFromParameters(params: Record<string, string>): { options: Record<string, string>; labels: Record<string, string> } {
  const options: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    const key = k.toLowerCase();
    if (k.startsWith(CO_PREFIX)) labels[k] = v;
    else if (key === 'size' || (key === 'o' && /(^|,)size=/i.test(v))) throw invalid(`parameter ${k}: give the size as capacity_range, not as a parameter`);
    else options[k] = v;
  }
  return { options, labels };
}

/** The topology segment of this node. */
export function nodeTopology(nodeId: string): Topology {
  return { segments: { [TOPOLOGY_KEY]: nodeId } };
}

/** A vol volume (its name and size limit) as a CSI Volume, with the content source it was asked to start from. */
export function toCsiVolume(rec: Pick<VolumeRecord, 'name' | 'size'>, nodeId: string, source?: VolumeContentSource | null): CsiVolume {
  const vol: CsiVolume = { capacity_bytes: rec.size ?? 0, volume_id: rec.name, volume_context: {}, accessible_topology: [nodeTopology(nodeId)] };
  if (source?.snapshot) vol.content_source = { snapshot: { snapshot_id: source.snapshot.snapshot_id } };
  else if (source?.volume) vol.content_source = { volume: { volume_id: source.volume.volume_id } };
  return vol;
}

/** A vol snapshot as a CSI Snapshot. */
export function toCsiSnapshot(snap: SnapshotRecord): CsiSnapshot {
  return {
    size_bytes: snap.size,
    snapshot_id: snap.name,
    source_volume_id: snap.source,
    creation_time: { seconds: Math.floor(snap.createdAt / 1000), nanos: (snap.createdAt % 1000) * 1_000_000 },
    ready_to_use: true,
  };
}

/** One page of `items` from `token` (an offset); a token that is not one is ABORTED, as the spec asks. */
export function page<T>(items: readonly T[], maxEntries: number, token: string): { items: T[]; next: string } {
  if (maxEntries < 0) throw invalid('max_entries must not be negative');
  let start = 0;
  if (token !== '') {
    if (!/^\d+$/.test(token) || Number(token) > items.length) throw new CsiError(CODE.ABORTED, `invalid starting_token ${JSON.stringify(token)}`);
    start = Number(token);
  }
  const end = maxEntries > 0 ? Math.min(items.length, start + maxEntries) : items.length;
  return { items: items.slice(start, end), next: end < items.length ? String(end) : '' };
}
