import type { Arg, Command, Node, Pipe } from './ast.ts';
import { lex, TemplateSyntaxError, type Token, type TokenKind } from './lexer.ts';
import { numberArg, unquote } from './literals.ts';

/** A parsed template: its main body and the templates `define` and `block` named. */
export interface Parsed {
  body: Node[];
  defs: Map<string, Node[]>;
}

type End = 'end' | 'else' | 'eof';

/** Parses Go text/template source; `funcs` are the names a command may call. */
export function parse(src: string, funcs: ReadonlySet<string>): Parsed {
  return new Parser(lex(src), funcs).parseAll();
}

class Parser {
  private i = 0;
  private vars: string[][] = [['$']];
  private rangeDepth = 0;
  readonly defs = new Map<string, Node[]>();

  constructor(private readonly toks: Token[], private readonly funcs: ReadonlySet<string>) {}

  parseAll(): Parsed {
    const { list, end } = this.list(true);
    if (end !== 'eof') throw this.fail(`unexpected {{${end}}}`);
    return { body: list, defs: this.defs };
  }

  private peek(): Token {
    return this.toks[this.i]!;
  }

  private next(): Token {
    return this.toks[this.i++]!;
  }

  private nextNonSpace(): Token {
    let t = this.next();
    while (t.kind === 'space') t = this.next();
    return t;
  }

  private peekNonSpace(): Token {
    const save = this.i;
    const t = this.nextNonSpace();
    this.i = save;
    return t;
  }

  private expect(kind: TokenKind, context: string): Token {
    const t = this.nextNonSpace();
    if (t.kind !== kind) throw this.unexpected(t, context);
    return t;
  }

  private fail(msg: string, pos = this.toks[Math.max(0, this.i - 1)]!.pos): TemplateSyntaxError {
    return new TemplateSyntaxError(msg, pos);
  }

  private unexpected(t: Token, context: string): TemplateSyntaxError {
    if (t.kind === 'eof') return this.fail('unexpected EOF', t.pos);
    const shown = t.kind === 'close' ? '<}}>' : t.kind === 'keyword' || t.kind === 'ident' ? `<${t.text}>` : JSON.stringify(t.text);
    return this.fail(`unexpected ${shown} in ${context}`, t.pos);
  }

