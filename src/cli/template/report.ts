import { parseFirst, TemplateError } from './compile.ts';
import { tabwrite } from './tabwriter.ts';
import { GoStruct, isMap } from './values.ts';

/** Podman's formats turn a typed `\t`/`\n` into the character; a `table` format also turns spaces into column breaks. */
export function normalizeFormat(format: string): string {
  const table = format.startsWith('table ');
  const subs: [string, string][] = table ? [['table ', ''], ['\\t', '\t'], ['\\n', '\n'], [' ', '\t']] : [['\\t', '\t'], ['\\n', '\n']];
  let out = '';
  for (let i = 0; i < format.length;) {
    const hit = subs.find(([from]) => format.startsWith(from, i));
    if (hit) {
      out += hit[1];
      i += hit[0].length;
    } else {
      out += format[i++];
    }
  }
  return out.endsWith('\n') ? out : out + '\n';
}

const RANGE = /{{\s*range\s*\.\s*}}.*{{\s*end\s*-?\s*}}/;

/** Wraps a per-item format in `{{range .}}…{{end -}}` unless it already ranges over the list. */
export function enforceRange(format: string): string {
  return RANGE.test(format) ? format : `{{range .}}${format}{{end -}}`;
}

/** `json` and `{{json .}}` ask for the whole list as JSON, as Podman's report.IsJSON decides. */
export function isJsonFormat(format: string): boolean {
  return /^\s*(json|{{\s*json\s*\.?\s*}})\s*$/.test(format);
}

/** A column header from a Go field name: `MountCount` is `MOUNT COUNT`, `UID` stays `UID`. */
export function headerOf(field: string): string {
  const words = field.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^A-Za-z0-9]+/g) ?? [field];
  return words.join(' ').toUpperCase();
}

/** How a list is printed through a user's format. */
export interface ReportOptions {
  /** Go's template name in error messages (`ls`, `inspect`). */
  name: string;
  /** Header values by field, for a `table` format; undefined prints no header row. */
  headers?: Record<string, string>;
}

/**
 * Prints `items` through `format` as Podman's report package does: the format runs once over the
 * list inside `{{range .}}`, and a `table ` format is aligned by a tabwriter under a header row.
 */
export function renderReport(format: string, items: readonly unknown[], opts: ReportOptions): string {
  const table = format.startsWith('table ');
  // podman: 4.3.1 retries a format that fails to parse once its escapes are replaced, keeping the "table " prefix.
  const candidates = table
    ? [`{{range .}}${normalizeFormat(format)}{{end -}}`, `{{range .}}${format}{{end -}}`]
    : [enforceRange(normalizeFormat(format)), enforceRange(format)];
  const { template } = parseFirst(candidates, opts.name);
  const finish = (text: string) => (table ? tabwrite(text) : text);
  let out = '';
  if (table && opts.headers) {
    try {
      out += template.execute([opts.headers]);
    } catch (err) {
      if (err instanceof TemplateError) throw new TemplateError(`failed to write report column headers: ${err.message}`);
      throw err;
    }
  }
  try {
    return finish(out + template.execute(items));
  } catch (err) {
    // Go has written the rows before the fault; Podman flushes them before the error.
    if (err instanceof TemplateError) throw new TemplateError(err.message, finish(out + err.partial));
    throw err;
  }
}

/** A template for one object at a time (events, info); `render` gives the line without its final newline. */
export interface ObjectTemplate {
  render(data: unknown): string;
}

/**
 * Compiles `format` for single objects, escapes replaced as in Podman; a plain object's own keys
 * are the fields of a struct named `type` (an unknown field is an error, not `<no value>`).
 */
export function compileTemplate(format: string, name = 'template', type = 'interface {}'): ObjectTemplate {
  const normalized = normalizeFormat(format.startsWith('table ') ? format.slice('table '.length) : format);
  const { template, src } = parseFirst([normalized, format], name);
  return {
    render(data) {
      const out = template.execute(isMap(data) ? new GoStruct(type, data) : data);
      return src === normalized && out.endsWith('\n') ? out.slice(0, -1) : out;
    },
  };
}
