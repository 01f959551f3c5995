import type { Command } from 'commander';
import { VolError } from '../../core/errors.ts';
import { handle, type Register } from './shared.ts';

interface ServeFlags {
  socket?: string;
  name: string;
  timeout: string;
  logFormat?: string;
}

/** Largest request body the server reads; the protocol's requests are a name, an id and a few options. */
const MAX_BODY_BYTES = 64 * 1024;

/** `vol plugin serve`: vol's volumes over the Docker volume-plugin protocol, for Podman and Docker. */
export const registerPlugin: Register = (program, env) => {
  const { ctx } = env;
  const plugin = program.command('plugin').description('Serve vol as a volume plugin for Podman and Docker');
  plugin
    .command('serve')
    .description('Serve the Docker volume-plugin protocol on a unix socket until SIGTERM or SIGINT')
    .option('--socket <path>', 'socket to listen on (default /run/docker/plugins/NAME.sock; ignored under socket activation)')
    .option('--name <name>', 'the driver name callers use', 'vol')
    .option('--timeout <seconds>', 'answer a request with an error once it takes this long', '4')
    .option('--log-format <format>', 'human (default) or json log lines on stderr (env VOL_LOG_FORMAT)')
    .action(handle(env, async (flags: ServeFlags, cmd: Command) => {
      if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(flags.name)) throw new VolError('INVALID_ARG', `invalid --name ${JSON.stringify(flags.name)}: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`);
      const timeout = Number(flags.timeout);
      if (!/^\d+(\.\d+)?$/.test(flags.timeout) || timeout <= 0) throw new VolError('INVALID_ARG', `invalid --timeout ${JSON.stringify(flags.timeout)}: expected seconds greater than 0`);
      if (flags.socket === '') throw new VolError('INVALID_ARG', 'invalid --socket "": expected a path');
      // Loaded only here: the server costs other commands nothing at start-up.
      const { lineLogger, logFormatOf } = await import('../../server/plugin/logger.ts');
      const { activatedListener } = await import('../../server/plugin/socket.ts');
      const global = cmd.optsWithGlobals<{ logLevel?: string; logFormat?: string }>();
      const format = logFormatOf(flags.logFormat ?? global.logFormat, process.env);
      const engine = await ctx.engine(false);
      // A server reports its start and stop unless told to be quieter.
      const level = (global.logLevel ?? process.env.VOL_LOG_LEVEL ?? 'info') as 'debug' | 'info' | 'warn' | 'error';
      const log = lineLogger(format, level);
      engine.useLog(log);
      const listener = activatedListener(process.env, process.pid) ?? { path: flags.socket ?? `/run/docker/plugins/${flags.name}.sock` };
      return {
        stdout: '',
        errors: [],
        streams: async (io) => {
          const { servePlugin } = await import('../../server/plugin/serve.ts');
          const signal = io.interrupts();
          // proper-lockfile's exit hook re-raises a signal that no other listener is left for, and
          // the interrupt listener is a once-listener: this one keeps the process up while it drains.
          const hold = () => undefined;
          process.on('SIGTERM', hold).on('SIGINT', hold);
          try {
            await servePlugin(engine, { name: flags.name, listener, log, signal, maxBodyBytes: MAX_BODY_BYTES, timeoutMs: timeout * 1000 });
          } finally {
            process.off('SIGTERM', hold).off('SIGINT', hold);
          }
        },
      };
    }));
};
