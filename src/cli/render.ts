import type { VolumeInspect } from '../core/model.ts';
import { GoNil, GoStruct, GoTime, headerOf, PODMAN_TABLE, renderReport, TemplateError } from './template/index.ts';

/** JSON as Podman prints it: `inspect` indents by five spaces, `ls` by two. */
export function renderJson(value: unknown, indent = 5): string {
  return JSON.stringify(value, null, indent) + '\n';
}

/** Go's type of an `ls` row and of an `inspect` item, as Podman's template errors name them. */
const LS_TYPE = '*entities.VolumeListReport';
const INSPECT_TYPE = 'interface {}';

/**
 * Lines of `format` over `volumes`, as Podman's report package prints them: `table ` aligns the
 * columns with Go's tabwriter and, where `tables` is set and `heading` is true, adds a header row.
 */
export function renderTemplate(format: string, volumes: readonly VolumeInspect[], tables: boolean, heading = true): string {
  if (volumes.length === 0) return '';
  const type = tables ? LS_TYPE : INSPECT_TYPE;
  const items = volumes.map((v) => templateView(v, type));
  try {
    return renderReport(format, items, { name: tables ? 'ls' : 'inspect', headers: tables && heading ? headersOf(items[0]!) : undefined });
  } catch (err) {
    if (tables || !(err instanceof TemplateError)) throw err;
    throw new TemplateError(`inspecting object: printing inspect output: ${err.message}`, err.partial);
  }
}

/**
 * Lines of `format` over report rows other than volumes (`check` findings, `df` rows): each row's
 * own keys are the fields of a Go struct named `type`, and `table ` adds a header row.
 */
export function renderRows(format: string, rows: readonly object[], name: string, type: string): string {
  if (rows.length === 0) return '';
  const items = rows.map((r) => new GoStruct(type, { ...r } as Record<string, unknown>));
  return renderReport(format, items, { name, headers: headersOf(items[0]!) });
}

/** `Key:` / value lines, the values aligned two columns past the longest key (`vol info`, `vol version`). */
export function renderFields(rows: readonly (readonly [string, string | number])[]): string {
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  return rows.map(([k, v]) => `${(k + ':').padEnd(width)}${v}\n`).join('');
}

/** What a command prints for a template: its text, or what it printed before a fault and the fault. */
export function templateResult(render: () => string): { stdout: string; errors: Error[] } {
  try {
    return { stdout: render(), errors: [] };
  } catch (err) {
    if (err instanceof TemplateError) return { stdout: err.partial, errors: [err] };
    throw err;
  }
}

/**
 * The default ls table: `DRIVER` and `VOLUME NAME` as Podman's tabwriter prints them. Every line
 * has both cells, so Go's tabwriter reduces to padding the first column to max(12, widest + 2);
 * it is done directly because `ls` prints tens of thousands of rows.
 */
export function renderVolumeTable(volumes: readonly { name: string; driver: string }[], heading: boolean): string {
  if (volumes.length === 0) return '';
  // Widths in code points, as Go counts runes; measured once per driver, not once per row.
  const widths = new Map<string, number>();
  for (const v of volumes) if (!widths.has(v.driver)) widths.set(v.driver, [...v.driver].length);
  const width = Math.max(PODMAN_TABLE.minwidth, ...[...widths.values()].map((w) => w + PODMAN_TABLE.padding));
  const pads = new Map<string, string>();
  for (const [d, w] of widths) pads.set(d, d + PODMAN_TABLE.padchar.repeat(width - w));
  const chunks: string[] = heading ? ['DRIVER' + PODMAN_TABLE.padchar.repeat(width - 6) + 'VOLUME NAME\n'] : [];
  for (const v of volumes) chunks.push(pads.get(v.driver)! + v.name + '\n');
  return chunks.join('');
}

function headersOf(item: GoStruct): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(item.fields)) out[k] = k === 'Name' ? 'VOLUME NAME' : headerOf(k);
  return out;
}

// Shared zero values: templates only read them.
const NO_STATUS: Record<string, unknown> = Object.freeze({});
const NO_HOLDERS: readonly GoStruct[] = Object.freeze([]);
const NO_QUOTA = new GoNil('*VolumeQuota');

/**
 * A volume as a template sees it: a Go struct with Podman's field types, so absent optional
 * fields read as Go's zero values (`UID` 0, `Status` map[]) and `CreatedAt` is a `time.Time`.
 */
function templateView(v: VolumeInspect, type: string): GoStruct {
  const fields: Record<string, unknown> = {
    Name: v.Name,
    Driver: v.Driver,
    Mountpoint: v.Mountpoint,
    // Parsed only when a template reads it: ls may print tens of thousands of rows without it.
    get CreatedAt() {
      return GoTime.parse(v.CreatedAt) ?? v.CreatedAt;
    },
    Status: v.Status ?? NO_STATUS,
    Labels: v.Labels,
    Scope: v.Scope,
    Options: v.Options,
    UID: v.UID ?? 0,
    GID: v.GID ?? 0,
    // podman: vol has no anonymous volumes; NeedsCopyUp, NeedsChown and Timeout are not kept.
    Anonymous: false,
    MountCount: v.MountCount,
    Holders: v.Holders ? v.Holders.map((h) => new GoStruct('VolumeHolder', { ID: h.ID, PID: h.PID ?? 0 })) : NO_HOLDERS,
    Quota: v.Quota ? new GoStruct('*VolumeQuota', { Backend: v.Quota.Backend, Size: v.Quota.Size ?? 0, Inodes: v.Quota.Inodes ?? 0, UsedBytes: v.Quota.UsedBytes ?? 0 }) : NO_QUOTA,
  };
  return new GoStruct(type, fields);
}
