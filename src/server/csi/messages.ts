// The CSI messages as handlers see them (proto-loader with keepCase, enums as names, defaults on).

/** `CapacityRange`. */
export interface CapacityRange {
  required_bytes: number;
  limit_bytes: number;
}

/** `VolumeCapability`. */
export interface VolumeCapability {
  block?: Record<string, never> | null;
  mount?: { fs_type: string; mount_flags: string[]; volume_mount_group: string } | null;
  access_mode?: { mode: string } | null;
  access_type?: 'block' | 'mount';
}

/** `Topology`. */
export interface Topology {
  segments: Record<string, string>;
}

/** `VolumeContentSource`. */
export interface VolumeContentSource {
  snapshot?: { snapshot_id: string } | null;
  volume?: { volume_id: string } | null;
  type?: 'snapshot' | 'volume';
}

/** `Volume`. */
export interface CsiVolume {
  capacity_bytes: number;
  volume_id: string;
  volume_context: Record<string, string>;
  content_source?: VolumeContentSource | null;
  accessible_topology: Topology[];
}

/** `Snapshot`. */
export interface CsiSnapshot {
  size_bytes: number;
  snapshot_id: string;
  source_volume_id: string;
  creation_time: { seconds: number; nanos: number };
  ready_to_use: boolean;
}

/** `CreateVolumeRequest`. */
export interface CreateVolumeRequest {
  name: string;
  capacity_range?: CapacityRange | null;
  volume_capabilities: VolumeCapability[];
  parameters: Record<string, string>;
  volume_content_source?: VolumeContentSource | null;
  accessibility_requirements?: { requisite: Topology[]; preferred: Topology[] } | null;
}

/** `NodePublishVolumeRequest`. */
export interface NodePublishVolumeRequest {
  volume_id: string;
  target_path: string;
  staging_target_path: string;
  volume_capability?: VolumeCapability | null;
  readonly: boolean;
  volume_context: Record<string, string>;
}
