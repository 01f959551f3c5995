import { argString, pipeString, type Arg, type Command, type Control, type Node, type Pipe } from './ast.ts';
import { ArgError, CallError, FUNCS } from './funcs.ts';
import { GoTime } from './go-time.ts';
import type { Parsed } from './parser.ts';
import { formatValue, GoFloat, GoNil, GoStruct, isMap, NO_VALUE, sortedKeys, truth, typeName } from './values.ts';

/** A fault while executing: where (offset and Go's spelling of the node) and what. */
export class ExecError extends Error {
  /** What the template printed before the fault (Go has written it already). */
  partial = '';

  constructor(message: string, readonly pos: number, readonly node: string) {
    super(message);
  }
}

const MISSING: unique symbol = Symbol('missing');
const NO_ARGS: Arg[] = [];
type Final = unknown;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
/** Go allows 100,000 nested template calls; JavaScript's stack holds fewer. */
const MAX_DEPTH = 1000;

/** Runs `parsed` on `data` and returns the text it prints. */
export function execute(parsed: Parsed, data: unknown): string {
  const st = new State(parsed, data);
  try {
    st.walk(data, parsed.body);
  } catch (err) {
    if (err instanceof ExecError) err.partial = st.out;
    throw err;
  }
  return st.out;
}

class State {
  out = '';
  private vars: { name: string; value: unknown }[];
  private depth = 0;

  constructor(private readonly parsed: Parsed, data: unknown) {
    this.vars = [{ name: '$', value: data }];
  }

  walk(dot: unknown, nodes: readonly Node[]): void {
    for (const n of nodes) this.node(dot, n);
  }

  private node(dot: unknown, n: Node): void {
    switch (n.t) {
      case 'text': this.out += n.text; return;
      case 'action': {
        const v = this.pipeline(dot, n.pipe);
        if (n.pipe.decl.length === 0) this.out += formatValue(v);
        return;
      }
      case 'if': case 'with': {
        const mark = this.vars.length;
        const v = this.pipeline(dot, n.pipe);
        if (truth(v)) this.walk(n.t === 'with' ? v : dot, n.list);
        else if (n.else) this.walk(dot, n.else);
        this.vars.length = mark;
        return;
      }
      case 'range': return this.range(dot, n);
      case 'template': return this.template(dot, n);
      case 'break': throw BREAK;
      case 'continue': throw CONTINUE;
    }
  }

  private range(dot: unknown, n: Control): void {
    const mark = this.vars.length;
    const decl = n.pipe.decl;
    const v = this.pipeline(dot, { ...n.pipe, decl: [] });
    let items: [unknown, unknown][];
    if (Array.isArray(v)) items = v.map((e, i) => [i, e]);
    else if (isMap(v)) items = sortedKeys(v).map((k) => [k, v[k]]);
    else if (v === NO_VALUE || v === null || v === undefined || v instanceof GoNil) items = [];
    else throw new ExecError(`range can't iterate over ${formatValue(v)}`, n.pipe.pos, pipeString(n.pipe));
    for (const [k, e] of items) {
      this.vars.length = mark;
      if (decl.length === 1) this.vars.push({ name: decl[0]!, value: e });
      if (decl.length === 2) this.vars.push({ name: decl[0]!, value: k }, { name: decl[1]!, value: e });
      try {
        this.walk(e, n.list);
      } catch (err) {
        if (err === BREAK) break;
        if (err !== CONTINUE) throw err;
      }
    }
    this.vars.length = mark;
    if (items.length === 0 && n.else) this.walk(dot, n.else);
  }

  private template(dot: unknown, n: Extract<Node, { t: 'template' }>): void {
    const body = this.parsed.defs.get(n.name);
    if (!body) throw new ExecError(`no such template "${n.name}"`, n.pos, `{{template "${n.name}"}}`);
    if (++this.depth > MAX_DEPTH) throw new ExecError(`exceeded maximum template depth (${MAX_DEPTH})`, n.pos, `{{template "${n.name}"}}`);
    const newDot = n.pipe ? this.pipeline(dot, n.pipe) : null;
    const saved = this.vars;
    this.vars = [{ name: '$', value: newDot }];
    this.walk(newDot, body);
    this.vars = saved;
    this.depth--;
  }

  private pipeline(dot: unknown, pipe: Pipe): unknown {
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.command(dot, cmd, value);
    if (pipe.assign) {
      for (const name of pipe.decl) this.slot(name).value = value;
    } else {
      for (const name of pipe.decl) this.vars.push({ name, value });
    }
    return value;
  }

