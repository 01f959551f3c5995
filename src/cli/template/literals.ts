import type { Arg } from './ast.ts';
import { TemplateSyntaxError, type Token } from './lexer.ts';

/** The value of a quoted or raw string token. */
export function unquote(t: Token): string {
  if (t.kind === 'raw') return t.text.slice(1, -1);
  try {
    return JSON.parse(t.text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'").replace(/\\a/g, '\\u0007').replace(/\\v/g, '\\u000b')) as string;
  } catch {
    throw new TemplateSyntaxError(`invalid syntax`, t.pos);
  }
}

/** A number or character constant, as an int and/or a float the way Go's parse package keeps both. */
export function numberArg(t: Token): Arg {
  if (t.kind === 'char') {
    if (t.text.length < 3 || t.text[0] !== "'") throw new TemplateSyntaxError(`unexpected ${JSON.stringify(t.text)} in operand`, t.pos);
    const body = t.text.slice(1, -1);
    const s = body.startsWith('\\') ? unquote({ ...t, kind: 'string', text: `"${body}"` }) : body;
    if ([...s].length !== 1) throw new TemplateSyntaxError(`malformed character constant: ${t.text}`, t.pos);
    return { t: 'number', pos: t.pos, text: t.text, int: s.codePointAt(0)! };
  }
  const text = t.text.replace(/_/g, '');
  if (text.endsWith('i')) throw new TemplateSyntaxError(`complex numbers are not supported: ${t.text}`, t.pos);
  const sign = text.startsWith('-') ? -1 : 1;
  const body = text.replace(/^[+-]/, '');
  const isFloatSyntax = /^0[xX]/.test(body) ? /[.pP]/.test(body) : /[.eE]/.test(body);
  const value = isFloatSyntax ? sign * parseFloatGo(body) : sign * parseIntGo(body);
  if (Number.isNaN(value)) throw new TemplateSyntaxError(`illegal number syntax: "${t.text}"`, t.pos);
  if (!isFloatSyntax || Number.isInteger(value)) {
    return isFloatSyntax ? { t: 'number', pos: t.pos, text: t.text, int: value, float: value } : { t: 'number', pos: t.pos, text: t.text, int: value };
  }
  return { t: 'number', pos: t.pos, text: t.text, float: value };
}

function parseIntGo(body: string): number {
  if (/^0[xX]/.test(body)) return parseInt(body.slice(2), 16);
  if (/^0[bB]/.test(body)) return parseInt(body.slice(2), 2);
  if (/^0[oO]/.test(body)) return parseInt(body.slice(2), 8);
  if (/^0[0-7]+$/.test(body)) return parseInt(body.slice(1), 8);
  return /^[0-9]+$/.test(body) ? Number(body) : NaN;
}

function parseFloatGo(body: string): number {
  if (/^0[xX]/.test(body)) {
    const m = /^0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)(?:[pP]([+-]?\d+))?$/.exec(body);
    if (!m) return NaN;
    const mant = parseInt((m[1] || '0') + (m[2] ?? ''), 16) / 16 ** (m[2]?.length ?? 0);
    return mant * 2 ** Number(m[3] ?? 0);
  }
  return Number(body);
}
