import type { VolumeRecord } from './model.ts';

/** Kinds of volume events. */
export const EVENT_TYPES = ['create', 'remove', 'mount', 'unmount', 'prune', 'reload', 'import', 'export', 'repair'] as const;
/** One of EVENT_TYPES. */
export type VolumeEventType = (typeof EVENT_TYPES)[number];

/** A durable record of one thing that happened to a volume. */
export interface VolumeEvent {
  /** Store-assigned, increasing; absent before the event is written. */
  id?: number;
  /** Nanoseconds since the epoch. */
  timeNs: bigint;
  type: VolumeEventType;
  volume: string;
  driver: string;
  uid: number;
  pid: number;
  /** Labels at the time, holder, plugin, and what else explains the event. */
  attributes: Record<string, unknown>;
}

const origin = { wallMs: BigInt(Date.now()), mono: process.hrtime.bigint() };

/** Now in nanoseconds: the wall clock at start-up plus a monotonic offset, so events of one process never go back. */
export function nowNs(): bigint {
  return origin.wallMs * 1_000_000n + (process.hrtime.bigint() - origin.mono);
}

/** An event of `type` about `rec`, by this process, with its labels and `extra` attributes. */
export function volumeEvent(rec: VolumeRecord, type: VolumeEventType, extra: Record<string, unknown> = {}): VolumeEvent {
  const attributes: Record<string, unknown> = { ...extra };
  if (Object.keys(rec.labels).length > 0) attributes.labels = rec.labels;
  if (rec.driver !== 'local') attributes.plugin = rec.driver;
  return { timeNs: nowNs(), type, volume: rec.name, driver: rec.driver, uid: process.getuid?.() ?? -1, pid: process.pid, attributes };
}
