import { chmodSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import type { sendUnaryData, ServerUnaryCall, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import type { Engine } from '../../core/engine.ts';
import { VolError, errnoCode } from '../../core/errors.ts';
import type { Logger } from '../../core/model.ts';
import type { CsiContext } from './context.ts';
import { controllerHandlers } from './controller.ts';
import { statusOf } from './errors.ts';
import { identityHandlers } from './identity.ts';
import { InFlight } from './in-flight.ts';
import { nodeHandlers } from './node.ts';
import { loadCsiProto } from './proto.ts';

/** Options of `vol csi serve`. */
export interface CsiServeOptions {
  /** `unix:///path/to/csi.sock` (or the bare absolute path). */
  endpoint: string;
  nodeId: string;
  log: Logger;
  /** Aborting stops the server (SIGINT/SIGTERM). */
  signal: AbortSignal;
}

/** The socket path of a `unix://` endpoint; anything else is INVALID_ARG. */
export function socketPath(endpoint: string): string {
  const path = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : endpoint.startsWith('unix:') ? endpoint.slice('unix:'.length) : endpoint;
  if (!isAbsolute(path)) throw new VolError('INVALID_ARG', `invalid --endpoint ${JSON.stringify(endpoint)}: expected unix:///ABSOLUTE/PATH`);
  return path;
}

/**
 * Serves the CSI Identity, Controller and Node services on a unix socket until `signal` aborts.
 * Every RPC is a front end to the engine: it validates the request, calls the engine, and maps
 * engine errors to the gRPC codes the spec names.
 */
export async function serveCsi(engine: Engine, opts: CsiServeOptions): Promise<void> {
  if (!opts.nodeId) throw new VolError('INVALID_ARG', '--node-id must not be empty');
  const path = socketPath(opts.endpoint);
  const proto = loadCsiProto();
  const ctx: CsiContext = { engine, nodeId: opts.nodeId, inFlight: new InFlight(), log: opts.log };
  const server = new proto.grpc.Server();
  server.addService(proto.identity, implement(proto.identity, identityHandlers(), opts.log));
  server.addService(proto.controller, implement(proto.controller, controllerHandlers(ctx), opts.log));
  server.addService(proto.node, implement(proto.node, nodeHandlers(ctx), opts.log));
  prepareSocket(path);
  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix://${path}`, proto.grpc.ServerCredentials.createInsecure(), (err) => {
      if (err) reject(new VolError('IO_FAILED', `listening on ${path}: ${err.message}`, { cause: err }));
      else resolve();
    });
  });
  // Whoever can call the server can have vol mount and unmount as root: the socket is root's only.
  chmodSync(path, 0o600);
  opts.log.info('serving CSI', { endpoint: `unix://${path}`, nodeId: opts.nodeId });
  if (!opts.signal.aborted) await new Promise((resolve) => opts.signal.addEventListener('abort', resolve, { once: true }));
  await new Promise<void>((resolve) => {
    // Calls in flight get a moment to finish; then the rest are cut off.
    const force = setTimeout(() => server.forceShutdown(), 10_000);
    server.tryShutdown(() => {
      clearTimeout(force);
      resolve();
    });
  });
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** A grpc-js implementation of `service` from async handlers: resolve answers, throw maps to a status. */
function implement(service: ServiceDefinition, handlers: Record<string, (req: never) => Promise<object>>, log: Logger): UntypedServiceImplementation {
  const impl: UntypedServiceImplementation = {};
  for (const method of Object.keys(service)) {
    const fn = handlers[method];
    if (!fn) continue;
    impl[method] = (call: ServerUnaryCall<unknown, object>, callback: sendUnaryData<object>) => {
      log.debug(`csi ${method}`, { request: withoutSecrets(call.request) });
      fn(call.request as never).then(
        (res) => callback(null, res),
        (err: unknown) => {
          const status = statusOf(err);
          log.info(`csi ${method} failed`, { code: status.code, error: status.details });
          callback(status);
        },
      );
    };
  }
  return impl;
}

/** The request as it may be logged: the spec's secrets fields must never reach a log. */
function withoutSecrets(req: unknown): unknown {
  if (typeof req !== 'object' || req === null) return req;
  const { secrets: _secrets, ...rest } = req as Record<string, unknown>;
  return rest;
}

/** Makes the socket's directory and clears a socket a previous server left behind (never any other file). */
function prepareSocket(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    if (!lstatSync(path).isSocket()) throw new VolError('INVALID_ARG', `cannot listen on ${path}: it exists and is not a socket`);
    unlinkSync(path);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
}
