import { sprint, sprintf, sprintln } from './go-fmt.ts';
import { GoTime } from './go-time.ts';
import { GoFloat, isMap, NO_VALUE, toJson, truth, typeName } from './values.ts';

/** A fault inside a function: printed `error calling NAME: MSG`. */
export class CallError extends Error {}

/** An argument of the wrong type: printed as is, at that argument. */
export class ArgError extends Error {
  constructor(message: string, readonly value: unknown) {
    super(message);
  }
}

/** A template function: how many arguments it takes and what it does with them. */
export interface TemplateFunc {
  min: number;
  /** Undefined: variadic. */
  max?: number;
  fn: (args: unknown[]) => unknown;
}

function invalid(v: unknown, want: string): void {
  if (v === NO_VALUE) throw new ArgError(`invalid value; expected ${want}`, v);
}

function str(v: unknown): string {
  invalid(v, 'string');
  if (typeof v !== 'string') throw new ArgError(`wrong type for value; expected string; got ${typeName(v)}`, v);
  return v;
}

function int(v: unknown): number {
  invalid(v, 'int');
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ArgError(`wrong type for value; expected int; got ${typeName(v)}`, v);
  return v;
}

function strings(v: unknown): string[] {
  invalid(v, '[]string');
  if (!Array.isArray(v) || !v.every((e) => typeof e === 'string')) throw new ArgError(`wrong type for value; expected []string; got ${typeName(v)}`, v);
  return v as string[];
}

function byteLen(s: string): number {
  return Buffer.byteLength(s);
}

function basic(v: unknown): { kind: 'bool' | 'int' | 'float' | 'string'; value: unknown } {
  if (typeof v === 'boolean') return { kind: 'bool', value: v };
  if (typeof v === 'number' && Number.isInteger(v)) return { kind: 'int', value: v };
  if (typeof v === 'bigint') return { kind: 'int', value: Number(v) };
  if (v instanceof GoFloat) return { kind: 'float', value: v.v };
  if (typeof v === 'number') return { kind: 'float', value: v };
  if (typeof v === 'string') return { kind: 'string', value: v };
  if (v instanceof GoTime) return { kind: 'string', value: v.toString() };
  throw new CallError(v === NO_VALUE || v === null ? 'invalid type for comparison' : `non-comparable type ${typeName(v)}: ${typeName(v)}`);
}

function eq(args: unknown[]): boolean {
  const a = basic(args[0]);
  for (const other of args.slice(1)) {
    const b = basic(other);
    if (a.kind !== b.kind) throw new CallError('incompatible types for comparison');
    if (a.value === b.value) return true;
  }
  return false;
}

function lt(a0: unknown, b0: unknown): boolean {
  const a = basic(a0);
  const b = basic(b0);
  if (a.kind === 'bool' || b.kind === 'bool') throw new CallError('invalid type for comparison');
  if (a.kind !== b.kind) throw new CallError('incompatible types for comparison');
  return a.kind === 'string' ? Buffer.compare(Buffer.from(a.value as string), Buffer.from(b.value as string)) < 0 : (a.value as number) < (b.value as number);
}

function length(v: unknown): number {
  if (typeof v === 'string') return byteLen(v);
  if (Array.isArray(v)) return v.length;
  if (isMap(v)) return Object.keys(v).length;
  throw new CallError(`len of type ${typeName(v)}`);
}

function index(args: unknown[]): unknown {
  let cur = args[0];
  if (cur === NO_VALUE || cur === null) throw new CallError('index of untyped nil');
  for (const key of args.slice(1)) {
    if (Array.isArray(cur) || typeof cur === 'string') {
      const i = int(key);
      const len = Array.isArray(cur) ? cur.length : byteLen(cur);
      if (i < 0 || i >= len) throw new CallError(`index out of range: ${i}`);
      cur = Array.isArray(cur) ? cur[i] : Buffer.from(cur)[i];
    } else if (isMap(cur)) {
      if (typeof key !== 'string') throw new CallError(`value has type ${typeName(key)}; should be string`);
      cur = Object.hasOwn(cur, key) ? cur[key] : '';
    } else {
      throw new CallError(`can't index item of type ${typeName(cur)}`);
    }
  }
  return cur;
}

