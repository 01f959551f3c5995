import { hostname } from 'node:os';
import { createStderrLogger } from '../../config/logger.ts';
import { VolError } from '../../core/errors.ts';
import { handle, type Register } from './shared.ts';

interface CsiServeFlags {
  endpoint?: string;
  nodeId?: string;
}

/** `vol csi serve`: vol as a CSI driver (Identity, Controller and Node) on a unix socket, until interrupted. */
export const registerCsi: Register = (program, env) => {
  const { ctx } = env;
  const csi = program.command('csi').description('Serve vol volumes to Kubernetes, Nomad and Swarm over the Container Storage Interface');
  csi
    .command('serve')
    .description('Serve the CSI Identity, Controller and Node services on a unix socket until interrupted')
    .option('--endpoint <unix:///path>', 'socket to listen on (env CSI_ENDPOINT)')
    .option('--node-id <id>', 'this node\'s id in topology and NodeGetInfo (default: the host name)')
    .action(handle(env, async (flags: CsiServeFlags) => {
      const endpoint = flags.endpoint ?? process.env.CSI_ENDPOINT ?? 'unix:///run/vol/csi.sock';
      const nodeId = flags.nodeId ?? hostname();
      // Loaded here so that no other command pays for gRPC.
      const { serveCsi, socketPath } = await import('../../server/csi/server.ts');
      // Bad flags are refused before the root is touched.
      socketPath(endpoint);
      if (!nodeId) throw new VolError('INVALID_ARG', '--node-id must not be empty');
      const engine = await ctx.engine(false);
      return {
        stdout: '',
        errors: [],
        streams: async (io) => {
          // proper-lockfile's signal-exit re-raises a signal that only its own listeners hear, which
          // would kill the server in the middle of its shutdown: these keep one listener of ours.
          const stay = () => {};
          process.on('SIGINT', stay).on('SIGTERM', stay);
          try {
            await serveCsi(engine, { endpoint, nodeId, log: createStderrLogger(engine.config.logLevel), signal: io.interrupts() });
          } finally {
            process.off('SIGINT', stay).off('SIGTERM', stay);
          }
        },
      };
    }));
};
