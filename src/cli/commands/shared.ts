import type { Command } from 'commander';
import { VolError } from '../../core/errors.ts';
import type { CliContext } from '../context.ts';
import type { ProgressFactory } from '../progress.ts';
import type { CommandResult } from '../result.ts';

/** What every command registration receives. */
export interface CommandEnv {
  ctx: CliContext;
  /** Hands the command's result to main, which prints it; commands reach it only through `handle`. */
  finish(result: CommandResult): void;
  /** A progress line for bulk work: drawn on stderr when it is a terminal, nothing otherwise. */
  progress: ProgressFactory;
}

/**
 * A commander action from a handler that returns its result: a handler cannot end without
 * handing one to main (the type says so), and main prints it.
 */
export function handle<A extends unknown[]>(env: CommandEnv, fn: (...args: A) => Promise<CommandResult>): (...args: A) => Promise<void> {
  return async (...args) => env.finish(await fn(...args));
}

/** A command registrar: adds one subcommand to `program`. */
export type Register = (program: Command, env: CommandEnv) => void;

/** Commander collector for repeatable flags. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Parses `K[=V]` arguments into a map (`V` may contain `=`; no `=` gives ""). */
export function parseKeyValues(args: readonly string[], what: 'label' | 'option'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const arg of args) {
    const eq = arg.indexOf('=');
    const key = eq < 0 ? arg : arg.slice(0, eq);
    if (key === '') throw new VolError('INVALID_ARG', `invalid ${what} format ${JSON.stringify(arg)}: the key is empty`);
    out[key] = eq < 0 ? '' : arg.slice(eq + 1);
  }
  return out;
}
