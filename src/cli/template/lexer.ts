/** The kinds of token Go's text/template lexer produces. */
export type TokenKind =
  | 'text' | 'open' | 'close' | 'space' | 'ident' | 'field' | 'var' | 'string' | 'raw' | 'char'
  | 'number' | 'bool' | 'nil' | 'dot' | 'pipe' | 'lparen' | 'rparen' | 'declare' | 'assign' | 'comma'
  | 'keyword' | 'comment' | 'eof';

/** One token: its kind, its text as written and its offset in the source. */
export interface Token {
  kind: TokenKind;
  text: string;
  pos: number;
}

/** A lexing or parsing fault, reported by the parser with the line it occurred on. */
export class TemplateSyntaxError extends Error {
  constructor(message: string, readonly pos: number) {
    super(message);
  }
}

const KEYWORDS = new Set(['if', 'else', 'end', 'range', 'with', 'define', 'template', 'block', 'break', 'continue']);
const SPACE = /[ \t\r\n]/;
const ALNUM = /[\p{L}\p{Nd}_]/u;

/** Splits `src` into tokens the way Go's text/template lexer does, trim markers applied. */
export function lex(src: string): Token[] {
  const out: Token[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < src.length) {
    let open = src.indexOf('{{', pos);
    if (open < 0) open = src.length;
    let text = src.slice(pos, open);
    const trimLeft = src[open + 2] === '-' && SPACE.test(src[open + 3] ?? '');
    if (trimNext) text = text.replace(/^[ \t\r\n]+/, '');
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) out.push({ kind: 'text', text, pos });
    if (open >= src.length) break;
    out.push({ kind: 'open', text: '{{', pos: open });
    const end = lexAction(src, open + (trimLeft ? 4 : 2), out);
    trimNext = end.trimRight;
    pos = end.pos;
  }
  out.push({ kind: 'eof', text: '', pos: src.length });
  return out;
}

function closeAt(src: string, i: number): { trim: boolean; len: number } | undefined {
  if (src.startsWith('}}', i)) return { trim: false, len: 2 };
  if (SPACE.test(src[i] ?? '') && src.startsWith('-}}', i + 1)) return { trim: true, len: 4 };
  return undefined;
}

function lexAction(src: string, start: number, out: Token[]): { pos: number; trimRight: boolean } {
  let i = start;
  if (src.startsWith('/*', i)) {
    const stop = src.indexOf('*/', i + 2);
    if (stop < 0) throw new TemplateSyntaxError('unclosed comment', i);
    const c = closeAt(src, stop + 2);
    if (!c) throw new TemplateSyntaxError('comment ends before closing delimiter', i);
    out.push({ kind: 'comment', text: src.slice(i, stop + 2), pos: i });
    out.push({ kind: 'close', text: '}}', pos: stop + 2 });
    return { pos: stop + 2 + c.len, trimRight: c.trim };
  }
  let parens = 0;
  for (;;) {
    const c = closeAt(src, i);
    if (c && parens === 0) {
      out.push({ kind: 'close', text: '}}', pos: i });
      return { pos: i + c.len, trimRight: c.trim };
    }
    if (i >= src.length) throw new TemplateSyntaxError('unclosed action', i);
    const ch = src[i]!;
    if (SPACE.test(ch)) {
      let j = i;
      while (j < src.length && SPACE.test(src[j]!) && !closeAt(src, j)?.trim) j++;
      if (j === i) j++;
      out.push({ kind: 'space', text: src.slice(i, j), pos: i });
      i = j;
      continue;
    }
    const t = lexItem(src, i);
    if (t.kind === 'lparen') parens++;
    if (t.kind === 'rparen' && --parens < 0) throw new TemplateSyntaxError('unexpected right paren', i);
    out.push(t);
    i += t.text.length;
    if ((t.kind === 'field' || t.kind === 'var' || t.kind === 'ident' || t.kind === 'bool' || t.kind === 'nil' || t.kind === 'dot') && !atTerminator(src, i)) {
      const cp = src.codePointAt(i)!;
      throw new TemplateSyntaxError(`bad character U+${hex(cp)} '${String.fromCodePoint(cp)}'`, i);
    }
  }
}

