import { Command, CommanderError } from 'commander';
import { VolError, isVolError } from '../core/errors.ts';
import { FIXED_GLOBAL_VALUES, normalizeArgv } from './argv.ts';
import { registerCheck } from './commands/check.ts';
import { registerCompletion } from './commands/completion.ts';
import { registerCreate } from './commands/create.ts';
import { registerCsi } from './commands/csi.ts';
import { registerDf } from './commands/df.ts';
import { registerEvents } from './commands/events.ts';
import { registerExists } from './commands/exists.ts';
import { registerExport } from './commands/export.ts';
import { registerImport } from './commands/import.ts';
import { registerInfo } from './commands/info.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerLs } from './commands/ls.ts';
import { registerMount, registerUnmount } from './commands/mount.ts';
import { registerNomadHostVolume } from './commands/nomad-host-volume.ts';
import { registerPlugin } from './commands/plugin.ts';
import { registerPrune } from './commands/prune.ts';
import { registerReload } from './commands/reload.ts';
import { registerRm } from './commands/rm.ts';
import { collect, type CommandEnv, type Register } from './commands/shared.ts';
import { registerVersion, versionLine } from './commands/version.ts';
import { CliContext } from './context.ts';
import { diagnosticsMode, printDiagnostics, stdoutFailed } from './diagnostics.ts';
import { exitCodeFor } from './exit-codes.ts';
import { addExamples } from './help.ts';
import { progressFactory } from './progress.ts';
import type { ByteIo, CommandResult } from './result.ts';
import { usageMessage } from './usage-error.ts';

const COMMANDS: Register[] = [registerCreate, registerRm, registerLs, registerInspect, registerExists, registerInfo, registerMount, registerUnmount, registerPrune, registerReload, registerExport, registerImport, registerEvents, registerCheck, registerDf, registerPlugin, registerCsi, registerNomadHostVolume, registerVersion, registerCompletion];

/** Where main writes; the process streams in bin/vol, buffers in tests. */
export interface Io extends ByteIo {
  /** Writes results; a promise, if returned, settles once the text is written or failed. */
  stdout(text: string): void | Promise<void>;
  stderr(text: string): void;
  /** One line of stdin without its newline; undefined at end of input. */
  readLine(): Promise<string | undefined>;
  /** The error that ended writing to stdout (EPIPE: its reader went away), if any. */
  stdoutFailure?(): Error | undefined;
  /** True when stderr is a terminal: only then do bulk commands draw a progress line. */
  stderrIsTTY?(): boolean;
}

/** Adds every command, its flags and examples to `program`; main runs the tree, the man page describes it. */
export function registerAll(program: Command, env: CommandEnv): Command {
  for (const register of COMMANDS) register(program, env);
  addExamples(program);
  return program;
}

/** Runs one vol command line (without `node` and the script); returns the exit code. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  if (argv[0] === '__complete') return (await import('./complete.ts')).runCompletion(argv.slice(1), io);
  let result: CommandResult | undefined;
  const captured = { out: '', err: '' };
  const program = buildProgram(captured);
  const ctx = new CliContext(program);
  registerAll(program, { ctx, finish: (r) => (result = r), progress: progressFactory(io) });
  let args = [...argv];
  let command = '';
  program.hook('preAction', (_root, action) => {
    command = action.name();
  });
  try {
    args = normalizeArgv(argv);
    await program.parseAsync(args, { from: 'user' });
    // A handler that returns without handing over its result is a bug, never a silent exit 0.
    if (command !== '' && result === undefined) throw new Error(`vol ${command} finished without a result`);
    if (result?.confirm) {
      await io.stdout(captured.out + result.stdout + result.confirm.prompt);
      captured.out = '';
      result = await confirmed(result.confirm, io);
    }
    // Export and import stream here, before the runtime they use is closed.
    if (result?.streams) await result.streams(io);
  } catch (err) {
    result = errorResult(err, args, program);
  } finally {
    ctx.close();
  }
  await io.stdout(captured.out + (result?.stdout ?? ''));
  const g = program.opts<{ logLevel?: string; logFormat?: string }>();
  const mode = diagnosticsMode(g.logLevel, g.logFormat);
  const broken = io.stdoutFailure?.();
  if (broken) return stdoutFailed(broken, result, (t) => io.stderr(t), mode);
  printDiagnostics(result, (t) => io.stderr(t), mode);
  return exitCodeFor(command, result);
}

async function confirmed(confirm: NonNullable<CommandResult['confirm']>, io: Io): Promise<CommandResult> {
  const answer = await io.readLine();
  if (answer === undefined) {
    return { stdout: '', errors: [new VolError('INVALID_ARG', 'no answer to the confirmation on stdin (end of input): nothing was removed')] };
  }
  return /^[yY]/.test(answer) ? confirm.proceed() : { stdout: '', errors: [] };
}

/** The top-level command with the global flags, its output captured for main to print. */
export function buildProgram(captured: { out: string; err: string }): Command {
  return new Command('vol')
    .description('Manage named volumes on this host (podman volume compatible)')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ writeOut: (s) => (captured.out += s), writeErr: (s) => (captured.err += s) })
    .option('--root <dir>', 'directory holding all state (env VOL_ROOT)')
    .option('--config <file>', 'TOML config file with containers.conf keys (env VOL_CONFIG)')
    .option('--volume-plugin <name=socket>', 'declare a volume plugin (repeatable)', collect, [])
    .option('--log-level <level>', `${FIXED_GLOBAL_VALUES['--log-level']!.join(', ')} (logs go to stderr)`)
    .option('--log-format <format>', `${FIXED_GLOBAL_VALUES['--log-format']!.join(' or ')}: Warning: lines or pino JSON lines on stderr (env VOL_LOG_FORMAT)`)
    .version(versionLine(), '-v, --version', 'print the version of vol and exit')
    .helpCommand('help [command]', 'show the help of a command');
}

function errorResult(err: unknown, args: readonly string[], program: Command): CommandResult {
  if (err instanceof CommanderError) {
    if (err.exitCode === 0) return { stdout: '', errors: [] };
    return { stdout: '', errors: [new VolError('INVALID_ARG', usageMessage(err, args, program))] };
  }
  if (isVolError(err)) return { stdout: '', errors: [err] };
  // Anything else is a bug: printed as an internal error, with its stack at the debug level.
  return { stdout: '', errors: [err instanceof Error ? err : new Error(String(err))] };
}
