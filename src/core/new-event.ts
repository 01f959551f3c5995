import type { VolumeEvent, VolumeEventType, VolumeRecord } from './model.ts';

// The event vocabulary lives in model.ts; these names stay importable from here for existing callers.
export type { VolumeEvent, VolumeEventType } from './model.ts';

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
