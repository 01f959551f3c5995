import { readMountTable, type MountInfo } from '../local/mount-table.ts';
import { NOT_PLAIN } from '../state/store.ts';
import { VolError } from './errors.ts';
import { isLive } from './holders.ts';
import type { VolumeHolder, VolumeInspect, VolumeRecord } from './model.ts';
import { pluginStatuses } from './plugin-status.ts';
import { inspectWithQuota } from './quota.ts';
import type { Runtime } from './runtime.ts';
import { reconciledMountCount } from './volume-mount.ts';

/** Inspect objects and plugin warnings for records read for inspect. */
export interface InspectedVolumes {
  shown: VolumeInspect[];
  warnings: string[];
}

/** Live holders, the kernel's mount count, plugin Status and quota of records read for inspect. */
export async function inspected(rt: Runtime, found: VolumeRecord[], holders: Map<string, VolumeHolder[]>, table: readonly MountInfo[]): Promise<InspectedVolumes> {
  for (const v of found) v.holders = (holders.get(v.name) ?? []).filter(isLive);
  // Computed read-only (inspect takes no lock): what the kernel has mounted, not what a killed process left counted.
  for (const v of found) v.mountCount = reconciledMountCount(rt, v, table);
  const { status, warnings } = await pluginStatuses(rt, found, true);
  return { shown: withStatus(await inspectWithQuota(rt, found), status), warnings };
}

/** Adds each plugin volume's Status, placed after CreatedAt as Podman orders the keys. */
export function withStatus(volumes: VolumeInspect[], status: Map<string, Record<string, unknown>>): VolumeInspect[] {
  if (status.size === 0) return volumes;
  return volumes.map((v) => {
    const st = status.get(v.Name);
    if (st === undefined) return v;
    const { Name, Driver, Mountpoint, CreatedAt, ...rest } = v;
    return { Name, Driver, Mountpoint, CreatedAt, Status: st, ...rest };
  });
}

/** One volume as `JSON.stringify(volumes, null, 5)` prints it inside the array: the item the store's text repeats for plain rows. */
export function inspectItemText(v: VolumeInspect): string {
  return JSON.stringify([v], null, 5).slice(2, -2);
}

/**
 * `vol inspect --all` as JSON text a page at a time, in name order: `each` hears the items of
 * every page (UTF-8, joined by `,\n`, indented as inside the array) and stops the listing by returning
 * false. Plain local volumes come as the store printed them; the rest are inspected here. Each
 * page is its own read: a volume created or removed meanwhile is shown or not depending on where
 * its name sorts, as with Podman's inspect. Returns the plugin warnings.
 */
export async function inspectTextPages(rt: Runtime, each: (items: Buffer) => Promise<boolean>, pageSize: number): Promise<string[]> {
  const warnings = new Set<string>();
  let holders: Map<string, VolumeHolder[]> | undefined;
  let table: MountInfo[] | undefined;
  let after: string | undefined;
  for (;;) {
    const page = rt.store.inspectTextPage(after, pageSize);
    if (page.count === 0) break;
    let text = page.text;
    if (page.others.length > 0) {
      holders ??= rt.store.allHolders();
      table ??= readMountTable();
      const done = await inspected(rt, page.others, holders, table);
      for (const w of done.warnings) warnings.add(w);
      text = merged(text, done.shown);
    }
    if (!(await each(text)) || page.count < pageSize) break;
    after = page.last;
  }
  return [...warnings];
}

/** The page's text with each marker replaced by the next volume's item. */
function merged(text: Buffer, shown: readonly VolumeInspect[]): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const v of shown) {
    const at = text.indexOf(NOT_PLAIN, from);
    if (at < 0) throw new VolError('STATE_CONFLICT', 'the state store gave fewer inspect markers than records');
    parts.push(text.subarray(from, at), Buffer.from(inspectItemText(v)));
    from = at + 1;
  }
  parts.push(text.subarray(from));
  return Buffer.concat(parts);
}