  /** Nodes up to `{{end}}`, `{{else}}` or the end of input; the closing keyword is consumed. */
  private list(top: boolean): { list: Node[]; end: End } {
    const list: Node[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'eof') {
        if (!top) throw this.fail('unexpected EOF', t.pos);
        return { list, end: 'eof' };
      }
      if (t.kind === 'text') {
        list.push({ t: 'text', text: t.text });
        continue;
      }
      const k = this.peekNonSpace();
      if (k.kind === 'comment') {
        this.nextNonSpace();
        this.expect('close', 'comment');
        continue;
      }
      if (k.kind === 'keyword' && (k.text === 'end' || k.text === 'else')) {
        this.nextNonSpace();
        if (top) throw this.fail(`unexpected {{${k.text}}}`, k.pos);
        if (k.text === 'end') this.expect('close', 'end');
        return { list, end: k.text };
      }
      if (k.kind === 'keyword' && k.text === 'define') {
        if (!top || this.vars.length > 1) throw this.fail('unexpected <define> in command', k.pos);
        this.nextNonSpace();
        this.define();
        continue;
      }
      const node = this.action();
      if (node) list.push(node);
    }
  }

  private action(): Node | undefined {
    const k = this.peekNonSpace();
    if (k.kind === 'keyword') {
      this.nextNonSpace();
      switch (k.text) {
        case 'if': case 'with': case 'range': return this.control(k.text, k.pos);
        case 'template': return this.templateCall(k.pos, 'template');
        case 'block': return this.block(k.pos);
        case 'break': case 'continue': {
          if (this.rangeDepth === 0) throw this.fail(`{{${k.text}}} outside {{range}}`, k.pos);
          this.expect('close', k.text);
          return { t: k.text, pos: k.pos };
        }
        default: throw this.unexpected(k, 'command');
      }
    }
    return { t: 'action', pos: k.pos, pipe: this.pipeline('command', 'close') };
  }

  private control(kind: 'if' | 'with' | 'range', pos: number): Node {
    this.vars.push([...this.vars.at(-1)!]);
    const pipe = this.pipeline(kind, 'close');
    if (kind === 'range') this.rangeDepth++;
    const { list, end } = this.list(false);
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (end === 'else') {
      const k = this.peekNonSpace();
      // `{{else if …}}` is `{{else}}{{if …}}…{{end}}` sharing one {{end}} (Go 1.19 has no `else with`).
      if (k.kind === 'keyword' && k.text === 'if') {
        this.nextNonSpace();
        elseList = [this.control('if', k.pos)];
      } else {
        this.expect('close', 'else');
        const r = this.list(false);
        if (r.end !== 'end') throw this.fail('expected end; found {{else}}');
        elseList = r.list;
      }
    }
    this.vars.pop();
    return { t: kind, pos, pipe, list, else: elseList };
  }

  private templateName(context: string): string {
    const t = this.nextNonSpace();
    if (t.kind !== 'string' && t.kind !== 'raw') throw this.unexpected(t, context);
    return unquote(t);
  }

  private templateCall(pos: number, context: string): Node {
    const name = this.templateName(`${context} clause`);
    if (this.peekNonSpace().kind === 'close') {
      this.nextNonSpace();
      return { t: 'template', pos, name };
    }
    return { t: 'template', pos, name, pipe: this.pipeline(context, 'close') };
  }

  private define(): void {
    const name = this.templateName('define clause');
    this.expect('close', 'define clause');
    this.vars.push(['$']);
    const { list, end } = this.list(false);
    if (end !== 'end') throw this.fail('unexpected {{else}} in define clause');
    this.vars.pop();
    this.defs.set(name, list);
  }

  private block(pos: number): Node {
    const node = this.templateCall(pos, 'block') as Extract<Node, { t: 'template' }>;
    this.vars.push(['$']);
    const { list, end } = this.list(false);
    if (end !== 'end') throw this.fail('unexpected {{else}} in block clause');
    this.vars.pop();
    this.defs.set(node.name, list);
    return node;
  }

  private pipeline(context: string, end: 'close' | 'rparen'): Pipe {
    const start = this.peekNonSpace();
    const pipe: Pipe = { pos: start.pos, decl: [], assign: false, cmds: [] };
    this.declarations(pipe, context);
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === end) {
        this.nextNonSpace();
        if (pipe.cmds.length === 0) throw this.fail(`missing value for ${context}`, t.pos);
        return pipe;
      }
      if (t.kind === 'pipe') {
        if (pipe.cmds.length === 0) throw this.unexpected(t, context);
        this.nextNonSpace();
        continue;
      }
      pipe.cmds.push(this.command(end));
    }
  }

  private declarations(pipe: Pipe, context: string): void {
    const save = this.i;
    const names: string[] = [];
    for (;;) {
      const v = this.nextNonSpace();
      if (v.kind !== 'var') break;
      const op = this.nextNonSpace();
      if (op.kind === 'comma' && context === 'range' && names.length === 0) {
        names.push(v.text);
        continue;
      }
      if (op.kind === 'declare' || op.kind === 'assign') {
        names.push(v.text);
        if (op.kind === 'assign' && names.some((n) => !this.vars.at(-1)!.includes(n))) throw this.fail(`undefined variable "${names[0]}"`, v.pos);
        pipe.decl = names;
        pipe.assign = op.kind === 'assign';
        if (!pipe.assign) this.vars.at(-1)!.push(...names);
        return;
      }
      break;
    }
    this.i = save;
  }

  private command(end: 'close' | 'rparen'): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      const t = this.peekNonSpace();
      if (t.kind === end || t.kind === 'pipe') break;
      if (t.kind === 'eof' || t.kind === 'close' || t.kind === 'rparen') throw this.unexpected(this.nextNonSpace(), 'operand');
      this.nextNonSpace();
      cmd.args.push(this.operand(t));
      const after = this.peek();
      if (after.kind !== 'space' && after.kind !== end && after.kind !== 'pipe') throw this.unexpected(after, 'operand');
    }
    if (cmd.args.length === 0) throw this.fail('empty command');
    return cmd;
  }

  private operand(t: Token): Arg {
    const node = this.term(t);
    if (this.peek().kind !== 'field') return node;
    const names: string[] = [];
    const pos = this.peek().pos;
    while (this.peek().kind === 'field') names.push(this.next().text.slice(1));
    // Go positions a chained field (`.Labels.a`) at its second element.
    if (node.t === 'field') return { ...node, pos, names: [...node.names, ...names] };
    if (node.t === 'var') return { ...node, pos, names: [...node.names, ...names] };
    if (node.t === 'bool' || node.t === 'string' || node.t === 'number' || node.t === 'nil' || node.t === 'dot') {
      throw this.fail(`unexpected . after term "${t.text}"`, t.pos);
    }
    return { t: 'chain', pos, node, names };
  }

  private term(t: Token): Arg {
    switch (t.kind) {
      case 'ident':
        if (!this.funcs.has(t.text)) throw this.fail(`function "${t.text}" not defined`, t.pos);
        return { t: 'ident', pos: t.pos, name: t.text };
      case 'dot': return { t: 'dot', pos: t.pos };
      case 'nil': return { t: 'nil', pos: t.pos };
      case 'bool': return { t: 'bool', pos: t.pos, value: t.text === 'true' };
      case 'field': return { t: 'field', pos: t.pos, names: [t.text.slice(1)] };
      case 'var':
        if (!this.vars.at(-1)!.includes(t.text)) throw this.fail(`undefined variable "${t.text}"`, t.pos);
        return { t: 'var', pos: t.pos, name: t.text, names: [] };
      case 'string': case 'raw': return { t: 'string', pos: t.pos, value: unquote(t) };
      case 'char': case 'number': return numberArg(t);
      case 'lparen': return { t: 'pipe', pos: t.pos, pipe: this.pipeline('parenthesized pipeline', 'rparen') };
      default: throw this.unexpected(t, 'operand');
    }
  }
}
