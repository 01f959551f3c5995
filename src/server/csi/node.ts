import { existsSync } from 'node:fs';
import { publishHolder, type PublishOptions } from '../../core/volume-publish.ts';
import type { CsiContext } from './context.ts';
import { nodeTopology, sizeFromRange, unsupportedCapability } from './convert.ts';
import { CODE, CsiError, invalid, unsupportedAs } from './errors.ts';
import type { CapacityRange, NodePublishVolumeRequest } from './messages.ts';

/** The volume_context key Kubernetes sets on ephemeral inline volumes. */
const EPHEMERAL_KEY = 'csi.storage.k8s.io/ephemeral';
const CO_PREFIX = 'csi.storage.k8s.io/';

/** The Node service: publish by bind mount, usage, expansion, and this node's identity. */
export function nodeHandlers(ctx: CsiContext) {
  const { engine, nodeId, inFlight } = ctx;
  return {
    async NodeGetInfo() {
      return { node_id: nodeId, max_volumes_per_node: 0, accessible_topology: nodeTopology(nodeId) };
    },

    async NodeGetCapabilities() {
      return { capabilities: ['GET_VOLUME_STATS', 'EXPAND_VOLUME'].map((type) => ({ rpc: { type } })) };
    },

    async NodePublishVolume(req: NodePublishVolumeRequest) {
      if (!req.volume_id) throw invalid('volume_id is required');
      if (!req.target_path) throw invalid('target_path is required');
      if (!req.volume_capability) throw invalid('volume_capability is required');
      const why = unsupportedCapability([req.volume_capability]);
      if (why) throw new CsiError(CODE.FAILED_PRECONDITION, why);
      const opts: PublishOptions = {
        readOnly: req.readonly || req.volume_capability.access_mode?.mode === 'SINGLE_NODE_READER_ONLY',
        flags: req.volume_capability.mount?.mount_flags ?? [],
      };
      if (req.volume_context[EPHEMERAL_KEY] === 'true') opts.ephemeral = ephemeralSpec(req.volume_context);
      return inFlight.run([`volume:${req.volume_id}`], async () => {
        await engine.publish(req.volume_id, req.target_path, opts);
        return {};
      });
    },

    async NodeUnpublishVolume(req: { volume_id: string; target_path: string }) {
      if (!req.volume_id) throw invalid('volume_id is required');
      if (!req.target_path) throw invalid('target_path is required');
      return inFlight.run([`volume:${req.volume_id}`], async () => {
        await engine.unpublish(req.volume_id, req.target_path);
        return {};
      });
    },

    async NodeGetVolumeStats(req: { volume_id: string; volume_path: string }) {
      if (!req.volume_id) throw invalid('volume_id is required');
      if (!req.volume_path) throw invalid('volume_path is required');
      const rec = engine.get(req.volume_id);
      if (!rec) throw new CsiError(CODE.NOT_FOUND, `no such volume ${req.volume_id}`);
      // The volume is at its own path and where it is published, nowhere else.
      const here = req.volume_path === rec.mountpoint || (rec.holders ?? []).some((h) => h.id === publishHolder(req.volume_path));
      if (!here || !existsSync(req.volume_path)) throw new CsiError(CODE.NOT_FOUND, `volume ${req.volume_id} is not at ${req.volume_path}`);
      const stats = await engine.stats(req.volume_id);
      const usage = [{ unit: 'BYTES', ...stats.bytes }];
      if (stats.inodes) usage.push({ unit: 'INODES', ...stats.inodes });
      return { usage };
    },

    async NodeExpandVolume(req: { volume_id: string; volume_path: string; capacity_range?: CapacityRange | null }) {
      if (!req.volume_id) throw invalid('volume_id is required');
      if (!req.volume_path) throw invalid('volume_path is required');
      const size = sizeFromRange(req.capacity_range);
      return inFlight.run([`volume:${req.volume_id}`], async () => {
        const rec = engine.get(req.volume_id);
        if (!rec) throw new CsiError(CODE.NOT_FOUND, `no such volume ${req.volume_id}`);
        // The limit is the file system here: raising it (usually done already by the controller) is all there is.
        const now = size === undefined ? rec : await engine.expand(req.volume_id, size).catch(unsupportedAs(CODE.UNIMPLEMENTED));
        return { capacity_bytes: now.size ?? 0 };
      });
    },
  };
}

/** The options and labels of an ephemeral inline volume, from its volume_context. */
function ephemeralSpec(context: Record<string, string>): NonNullable<PublishOptions['ephemeral']> {
  const options: Record<string, string> = {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(context)) {
    if (k.startsWith(CO_PREFIX)) {
      if (k !== EPHEMERAL_KEY) labels[k] = v;
    } else options[k] = v;
  }
  return { options, labels };
}
