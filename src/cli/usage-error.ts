import type { Command, CommanderError } from 'commander';
import { commandIndex, GLOBAL_WITH_VALUE, nearest } from './argv.ts';

/** The subcommand `argv` names, when it names one `program` has (aliases included). */
export function findCommand(program: Command, name: string | undefined): Command | undefined {
  if (name === undefined) return undefined;
  return program.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/** Long flags a user may type for `cmd` (the global ones and --help included). */
export function longFlags(program: Command, cmd: Command | undefined): string[] {
  const own = (cmd ?? program).options.flatMap((o) => (o.long ? [o.long] : []));
  return [...new Set([...own, ...GLOBAL_WITH_VALUE, '--help'])];
}

/** Names of the visible subcommands. */
export function commandNames(program: Command): string[] {
  return program.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden).map((c) => c.name());
}

/**
 * One line for a command-line mistake commander found, in Podman's shape: what was wrong, the
 * nearest flag or command when one is close, and `See 'vol COMMAND --help'`.
 */
export function usageMessage(err: CommanderError, argv: readonly string[], program: Command): string {
  const at = commandIndex(argv);
  const cmd = findCommand(program, argv[at]);
  const see = `See 'vol${cmd ? ' ' + cmd.name() : ''} --help'`;
  if (err.code === 'commander.unknownOption') {
    const flag = (/'([^']+)'/.exec(err.message)?.[1] ?? err.message).replace(/=.*$/, '');
    return `unknown flag: ${flag}${didYouMean(flag, longFlags(program, cmd))}. ${see}`;
  }
  if (err.code === 'commander.unknownCommand') return unknownCommand(program, argv[at] ?? '');
  if (argv[at] === 'help' && argv[at + 1] !== undefined && !findCommand(program, argv[at + 1])) {
    return unknownCommand(program, argv[at + 1]!);
  }
  if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
    return "missing command 'vol COMMAND'. See 'vol --help'";
  }
  return `${err.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ').replace(/\.$/, '')}. ${see}`;
}

function unknownCommand(program: Command, typed: string): string {
  return `unknown command "${typed}" for "vol"${didYouMean(typed, commandNames(program))}. See 'vol --help'`;
}

function didYouMean(typed: string, candidates: readonly string[]): string {
  const near = nearest(typed, candidates);
  return near ? ` (did you mean ${near}?)` : '';
}
