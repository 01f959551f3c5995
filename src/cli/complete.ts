import type { Command } from 'commander';
import { FILTER_KEYS } from '../core/filters.ts';
import { commandIndex, FIXED_GLOBAL_VALUES, GLOBAL_WITH_VALUE } from './argv.ts';
import { CliContext } from './context.ts';
import { buildProgram, registerAll, type Io } from './main.ts';
import { progressFactory } from './progress.ts';
import { commandNames, findCommand, longFlags } from './usage-error.ts';

/** Commands whose positional arguments are existing volumes (`import` and `export`: the first only). */
const VOLUME_ARGS: Readonly<Record<string, 'all' | 'first'>> = {
  rm: 'all', inspect: 'all', exists: 'first', mount: 'first', unmount: 'first', export: 'first', import: 'first',
};
const SHELLS = ['bash', 'zsh', 'fish'];
const EVENT_FILTER_KEYS = ['type', 'volume', 'label'];

/** Where the cursor is: the command typed so far, and what the word being completed is. */
interface Position {
  command?: Command;
  /** Global flags (with values) typed before the cursor, to open the right root. */
  globals: string[];
  /** The flag whose value is being typed, if any. */
  valueFor?: string;
  /** Positional arguments typed before the current word. */
  positionals: number;
  afterDashes: boolean;
  /** `vol system` was typed: its one subcommand is df. */
  system?: boolean;
}

/**
 * `vol __complete WORD... CURRENT`: prints the candidates for CURRENT, one per line, for the
 * shell scripts of `vol completion`. Volume names come from the database alone (no plugin or
 * quota tool is asked); any failure prints nothing.
 */
export async function runCompletion(words: readonly string[], io: Io): Promise<number> {
  const captured = { out: '', err: '' };
  const program = buildProgram(captured);
  const ctx = new CliContext(program);
  registerAll(program, { ctx, finish: () => {}, progress: progressFactory({ stderr: () => {} }) });
  const cur = words.at(-1) ?? '';
  const pos = locate(program, words.slice(0, -1));
  try {
    program.parseOptions(pos.globals);
    const candidates = await candidatesFor(program, pos, cur, ctx);
    io.stdout(candidates.filter((c) => c.startsWith(cur)).map((c) => c + '\n').join(''));
  } catch {
    // Completion never prints an error in the middle of a command line being typed.
  } finally {
    ctx.close();
  }
  return 0;
}

function locate(program: Command, before: readonly string[]): Position {
  const at = commandIndex(before);
  const pos: Position = { globals: before.slice(0, at), positionals: 0, afterDashes: false };
  if (at > before.length) {
    // The word being completed is the value of the last global flag.
    pos.valueFor = before.at(-1);
    pos.globals = before.slice(0, -1);
    return pos;
  }
  let i = at;
  if (before[i] === 'volume') i++;
  if (before[i] === 'system' && before[i + 1] === 'df') i++;
  pos.command = findCommand(program, before[i]);
  if (before[i] === undefined || !pos.command) {
    pos.system = before[i] === 'system' && i === before.length - 1;
    return pos;
  }
  const valueFlags = new Set([...GLOBAL_WITH_VALUE, ...flagsWithValue(pos.command)]);
  for (i++; i < before.length; i++) {
    const w = before[i]!;
    if (pos.afterDashes || !w.startsWith('-')) pos.positionals++;
    else if (w === '--') pos.afterDashes = true;
    else if (w.includes('=')) {
      if (GLOBAL_WITH_VALUE.includes(w.slice(0, w.indexOf('=')))) pos.globals.push(w);
    } else if (valueFlags.has(w)) {
      if (GLOBAL_WITH_VALUE.includes(w) && i + 1 < before.length) pos.globals.push(w, before[i + 1]!);
      if (i + 1 === before.length) pos.valueFor = w;
      i++;
    }
  }
  return pos;
}

function flagsWithValue(cmd: Command | undefined): string[] {
  return (cmd?.options ?? []).filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined));
}

async function candidatesFor(program: Command, pos: Position, cur: string, ctx: CliContext): Promise<string[]> {
  const name = pos.command?.name();
  if (pos.valueFor) return valuesOf(longName(pos.command, pos.valueFor), name, ctx);
  if (cur.startsWith('-') && !pos.afterDashes) return longFlags(program, pos.command);
  if (pos.system) return ['df'];
  if (!pos.command) return [...commandNames(program), 'help'];
  if (name === 'help') return pos.positionals === 0 ? commandNames(program) : [];
  if (name === 'completion') return pos.positionals === 0 ? SHELLS : [];
  const volumes = VOLUME_ARGS[name!];
  if (!volumes || (volumes === 'first' && pos.positionals > 0)) return [];
  return (await ctx.engine(true)).names(cur);
}

async function valuesOf(flag: string, command: string | undefined, ctx: CliContext): Promise<string[]> {
  const fixed = FIXED_GLOBAL_VALUES[flag];
  if (fixed) return [...fixed];
  if (flag === '--format') return ['json', ...(command === 'ls' || command === 'df' ? ['table '] : [])];
  if (flag === '--filter') {
    return (command === 'events' ? EVENT_FILTER_KEYS : FILTER_KEYS).map((k) => `${k}=`);
  }
  if (flag === '--driver') return ['local', ...Object.keys((await ctx.config()).plugins)];
  return [];
}

function longName(cmd: Command | undefined, flag: string): string {
  return cmd?.options.find((o) => o.short === flag)?.long ?? flag;
}
