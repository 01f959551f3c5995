import type { DiskUsageReport, VolumeUsage } from '../core/df.ts';
import { renderJson, renderRows } from './render.ts';
import { humanSize } from './units.ts';

/** The summary row of `vol df`, as JSON and template fields (Podman's names). */
interface DfSummary {
  Type: string;
  Total: number;
  Active: number;
  Size: string;
  RawSize: number;
  Reclaimable: string;
  RawReclaimable: number;
  /** How many sizes came from a walk of `_data`, from quota accounting, or are unknown. */
  Walked: number;
  FromQuota: number;
  Unknown: number;
}

/** One row of `vol df -v`. */
interface DfVolume {
  VolumeName: string;
  Driver: string;
  Links: number;
  Size: string;
  RawSize: number | null;
  Source: string;
  Reclaimable: boolean;
}

/** `vol df` output: Podman's table (TYPE TOTAL ACTIVE SIZE RECLAIMABLE), `-v` per volume, JSON or a template. */
export function renderDf(report: DiskUsageReport, verbose: boolean, format: string | undefined): string {
  // podman: also lists Images and Containers, and refuses --format with -v; vol has volumes only and formats either.
  const rows: (DfSummary | DfVolume)[] = verbose ? report.volumes.map(volumeRow) : [summary(report)];
  if (format === 'json') return renderJson(rows);
  if (format !== undefined) return renderRows(format, rows, 'df', verbose ? 'VolumeDiskUsage' : 'DiskUsageSummary');
  if (!verbose) {
    const s = rows[0] as DfSummary;
    return columns([['TYPE', 'TOTAL', 'ACTIVE', 'SIZE', 'RECLAIMABLE'], [s.Type, String(s.Total), String(s.Active), s.Size, s.Reclaimable]]);
  }
  const table = (rows as DfVolume[]).map((v) => [v.VolumeName, String(v.Links), v.Size, v.Source]);
  // podman: its table has no SOURCE column; vol says which sizes were walked and which came from quota accounting.
  return 'Local Volumes space usage:\n\n' + columns([['VOLUME NAME', 'LINKS', 'SIZE', 'SOURCE'], ...table]);
}

function summary(r: DiskUsageReport): DfSummary {
  const count = (source: string) => r.volumes.filter((v) => v.source === source).length;
  const pct = r.bytes > 0 ? Math.round((r.reclaimableBytes * 100) / r.bytes) : 0;
  return {
    Type: 'Local Volumes',
    Total: r.total,
    Active: r.active,
    Size: humanSize(r.bytes),
    RawSize: r.bytes,
    Reclaimable: `${humanSize(r.reclaimableBytes)} (${pct}%)`,
    RawReclaimable: r.reclaimableBytes,
    Walked: count('walk'),
    FromQuota: count('quota'),
    Unknown: count('unknown'),
  };
}

function volumeRow(v: VolumeUsage): DfVolume {
  return {
    VolumeName: v.name,
    Driver: v.driver,
    Links: v.links,
    Size: v.bytes === undefined ? 'unknown' : humanSize(v.bytes),
    RawSize: v.bytes ?? null,
    Source: v.source,
    Reclaimable: v.reclaimable,
  };
}

/** Cells padded like Go's tabwriter in Podman's tables (minimum width 12, padding 2); the last column unpadded. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(12, ...rows.map((r) => r[i]!.length + 2)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('')).join('\n') + '\n';
}