function atTerminator(src: string, i: number): boolean {
  const ch = src[i];
  return ch === undefined || SPACE.test(ch) || '.,|:()'.includes(ch) || src.startsWith('}}', i);
}

function hex(cp: number): string {
  return cp.toString(16).toUpperCase().padStart(4, '0');
}

function lexItem(src: string, i: number): Token {
  const ch = src[i]!;
  const rest = src.slice(i);
  const tok = (kind: TokenKind, len: number): Token => ({ kind, text: src.slice(i, i + len), pos: i });
  if (ch === '|') return tok('pipe', 1);
  if (ch === '(') return tok('lparen', 1);
  if (ch === ')') return tok('rparen', 1);
  if (ch === ',') return tok('comma', 1);
  if (ch === '=') return tok('assign', 1);
  if (rest.startsWith(':=')) return tok('declare', 2);
  if (ch === '"') return tok('string', quoted(src, i, '"', 'unterminated quoted string'));
  if (ch === "'") return tok('char', quoted(src, i, "'", 'unterminated character constant'));
  if (ch === '`') {
    const stop = src.indexOf('`', i + 1);
    if (stop < 0) throw new TemplateSyntaxError('unterminated raw quoted string', i);
    return tok('raw', stop + 1 - i);
  }
  if (ch === '$') return tok('var', 1 + wordLen(src, i + 1));
  if (ch === '.') {
    const n = wordLen(src, i + 1);
    if (n === 0 && /[0-9]/.test(src[i + 1] ?? '')) return tok('number', numberLen(src, i));
    return n === 0 ? tok('dot', 1) : tok('field', 1 + n);
  }
  if (/[0-9+-]/.test(ch)) {
    const n = numberLen(src, i);
    if (n > 0) return tok('number', n);
  }
  const n = wordLen(src, i);
  if (n > 0) {
    const word = src.slice(i, i + n);
    if (word === 'true' || word === 'false') return tok('bool', n);
    if (word === 'nil') return tok('nil', n);
    return tok(KEYWORDS.has(word) ? 'keyword' : 'ident', n);
  }
  const cp = src.codePointAt(i)!;
  if (cp < 0x7f && cp > 0x20) return tok('char', 1);
  throw new TemplateSyntaxError(`bad character U+${hex(cp)} '${String.fromCodePoint(cp)}'`, i);
}

function wordLen(src: string, i: number): number {
  let j = i;
  while (j < src.length && ALNUM.test(src[j]!)) j++;
  return j - i;
}

function quoted(src: string, i: number, q: string, unterminated: string): number {
  let j = i + 1;
  while (j < src.length && src[j] !== q) {
    if (src[j] === '\n') break;
    j += src[j] === '\\' ? 2 : 1;
  }
  if (j >= src.length || src[j] !== q) throw new TemplateSyntaxError(unterminated, i);
  return j + 1 - i;
}

const NUMBER = /^[+-]?(0[xX][0-9a-fA-F_]+(\.[0-9a-fA-F_]*)?([pP][+-]?[0-9_]+)?|0[bB][01_]+|0[oO][0-7_]+|([0-9][0-9_]*)?\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?/;

function numberLen(src: string, i: number): number {
  const m = NUMBER.exec(src.slice(i));
  const text = m?.[0] ?? '';
  if (!/[0-9]/.test(text)) return 0;
  if (ALNUM.test(src[i + text.length] ?? '') || src[i + text.length] === '.') {
    throw new TemplateSyntaxError(`bad number syntax: "${src.slice(i, i + text.length + 1)}"`, i);
  }
  return text.length;
}
