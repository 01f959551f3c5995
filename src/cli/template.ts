import { VolError } from '../core/errors.ts';
import { INSPECT_FIELDS } from '../core/model.ts';

/** A compiled Go-template subset: literal text, `{{.A.B}}` field paths and `{{json .X}}`. */
export interface Template {
  /** Field paths in order of appearance (for `table` headers). */
  fields: string[];
  render(data: unknown): string;
}

type Part = { text: string } | { path: string[]; json: boolean };

const ACTION_RE = /^(json\s+)?\.([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_-]+)*)?$/;

/**
 * Compiles `src`; throws INVALID_ARG naming the template and the fault. `fields` are the
 * top-level fields of the data, as a Go struct's (default: an inspect object's): asking for one
 * that a value lacks prints nothing, asking for a field that is neither there nor known is an error.
 */
export function compileTemplate(src: string, fields: readonly string[] = INSPECT_FIELDS): Template {
  const known = new Set(fields);
  const parts: Part[] = [];
  let rest = src;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push({ text: rest });
      break;
    }
    if (open > 0) parts.push({ text: rest.slice(0, open) });
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) throw bad(src, 'unclosed action');
    const action = rest.slice(open + 2, close).replace(/^-\s|\s-$/g, '').trim();
    const m = ACTION_RE.exec(action);
    if (!m) throw bad(src, `unsupported action {{${action}}} (supported: {{.Field}}, {{.Map.key}}, {{json .Field}})`);
    parts.push({ path: m[2] ? m[2].split('.') : [], json: m[1] !== undefined });
    rest = rest.slice(close + 2);
  }
  return {
    fields: parts.flatMap((p) => ('path' in p ? [p.path.join('.')] : [])),
    render: (data) => parts.map((p) => ('text' in p ? p.text : renderValue(lookup(data, p.path, src, known), p.json))).join(''),
  };
}

function lookup(data: unknown, path: string[], src: string, known: Set<string>): unknown {
  let cur: unknown = data;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    if (cur === null || typeof cur !== 'object') throw bad(src, `can't evaluate field ${key}`);
    const obj = cur as Record<string, unknown>;
    // The first level is a struct in Podman: an unknown field is an error. Deeper levels are maps: a missing key is empty.
    if (i === 0 && !Object.hasOwn(obj, key) && !known.has(key)) {
      throw bad(src, `can't evaluate field ${key} in type volume`);
    }
    cur = obj[key];
  }
  return cur;
}

function renderValue(v: unknown, json: boolean): string {
  if (json) return JSON.stringify(v ?? null);
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') {
    // Go prints maps as map[k:v k2:v2], keys sorted.
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, val]) => `${k}:${renderValue(val, false)}`).join(' ')}]`;
  }
  return String(v);
}

function bad(src: string, why: string): VolError {
  return new VolError('INVALID_ARG', `invalid format template ${JSON.stringify(src)}: ${why}`);
}
