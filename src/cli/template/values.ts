import { GoTime } from './go-time.ts';

/** A Go float64 (template literals such as `1.5`); plain JavaScript numbers are Go ints. */
export class GoFloat {
  constructor(readonly v: number) {}

  toJSON(): number {
    return this.v;
  }
}

/** A Go struct: named fields only (a missing one is an error), printed `{a b}`. */
export class GoStruct {
  constructor(readonly type: string, readonly fields: Readonly<Record<string, unknown>>) {}

  /** Whether the struct has this field (its own, never an inherited property). */
  has(name: string): boolean {
    return Object.hasOwn(this.fields, name);
  }

  toJSON(): unknown {
    return this.fields;
  }
}

/** A typed nil pointer (an absent optional struct): printing gives `<nil>`, a field of it is an error. */
export class GoNil {
  constructor(readonly type: string) {}

  toJSON(): null {
    return null;
  }
}

/** The value of a missing map key, printed `<no value>` as Go prints an invalid reflect.Value. */
export const NO_VALUE: unique symbol = Symbol('no value');

/** A plain object is a Go map; only its own keys exist. */
export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** The map's own keys, sorted as Go sorts string keys (by bytes). */
export function sortedKeys(m: Record<string, unknown>): string[] {
  const keys = Object.keys(m);
  // UTF-16 order is byte order unless a key has a character outside the Basic Multilingual Plane.
  if (!keys.some((k) => /[\uD800-\uDFFF]/.test(k))) return keys.sort();
  return keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

/** Go's name for the type of `v`, as error messages print it. */
export function typeName(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return Number.isInteger(v) || typeof v === 'bigint' ? (typeof v === 'bigint' ? 'int64' : 'int') : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (v instanceof GoFloat) return 'float64';
  if (v instanceof GoTime) return 'time.Time';
  if (v instanceof GoStruct) return v.type;
  if (v instanceof GoNil) return v.type;
  if (Array.isArray(v)) return v.every((e) => typeof e === 'string') ? '[]string' : '[]interface {}';
  if (isMap(v)) return Object.values(v).every((e) => typeof e === 'string') ? 'map[string]string' : 'map[string]interface {}';
  return 'interface {}';
}

/** Go's truth: false, 0, "", nil and empty collections are false; structs are true. */
export function truth(v: unknown): boolean {
  if (v === NO_VALUE || v === null || v === undefined || v instanceof GoNil) return false;
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'bigint') return v !== 0n;
  if (typeof v === 'boolean') return v;
  if (v instanceof GoFloat) return v.v !== 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** `%v` of one value, as fmt prints it. */
export function formatValue(v: unknown): string {
  if (v === NO_VALUE) return '<no value>';
  if (v === null || v === undefined || v instanceof GoNil) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : formatFloat(v);
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof GoFloat) return formatFloat(v.v);
  if (v instanceof GoTime) return v.toString();
  if (v instanceof GoStruct) return `{${Object.values(v.fields).map(formatValue).join(' ')}}`;
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (isMap(v)) return `map[${sortedKeys(v).map((k) => `${k}:${formatValue(v[k])}`).join(' ')}]`;
  return String(v);
}

/** Go's `%v` of a float64: the shortest digits, in exponent form below 1e-4 or from 1e6 (`%g`). */
export function formatFloat(f: number): string {
  if (Number.isNaN(f)) return 'NaN';
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : '-Inf';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  const [m, x] = f.toExponential().split('e') as [string, string];
  const e = Number(x);
  if (e < -4 || e >= 6) return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  return String(f);
}

/** Go's json.Marshal of a value with HTML escaping off (as Podman's `json` function): map keys sorted, struct fields in order. */
export function toJson(v: unknown, indent?: string): string {
  const s = JSON.stringify(plain(v), null, indent);
  // 64-bit integers (UnixNano) travel as marked strings and are written back as digits.
  return (s ?? 'null').replace(/"\\u0000(-?\d+)\\u0000"/g, '$1').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function plain(v: unknown): unknown {
  if (v === NO_VALUE || v === undefined || v instanceof GoNil) return null;
  if (typeof v === 'bigint') return `\u0000${v}\u0000`;
  if (v instanceof GoFloat) return v.v;
  if (v instanceof GoTime) return v.toJSON();
  if (v instanceof GoStruct) return Object.fromEntries(Object.entries(v.fields).map(([k, f]) => [k, plain(f)]));
  if (Array.isArray(v)) return v.map(plain);
  if (isMap(v)) return Object.fromEntries(sortedKeys(v).map((k) => [k, plain(v[k])]));
  return v;
}