  private command(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0]!;
    const hasArgs = cmd.args.length > 1 || final !== MISSING;
    switch (first.t) {
      case 'field': return this.fields(dot, dot, first, first.names, cmd, final);
      case 'var':
        if (first.names.length === 0 && hasArgs) throw new ExecError(`can't give argument to non-function ${first.name}`, first.pos, first.name);
        return this.fields(dot, this.variable(first), first, first.names, cmd, final);
      case 'chain': return this.fields(dot, this.arg(dot, first.node), first, first.names, cmd, final);
      case 'ident': return this.call(dot, first, cmd, final);
      case 'nil': throw new ExecError('nil is not a command', first.pos, 'nil');
      default:
        if (hasArgs) throw new ExecError(`can't give argument to non-function ${argString(first)}`, first.pos, argString(first));
        return this.arg(dot, first);
    }
  }

  private variable(a: Extract<Arg, { t: 'var' }>): unknown {
    return this.slot(a.name).value;
  }

  private slot(name: string): { name: string; value: unknown } {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i]!.name === name) return this.vars[i]!;
    throw new ExecError(`undefined variable: ${name}`, 0, name);
  }

  private fields(dot: unknown, receiver: unknown, node: Arg, names: string[], cmd: Command | undefined, final: Final): unknown {
    if (names.length === 0) return receiver;
    let cur = receiver;
    const lastAt = names.length - 1;
    for (let i = 0; i < lastAt; i++) cur = this.field(dot, cur, names[i]!, node, NO_ARGS, MISSING);
    return this.field(dot, cur, names[lastAt]!, node, cmd && cmd.args.length > 1 ? cmd.args.slice(1) : NO_ARGS, final);
  }

  private field(dot: unknown, recv: unknown, name: string, node: Arg, args: Arg[], final: Final): unknown {
    const hasArgs = args.length > 0 || final !== MISSING;
    if (recv === NO_VALUE) return NO_VALUE;
    if (recv instanceof GoStruct && !hasArgs && recv.has(name)) return recv.fields[name];
    const fail = (msg: string) => new ExecError(msg, node.pos, argString(node));
    if (recv instanceof GoTime) {
      const values = args.map((a) => this.arg(dot, a));
      if (final !== MISSING) values.push(final);
      const r = recv.method(name, values);
      if (r) return r.value;
      throw fail(`can't evaluate field ${name} in type time.Time`);
    }
    if (recv instanceof GoStruct) {
      if (!recv.has(name)) throw fail(`can't evaluate field ${name} in type ${recv.type}`);
      throw fail(`${name} has arguments but cannot be invoked as function`);
    }
    if (recv instanceof GoNil) throw fail(`nil pointer evaluating ${recv.type}.${name}`);
    if (isMap(recv)) {
      if (hasArgs) throw fail(`${name} is not a method but has arguments`);
      return Object.hasOwn(recv, name) ? recv[name] : NO_VALUE;
    }
    if (recv === null || recv === undefined) throw fail(`nil pointer evaluating interface {}.${name}`);
    throw fail(`can't evaluate field ${name} in type ${typeName(recv)}`);
  }

  private call(dot: unknown, ident: Extract<Arg, { t: 'ident' }>, cmd: Command | undefined, final: Final): unknown {
    const name = ident.name;
    const f = FUNCS[name]!;
    const argNodes = cmd ? cmd.args.slice(1) : [];
    const n = argNodes.length + (final === MISSING ? 0 : 1);
    if (n < f.min || (f.max !== undefined && n > f.max)) {
      const want = f.max === undefined ? `at least ${f.min}` : f.min === f.max ? String(f.min) : `${f.min} or ${f.max}`;
      throw new ExecError(`wrong number of args for ${name}: want ${want} got ${n}`, ident.pos, name);
    }
    const at = cmd ? cmd.args.map(argString).join(' ') : name;
    const pos = cmd ? cmd.pos : ident.pos;
    if (name === 'and' || name === 'or') {
      let v: unknown;
      for (const a of argNodes) {
        v = this.arg(dot, a);
        if (truth(v) === (name === 'or')) return v;
      }
      return final === MISSING ? v : final;
    }
    const values = argNodes.map((a) => this.arg(dot, a));
    if (final !== MISSING) values.push(final);
    try {
      return f.fn(values);
    } catch (err) {
      if (err instanceof CallError) throw new ExecError(`error calling ${name}: ${err.message}`, pos, at);
      if (err instanceof ArgError) {
        const bad = argNodes[values.indexOf(err.value)];
        throw bad ? new ExecError(err.message, bad.pos, argString(bad)) : new ExecError(err.message, pos, at);
      }
      throw err;
    }
  }

  private arg(dot: unknown, a: Arg): unknown {
    switch (a.t) {
      case 'dot': return dot;
      case 'nil': return null;
      case 'bool': return a.value;
      case 'string': return a.value;
      case 'number':
        if (a.float !== undefined && (a.int === undefined || /[.eEpP]/.test(a.text) && !/^[+-]?0[xX][^.pP]*$/.test(a.text))) return new GoFloat(a.float);
        return a.int;
      case 'field': return this.fields(dot, dot, a, a.names, undefined, MISSING);
      case 'var': return this.fields(dot, this.variable(a), a, a.names, undefined, MISSING);
      case 'chain': return this.fields(dot, this.arg(dot, a.node), a, a.names, undefined, MISSING);
      case 'pipe': return this.pipeline(dot, a.pipe);
      case 'ident': return this.call(dot, a, undefined, MISSING);
    }
  }
}
