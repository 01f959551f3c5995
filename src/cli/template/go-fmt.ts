import { formatFloat, formatValue, GoFloat, typeName } from './values.ts';

/** Go's fmt.Sprint: operands joined, with a space between two that are both non-strings. */
export function sprint(args: unknown[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += formatValue(a);
  });
  return out;
}

/** Go's fmt.Sprintln: operands joined by spaces, then a newline. */
export function sprintln(args: unknown[]): string {
  return args.map(formatValue).join(' ') + '\n';
}

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  zero: boolean;
  sharp: boolean;
  width?: number;
  prec?: number;
}

const SPEC = /^([-+ 0#]*)(\d+)?(?:\.(\d*))?([a-zA-Z%])/;

/** Go's fmt.Sprintf for the verbs templates use: v s q d b o x X c U e E f F g G t T %. */
export function sprintf(format: string, args: unknown[]): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      out += format[i];
      continue;
    }
    const m = SPEC.exec(format.slice(i + 1));
    if (!m) {
      out += '%!(NOVERB)';
      break;
    }
    i += m[0].length;
    const verb = m[4]!;
    if (verb === '%') {
      out += '%';
      continue;
    }
    const flags = m[1]!;
    const spec: Spec = { minus: flags.includes('-'), plus: flags.includes('+'), space: flags.includes(' '), zero: flags.includes('0'), sharp: flags.includes('#') };
    if (m[2] !== undefined) spec.width = Number(m[2]);
    if (m[3] !== undefined) spec.prec = Number(m[3] || '0');
    if (n >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    out += pad(one(verb, args[n++], spec), spec);
  }
  if (n < args.length) out += `%!(EXTRA ${args.slice(n).map((a) => `${typeName(a)}=${formatValue(a)}`).join(', ')})`;
  return out;
}

function pad(s: string, spec: Spec): string {
  const w = spec.width ?? 0;
  const len = [...s].length;
  if (len >= w) return s;
  if (spec.minus) return s + ' '.repeat(w - len);
  if (spec.zero && /^[+-]?[0-9]/.test(s)) {
    const sign = /^[+-]/.test(s) ? s[0] : '';
    return sign + '0'.repeat(w - len) + s.slice(sign.length);
  }
  return ' '.repeat(w - len) + s;
}

function bad(verb: string, v: unknown): string {
  if (v === null || v === undefined) return `%!${verb}(<nil>)`;
  return `%!${verb}(${typeName(v)}=${formatValue(v)})`;
}

function intOf(v: unknown): bigint | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  if (typeof v === 'bigint') return v;
  return undefined;
}

function floatOf(v: unknown): number | undefined {
  if (v instanceof GoFloat) return v.v;
  if (typeof v === 'number' && !Number.isInteger(v)) return v;
  return undefined;
}

function one(verb: string, v: unknown, spec: Spec): string {
  switch (verb) {
    case 'v': return floatOf(v) !== undefined ? formatFloat(floatOf(v)!) : formatValue(v);
    case 's': return typeof v === 'string' ? precision(v, spec) : (intOf(v) !== undefined || floatOf(v) !== undefined || typeof v === 'boolean' ? bad(verb, v) : formatValue(v));
    case 'q': return typeof v === 'string' ? JSON.stringify(v) : intOf(v) !== undefined ? `'${String.fromCodePoint(Number(intOf(v)))}'` : bad(verb, v);
    case 't': return typeof v === 'boolean' ? String(v) : bad(verb, v);
    case 'T': return v === null || v === undefined ? '<nil>' : typeName(v);
    case 'd': case 'b': case 'o': case 'x': case 'X': case 'c': case 'U': return integer(verb, v, spec);
    case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': return float(verb, v, spec);
    default: return bad(verb, v);
  }
}

function precision(s: string, spec: Spec): string {
  return spec.prec === undefined ? s : [...s].slice(0, spec.prec).join('');
}

function integer(verb: string, v: unknown, spec: Spec): string {
  const i = intOf(v);
  if (i === undefined) {
    if (typeof v === 'string' && (verb === 'x' || verb === 'X')) {
      const hex = Buffer.from(v).toString('hex');
      return verb === 'X' ? hex.toUpperCase() : hex;
    }
    return bad(verb, v);
  }
  if (verb === 'c') return String.fromCodePoint(Number(i));
  if (verb === 'U') return 'U+' + i.toString(16).toUpperCase().padStart(4, '0');
  const neg = i < 0n;
  const abs = neg ? -i : i;
  const radix = { d: 10, b: 2, o: 8, x: 16, X: 16 }[verb as 'd']!;
  let digits = abs.toString(radix);
  if (verb === 'X') digits = digits.toUpperCase();
  if (spec.sharp) digits = ({ b: '0b', o: '0', x: '0x', X: '0X' }[verb as 'b'] ?? '') + digits;
  return (neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '') + digits;
}

function float(verb: string, v: unknown, spec: Spec): string {
  const f = floatOf(v) ?? (intOf(v) === undefined ? undefined : undefined);
  if (f === undefined) return bad(verb, v);
  const sign = f < 0 || Object.is(f, -0) ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  const a = Math.abs(f);
  let s: string;
  const lower = verb.toLowerCase();
  if (lower === 'f') s = a.toFixed(spec.prec ?? 6);
  else if (lower === 'e') s = expo(a.toExponential(spec.prec ?? 6));
  else s = spec.prec === undefined ? formatFloat(a) : gPrec(a, spec.prec);
  return sign + (verb === verb.toUpperCase() ? s.toUpperCase() : s);
}

function expo(s: string): string {
  return s.replace(/e([+-])(\d+)$/, (_m, sg: string, d: string) => `e${sg}${d.padStart(2, '0')}`);
}

function gPrec(a: number, prec: number): string {
  const p = prec === 0 ? 1 : prec;
  const e = Number(a.toExponential(p - 1).split('e')[1]);
  if (e < -4 || e >= p) return expo(a.toExponential(p - 1).replace(/\.?0+e/, 'e'));
  return a.toFixed(Math.max(0, p - 1 - e)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
}
