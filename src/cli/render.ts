import type { VolumeInspect } from '../core/model.ts';
import { compileTemplate } from './template.ts';

/** JSON as Podman prints it: an array indented by five spaces. */
export function renderJson(value: unknown): string {
  return JSON.stringify(value, null, 5) + '\n';
}

/**
 * Lines of `format` over `volumes`. Where `tables` is allowed, a `table ` prefix adds a header of
 * upper-cased field names unless `heading` is false.
 */
export function renderTemplate(format: string, volumes: readonly VolumeInspect[], tables: boolean, heading = true): string {
  const isTable = tables && format.startsWith('table');
  const src = unescapeFormat(isTable ? format.slice('table'.length).trimStart() : format);
  const tpl = compileTemplate(src);
  const rows = volumes.map((v) => tpl.render(v));
  if (!isTable || !heading) return rows.map((r) => r + '\n').join('');
  if (rows.length === 0) return '';
  const header = src.replace(/{{[^}]*}}/g, headerOf);
  return [header, ...rows].map((r) => r + '\n').join('');
}

function headerOf(action: string): string {
  const path = action.replace(/^{{\s*(json\s+)?\.?|\s*}}$/g, '');
  return path === 'Name' ? 'VOLUME NAME' : path.toUpperCase();
}

/** Podman's formats turn a typed `\t` and `\n` into the characters. */
function unescapeFormat(format: string): string {
  return format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

/** The default ls table: columns padded like Go's tabwriter (min width 12, padding 2). */
export function renderVolumeTable(volumes: readonly VolumeInspect[], heading: boolean): string {
  if (volumes.length === 0) return '';
  const rows = volumes.map((v) => [v.Driver, v.Name] as const);
  const width = Math.max(12, ...rows.map(([d]) => d.length + 2), heading ? 'DRIVER'.length + 2 : 0);
  const lines = rows.map(([d, n]) => d.padEnd(width) + n);
  if (heading) lines.unshift('DRIVER'.padEnd(width) + 'VOLUME NAME');
  return lines.join('\n') + '\n';
}