function slice(args: unknown[]): unknown {
  const v = args[0];
  if (typeof v !== 'string' && !Array.isArray(v)) throw new CallError(`can't slice item of type ${typeName(v)}`);
  if (typeof v === 'string' && args.length > 3) throw new CallError('cannot 3-index slice a string');
  const len = typeof v === 'string' ? byteLen(v) : v.length;
  const idx = args.slice(1).map(int);
  for (const i of idx) if (i < 0 || i > len) throw new CallError(`index out of range: ${i}`);
  const [lo = 0, hi = len] = idx;
  if (lo > hi) throw new CallError(`invalid slice index: ${lo} > ${hi}`);
  return typeof v === 'string' ? Buffer.from(v).subarray(lo, hi).toString() : v.slice(lo, hi);
}

const HTML: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&#39;', '"': '&#34;', '\0': '\uFFFD' };

function js(s: string): string {
  return s.replace(/[\\'"<>&=\u0000-\u001f]/g, (c) => {
    if (c === '\\' || c === "'" || c === '"') return '\\' + c;
    return '\\u' + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
  });
}

function urlquery(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()).replace(/%20/g, '+');
}

function title(s: string): string {
  let prev = ' ';
  let out = '';
  for (const ch of s) {
    out += /[\p{L}\p{N}_']/u.test(prev) ? ch : ch.toUpperCase();
    prev = ch;
  }
  return out;
}

/** Arguments of html/js/urlquery: one string as is, anything else through fmt.Sprint. */
function evalArgs(args: unknown[]): string {
  return args.length === 1 && typeof args[0] === 'string' ? args[0] : sprint(args);
}

/** Go's builtin functions (and/or are evaluated lazily by the executor) and Podman's extra ones. */
export const FUNCS: Readonly<Record<string, TemplateFunc>> = {
  and: { min: 1, fn: (a) => a.find((v) => !truth(v)) ?? a.at(-1) },
  or: { min: 1, fn: (a) => a.find((v) => truth(v)) ?? a.at(-1) },
  not: { min: 1, max: 1, fn: ([v]) => !truth(v) },
  len: { min: 1, max: 1, fn: ([v]) => length(v) },
  index: { min: 1, fn: index },
  slice: { min: 1, max: 4, fn: slice },
  print: { min: 0, fn: sprint },
  printf: { min: 1, fn: ([f, ...rest]) => sprintf(str(f), rest) },
  println: { min: 0, fn: sprintln },
  eq: { min: 1, fn: (a) => (a.length < 2 ? (() => { throw new CallError('missing argument for comparison'); })() : eq(a)) },
  ne: { min: 2, max: 2, fn: (a) => !eq(a) },
  lt: { min: 2, max: 2, fn: ([a, b]) => lt(a, b) },
  le: { min: 2, max: 2, fn: ([a, b]) => lt(a, b) || eq([a, b]) },
  gt: { min: 2, max: 2, fn: ([a, b]) => !lt(a, b) && !eq([a, b]) },
  ge: { min: 2, max: 2, fn: ([a, b]) => !lt(a, b) },
  html: { min: 0, fn: (a) => evalArgs(a).replace(/[<>&'"\0]/g, (c) => HTML[c]!) },
  js: { min: 0, fn: (a) => js(evalArgs(a)) },
  urlquery: { min: 0, fn: (a) => urlquery(evalArgs(a)) },
  call: { min: 1, fn: ([f]) => { throw new CallError(f === NO_VALUE || f === null ? 'call of nil' : `non-function of type ${typeName(f)}`); } },
  // podman: the functions of containers/common's report package (json, join, lower, pad, split, title, truncate, upper).
  json: { min: 1, max: 1, fn: ([v]) => toJson(v) },
  join: { min: 2, max: 2, fn: ([a, sep]) => strings(a).join(str(sep)) },
  lower: { min: 1, max: 1, fn: ([s]) => str(s).toLowerCase() },
  upper: { min: 1, max: 1, fn: ([s]) => str(s).toUpperCase() },
  title: { min: 1, max: 1, fn: ([s]) => title(str(s)) },
  split: { min: 2, max: 2, fn: ([s, sep]) => (str(sep) === '' ? [...str(s)] : str(s).split(str(sep))) },
  truncate: { min: 2, max: 2, fn: ([s, n]) => (byteLen(str(s)) < int(n) ? s : Buffer.from(str(s)).subarray(0, int(n)).toString()) },
  pad: { min: 3, max: 3, fn: ([s, a, b]) => (str(s) === '' ? '' : ' '.repeat(int(a)) + s + ' '.repeat(int(b))) },
};

/** Names a command may call. */
export const FUNC_NAMES: ReadonlySet<string> = new Set(Object.keys(FUNCS));

