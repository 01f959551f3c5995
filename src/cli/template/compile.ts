import { VolError } from '../../core/errors.ts';
import { ExecError, execute } from './exec.ts';
import { FUNC_NAMES } from './funcs.ts';
import { TemplateSyntaxError } from './lexer.ts';
import { parse, type Parsed } from './parser.ts';


/** A template fault (INVALID_ARG, worded as Go words it) and what the template printed before it. */
export class TemplateError extends VolError {
  constructor(message: string, readonly partial = '') {
    super('INVALID_ARG', message);
  }
}

/** A parsed Go text/template; `execute` throws a TemplateError on a fault. */
export interface Template {
  execute(data: unknown): string;
}

/** Parses `src` as Go's text/template named `name`; a syntax error is INVALID_ARG worded as Go words it. */
export function parseTemplate(src: string, name: string): Template {
  let parsed: Parsed;
  try {
    parsed = parse(src, FUNC_NAMES);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new TemplateError(`template: ${name}:${lineOf(src, err.pos)}: ${err.message}`);
    throw err;
  }
  return {
    execute(data) {
      try {
        return execute(parsed, data);
      } catch (err) {
        if (!(err instanceof ExecError)) throw err;
        const line = lineOf(src, err.pos);
        const col = err.pos - (src.lastIndexOf('\n', err.pos - 1) + 1);
        throw new TemplateError(`template: ${name}:${line}:${col}: executing "${name}" at <${err.node}>: ${err.message}`, err.partial);
      }
    },
  };
}

/** Parses the first of `candidates` that parses (Podman retries a format without its `\n` escapes). */
export function parseFirst(candidates: readonly string[], name: string): { template: Template; src: string } {
  let last: unknown;
  for (const src of candidates) {
    try {
      return { template: parseTemplate(src, name), src };
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

function lineOf(src: string, pos: number): number {
  let n = 1;
  for (let i = src.indexOf('\n'); i >= 0 && i < pos; i = src.indexOf('\n', i + 1)) n++;
  return n;
}
