/** A pipeline: optional variable declarations (or assignments) and commands joined by `|`. */
export interface Pipe {
  pos: number;
  decl: string[];
  assign: boolean;
  cmds: Command[];
}

/** One command of a pipeline: a function or value and its arguments. */
export interface Command {
  pos: number;
  args: Arg[];
}

/** An operand of a command, as Go's parse package names them. */
export type Arg =
  | { t: 'field'; pos: number; names: string[] }
  | { t: 'var'; pos: number; name: string; names: string[] }
  | { t: 'dot'; pos: number }
  | { t: 'nil'; pos: number }
  | { t: 'bool'; pos: number; value: boolean }
  | { t: 'number'; pos: number; text: string; int?: number; float?: number }
  | { t: 'string'; pos: number; value: string }
  | { t: 'ident'; pos: number; name: string }
  | { t: 'pipe'; pos: number; pipe: Pipe }
  | { t: 'chain'; pos: number; node: Arg; names: string[] };

/** An `if`, `with` or `range` block. */
export interface Control {
  t: 'if' | 'with' | 'range';
  pos: number;
  pipe: Pipe;
  list: Node[];
  else?: Node[];
}

/** A node of a template body. */
export type Node =
  | { t: 'text'; text: string }
  | { t: 'action'; pos: number; pipe: Pipe }
  | Control
  | { t: 'template'; pos: number; name: string; pipe?: Pipe }
  | { t: 'break' | 'continue'; pos: number };

/** Go's spelling of an operand, as error messages quote it (`<.Labels.a>`). */
export function argString(a: Arg): string {
  switch (a.t) {
    case 'field': return a.names.map((n) => '.' + n).join('');
    case 'var': return a.name + a.names.map((n) => '.' + n).join('');
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(a.value);
    case 'number': return a.text;
    case 'string': return JSON.stringify(a.value);
    case 'ident': return a.name;
    case 'pipe': return '(' + pipeString(a.pipe) + ')';
    case 'chain': return argString(a.node) + a.names.map((n) => '.' + n).join('');
  }
}

/** Go's spelling of a pipeline. */
export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? p.decl.join(', ') + (p.assign ? ' = ' : ' := ') : '';
  return decl + p.cmds.map((c) => c.args.map(argString).join(' ')).join(' | ');
}
